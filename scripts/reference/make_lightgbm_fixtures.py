"""Writes LightGBM fixtures: small models over many settings, each saved four ways (the text model of
save_model, the JSON of dump_model, a pickle and a joblib file of the fitted object) with LightGBM's
own answers on held-out rows beside them. test/lightgbm/parity.test.ts imports every file as
`modelgate import` does and compares.

    .venv-ref/bin/python scripts/reference/make_lightgbm_fixtures.py [OUT_DIR]

OUT_DIR defaults to test/fixtures/lightgbm. Each case <name> has <name>.txt and <name>.pkl, some also
<name>.json (the dump) and <name>.joblib (JSON_CASES, JOBLIB_CASES), and <name>.expected.json: files, name, lightgbm (version), estimator, objective, task,
features, rows (held-out rows in feature order; null where missing; strings for pandas categories),
predict (labels or values), classes and proba (classifiers), and refused (true for a model modelgate
refuses: linear trees, multiclassova, ranking). index.json lists the cases.

Held-out rows hold NaN in every column, exact zeros, values on the trees' thresholds, negative and
fractional categories, categories the model never saw.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import sys
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import joblib  # noqa: E402
import lightgbm as lgb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2]
N_TRAIN = 300
N_TEST = 30
BASE = dict(n_estimators=4, num_leaves=5, min_child_samples=5, verbose=-1, n_jobs=1, random_state=0)


def thresholds(booster: lgb.Booster) -> dict[int, list[float]]:
    """Each feature's numeric thresholds in the model (to put held-out values exactly on them)."""
    found: dict[int, list[float]] = {}

    def walk(node: dict) -> None:
        if "split_feature" not in node:
            return
        if node["decision_type"] == "<=":
            found.setdefault(node["split_feature"], []).append(float(node["threshold"]))
        walk(node["left_child"])
        walk(node["right_child"])

    for t in booster.dump_model()["tree_info"]:
        walk(t["tree_structure"])
    return found


def held_out(rng: np.random.Generator, X: np.ndarray, booster: lgb.Booster, categorical=()) -> np.ndarray:
    """Held-out rows: fresh rows, then NaN in each column, zeros, thresholds, odd categories."""
    rows = X.copy()
    n, f = rows.shape
    for j in range(f):
        rows[j % n, j] = np.nan
        rows[(j + f) % n, j] = 0.0
    for j, ts in thresholds(booster).items():
        for i, t in enumerate(ts[:4]):
            rows[(2 * f + i * 3 + j) % n, j] = t
    for j in categorical:
        rows[(3 * f + j) % n, j] = -1.0
        rows[(3 * f + j + 1) % n, j] = 2.5
        rows[(3 * f + j + 2) % n, j] = 97.0
        rows[(3 * f + j + 3) % n, j] = -0.5
    return rows


def to_json(v):
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.str_):
        return str(v)
    return v


def data(rng, n, f, missing=0.0, zeros=0.0, cat=()):
    X = rng.normal(size=(n, f))
    for j in cat:
        X[:, j] = rng.integers(0, 6, size=n)
    if missing:
        X[rng.random(size=(n, f)) < missing] = np.nan
    if zeros:
        X[rng.random(size=(n, f)) < zeros] = 0.0
    return X


def signal(X):
    Z = np.nan_to_num(X)
    return Z[:, 0] + 0.8 * Z[:, 1] - 0.5 * Z[:, 2] * Z[:, 3 % Z.shape[1]]


# The cases also saved as a JSON dump and as a joblib file (the folder stays small: a dump is 2-3 times
# the text, and a joblib file is the pickle compressed, which the scikit-learn tests cover already).
JSON_CASES = {"binary", "multiclass", "missing-nan", "missing-off", "zero-as-missing", "categorical",
              "categorical-multiclass", "early-stopping", "rf-regression", "booster-early-stopping",
              "pandas-categorical", "regression-poisson", "cross-entropy", "linear-tree"}
JOBLIB_CASES = {"binary-strings", "multiclass-strings", "early-stopping", "booster-early-stopping",
                "pandas-categorical", "linear-tree"}


def write_case(out: Path, name: str, model, booster: lgb.Booster, rows, task, objective, estimator,
               predict=None, proba=None, classes=None, refused=False, features=None, pipeline=False):
    # A Pipeline ending in a wrapper is a pickle (and a joblib file) only: its booster's text alone
    # lacks the steps before it.
    files = ["pkl"] if pipeline else ["txt", "pkl"]
    if not pipeline:
        (out / f"{name}.txt").write_text(booster.model_to_string())
    (out / f"{name}.pkl").write_bytes(pickle.dumps(model, protocol=4))
    if name in JSON_CASES:
        files.append("json")
        (out / f"{name}.json").write_text(json.dumps(booster.dump_model(), separators=(",", ":")))
    if name in JOBLIB_CASES or pipeline:
        files.append("joblib")
        joblib.dump(model, out / f"{name}.joblib", compress=3)
    expected = {
        "name": name,
        "lightgbm": lgb.__version__,
        "estimator": estimator,
        "objective": objective,
        "task": task,
        "features": features if features is not None else booster.feature_name(),
        "rows": [[to_json(v) for v in r] for r in rows],
        "refused": refused,
        "files": files,
    }
    if not refused:
        expected["predict"] = [to_json(v) for v in predict]
        if classes is not None:
            expected["classes"] = [to_json(c) for c in classes]
            expected["proba"] = [[float(p) for p in r] for r in proba]
    (out / f"{name}.expected.json").write_text(json.dumps(expected))
    return name


def classifier_case(out, name, X, y, Xt_rng, cat=(), fit=None, **params):
    m = lgb.LGBMClassifier(**{**BASE, **params}).fit(X, y, **(fit or {}))
    rows = held_out(Xt_rng, data(Xt_rng, N_TEST, X.shape[1], cat=cat), m.booster_, cat)
    objective = m.booster_.dump_model()["objective"].split(" ")[0]
    return write_case(out, name, m, m.booster_, rows, "classification", objective, "LGBMClassifier",
                      m.predict(rows), m.predict_proba(rows), m.classes_)


def regressor_case(out, name, X, y, rng, cat=(), fit=None, **params):
    m = lgb.LGBMRegressor(**{**BASE, **params}).fit(X, y, **(fit or {}))
    rows = held_out(rng, data(rng, N_TEST, X.shape[1], cat=cat), m.booster_, cat)
    objective = m.booster_.dump_model()["objective"].split(" ")[0]
    return write_case(out, name, m, m.booster_, rows, "regression", objective, "LGBMRegressor", m.predict(rows))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for p in out.iterdir():
        if p.suffix in (".txt", ".json", ".pkl", ".joblib"):
            p.unlink()
    rng = np.random.default_rng(16)
    cases = []
    F = 4
    X = data(rng, N_TRAIN, F)
    s = signal(X)
    yb = (s > 0).astype(int)
    cases.append(classifier_case(out, "binary", X, yb, rng))
    cases.append(classifier_case(out, "binary-strings", X, np.where(yb == 1, "yes", "no"), rng))
    cases.append(classifier_case(out, "binary-sigmoid", X, yb, rng, sigmoid=0.6))
    y3 = np.digitize(s, [-0.5, 0.5])
    cases.append(classifier_case(out, "multiclass", X, np.array([10, 20, 30])[y3], rng, n_estimators=3))
    cases.append(classifier_case(out, "multiclass-strings", X, np.array(["c", "a", "b"])[y3], rng, n_estimators=2))

    Xm = data(rng, N_TRAIN, F, missing=0.15)
    ym = (signal(Xm) + np.isnan(Xm[:, 0]) > 0).astype(int)
    cases.append(classifier_case(out, "missing-nan", Xm, ym, rng))
    cases.append(classifier_case(out, "missing-off", Xm, ym, rng, use_missing=False))
    Xz = data(rng, N_TRAIN, F, missing=0.05, zeros=0.2)
    yz = (signal(Xz) + (Xz[:, 1] == 0) > 0.3).astype(int)
    cases.append(classifier_case(out, "zero-as-missing", Xz, yz, rng, zero_as_missing=True))
    cases.append(regressor_case(out, "zero-as-missing-regression", Xz, signal(Xz), rng, zero_as_missing=True))

    Xc = data(rng, N_TRAIN, F, missing=0.05, cat=(1,))
    yc = (np.nan_to_num(Xc[:, 0]) + np.isin(Xc[:, 1], [1, 4]) * 1.5 > 0.7).astype(int)
    cases.append(classifier_case(out, "categorical", Xc, yc, rng, cat=(1,),
                                 fit={"categorical_feature": [1]}, min_data_per_group=5, cat_smooth=1))
    yc3 = np.digitize(np.nan_to_num(Xc[:, 0]) + np.isin(Xc[:, 1], [2, 3]) * 1.5, [0, 1])
    cases.append(classifier_case(out, "categorical-multiclass", Xc, yc3, rng, cat=(1,),
                                 fit={"categorical_feature": [1]}, min_data_per_group=5, cat_smooth=1,
                                 max_cat_to_onehot=8, n_estimators=3))

    # Regression objectives.
    yr = signal(X) * 3 + 1
    for objective in ("regression", "regression_l1", "huber", "fair", "quantile", "mape"):
        cases.append(regressor_case(out, f"regression-{objective.replace('_', '-')}", X, yr, rng, objective=objective))
    cases.append(regressor_case(out, "regression-sqrt", X, np.abs(yr), rng, reg_sqrt=True))
    ypos = np.exp(signal(X) / 2)
    for objective in ("poisson", "gamma", "tweedie"):
        cases.append(regressor_case(out, f"regression-{objective}", X, ypos, rng, objective=objective))
    yp = 1 / (1 + np.exp(-signal(X)))
    cases.append(regressor_case(out, "cross-entropy", X, yp, rng, objective="cross_entropy"))
    cases.append(regressor_case(out, "cross-entropy-lambda", X, yp, rng, objective="cross_entropy_lambda"))

    # Early stopping: the wrapper keeps only the trees up to best_iteration_.
    Xv = data(rng, 100, F)
    es = {"eval_set": [(Xv, (signal(Xv) > 0).astype(int))], "callbacks": [lgb.early_stopping(2, verbose=False)]}
    cases.append(classifier_case(out, "early-stopping", X, yb, rng, fit=es, n_estimators=60, learning_rate=0.5))

    # rf boosting averages its trees.
    cases.append(classifier_case(out, "rf-binary", X, yb, rng, boosting_type="rf", subsample=0.7,
                                 subsample_freq=1))
    cases.append(regressor_case(out, "rf-regression", X, yr, rng, boosting_type="rf", subsample=0.7,
                                subsample_freq=1))

    # A Booster from lgb.train, early-stopped, pickled as itself: kept for training, it holds the trees
    # past its best_iteration (the wrapper's booster is cut at the best iteration), which predict skips.
    train = lgb.Dataset(X, yr, free_raw_data=False)
    valid = lgb.Dataset(Xv, signal(Xv) * 3 + 1, reference=train)
    booster = lgb.train({"objective": "regression", "num_leaves": 6, "verbose": -1, "num_threads": 1,
                         "learning_rate": 0.5, "min_data_in_leaf": 5}, train, num_boost_round=60,
                        valid_sets=[valid], callbacks=[lgb.early_stopping(2, verbose=False)],
                        keep_training_booster=True)
    rows = held_out(rng, data(rng, N_TEST, F), booster)
    cases.append(write_case(out, "booster-early-stopping", booster, booster, rows, "regression", "regression",
                            "Booster", booster.predict(rows)))
    tb = lgb.train({"objective": "multiclass", "num_class": 3, "num_leaves": 5, "verbose": -1, "num_threads": 1,
                    "min_data_in_leaf": 5}, lgb.Dataset(X, y3), num_boost_round=3)
    rows = held_out(rng, data(rng, N_TEST, F), tb)
    p = tb.predict(rows)
    cases.append(write_case(out, "booster-multiclass", tb, tb, rows, "classification", "multiclass", "Booster",
                            p.argmax(axis=1), p, [0, 1, 2]))

    # A DataFrame with pandas categories of strings (and named columns).
    df = pd.DataFrame({"size": X[:, 0], "colour": pd.Categorical(rng.choice(["red", "green", "blue", "grey"], N_TRAIN)),
                       "weight": X[:, 2]})
    ydf = (df["size"] + (df["colour"].isin(["red", "blue"])) * 1.2 > 0.6).astype(int)
    m = lgb.LGBMClassifier(**{**BASE, "min_data_per_group": 5, "cat_smooth": 1}).fit(df, ydf)
    test = pd.DataFrame({"size": rng.normal(size=N_TEST),
                         "colour": pd.Categorical(rng.choice(["red", "green", "blue", "grey"], N_TEST),
                                                  categories=df["colour"].cat.categories),
                         "weight": rng.normal(size=N_TEST)})
    test_rows = [[float(a), None if pd.isna(c) else str(c), float(w)] for a, c, w in test.itertuples(index=False)]
    test_rows[0][1] = None
    test_rows[1][1] = "purple"  # a category the model never saw: pandas makes it NaN
    test_rows[2][0] = None
    frame = pd.DataFrame({"size": [np.nan if r[0] is None else r[0] for r in test_rows],
                          "colour": pd.Categorical([r[1] for r in test_rows], categories=df["colour"].cat.categories),
                          "weight": [r[2] for r in test_rows]})
    cases.append(write_case(out, "pandas-categorical", m, m.booster_, test_rows, "classification", "binary",
                            "LGBMClassifier", m.predict(frame), m.predict_proba(frame), m.classes_,
                            features=list(df.columns)))

    # Refused: linear trees, multiclassova, ranking.
    lin = lgb.LGBMRegressor(**{**BASE, "linear_tree": True, "n_estimators": 2}).fit(X, yr)
    cases.append(write_case(out, "linear-tree", lin, lin.booster_, X[:3], "regression", "regression",
                            "LGBMRegressor", refused=True))
    ova = lgb.LGBMClassifier(**{**BASE, "objective": "multiclassova", "n_estimators": 1}).fit(X, y3)
    cases.append(write_case(out, "multiclassova", ova, ova.booster_, X[:3], "classification", "multiclassova",
                            "LGBMClassifier", refused=True))
    rank = lgb.train({"objective": "lambdarank", "num_leaves": 4, "verbose": -1, "num_threads": 1,
                      "min_data_in_leaf": 5}, lgb.Dataset(X, y3, group=[30] * 10), num_boost_round=2)
    cases.append(write_case(out, "lambdarank", rank, rank, X[:3], "regression", "lambdarank", "Booster",
                            refused=True))

    # A scikit-learn Pipeline ending in a wrapper: scaled features, and an imputer before a regressor.
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = [f"x{i}" for i in range(F)]
    for name, pipe, y, task in [
        ("pipeline-classifier", make_pipeline(StandardScaler(), lgb.LGBMClassifier(**BASE)),
         np.array(["lo", "mid", "hi"])[y3], "classification"),
        ("pipeline-regressor", make_pipeline(SimpleImputer(), StandardScaler(), lgb.LGBMRegressor(**BASE)),
         yr, "regression"),
    ]:
        Xp = Xm if task == "regression" else X
        pipe.fit(Xp, y)
        rows = held_out(rng, data(rng, N_TEST, F, missing=0.1), pipe[-1].booster_)
        est = type(pipe[-1]).__name__
        objective = pipe[-1].booster_.dump_model()["objective"].split(" ")[0]
        if task == "classification":
            cases.append(write_case(out, name, pipe, pipe[-1].booster_, rows, task, objective, f"Pipeline({est})",
                                    pipe.predict(rows), pipe.predict_proba(rows), pipe.classes_, features=names,
                                    pipeline=True))
        else:
            cases.append(write_case(out, name, pipe, pipe[-1].booster_, rows, task, objective, f"Pipeline({est})",
                                    pipe.predict(rows), features=names, pipeline=True))

    (out / "index.json").write_text(json.dumps({"lightgbm": lgb.__version__, "cases": cases}, indent=1))
    print(json.dumps({"out": str(out), "cases": len(cases)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "test" / "fixtures" / "lightgbm")
