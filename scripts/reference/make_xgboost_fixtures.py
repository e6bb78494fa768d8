"""Writes XGBoost fixtures: small models over many settings, each saved as the model files of
save_model (JSON, UBJSON) and as a pickle (some also joblib) of the fitted object, with XGBoost's own
answers on held-out rows beside them. test/xgboost/parity.test.ts imports every file as
`modelgate import` does and compares.

    PYTHONPATH=<xgboost>/python-package .venv-ref/bin/python scripts/reference/make_xgboost_fixtures.py [OUT_DIR]

OUT_DIR defaults to test/fixtures/xgboost. xgboost is not in the package mirror; the committed fixtures
were written with XGBoost 3.5.0-dev, dmlc/xgboost commit 379b29f0836b9dbc313b993d8e5743bd452d4117
(2026-08-21) with dmlc-core 5295de940c7e79abe8b5d3891ca1d9ac6e7d467c (the submodule's own commit
ee879b7f is not in the mirror; the newest dmlc-core was used), built outside the repository:

    git clone <xgboost> xgboost && git clone <dmlc-core> xgboost/dmlc-core
    cmake -S xgboost -B xgboost/build -GNinja -DCMAKE_BUILD_TYPE=Release -DUSE_OPENMP=ON
    ninja -C xgboost/build -j2          # writes xgboost/lib/libxgboost.so
    PYTHONPATH=xgboost/python-package .venv-ref/bin/python scripts/reference/make_xgboost_fixtures.py

(python-package/xgboost finds ../lib/libxgboost.so itself.) Each case <name> has <name>.json,
<name>.ubj, <name>.pkl (some <name>.joblib; a Pipeline case the pickle alone) and <name>.expected.json: files, name, xgboost (version),
estimator, objective, task, features, rows (held-out rows in feature order, null where missing),
predict (labels or values), classes and proba (classifiers), margin (output_margin), iterations, and
refused (true for a model modelgate refuses: ranking, several quantiles, multi-output trees).
index.json lists the cases.

Held-out rows hold NaN in every column, values exactly on split conditions, doubles just below a
condition that round to it in float32, categories the model never saw, negative and fractional ones.
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
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2]
N_TRAIN = 300
N_TEST = 40
BASE = dict(n_estimators=5, max_depth=3, learning_rate=0.3, n_jobs=1, random_state=0, tree_method="hist")
JOBLIB_CASES = {"binary", "multiclass", "regression", "categorical"}


def to_json(v):
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.ndarray):
        return [to_json(x) for x in v.tolist()]
    if isinstance(v, list):
        return [to_json(x) for x in v]
    return v


def conditions(booster: xgb.Booster) -> dict[int, list[float]]:
    """Each feature's numeric split conditions (to put held-out values on them)."""
    found: dict[int, list[float]] = {}
    doc = json.loads(booster.save_raw("json"))
    gb = doc["learner"]["gradient_booster"]
    model = gb["gbtree"]["model"] if gb["name"] == "dart" else gb["model"]
    for t in model.get("trees", []):
        types = t.get("split_type", [0] * len(t["left_children"]))
        for n, left in enumerate(t["left_children"]):
            if left != -1 and types[n] == 0:
                found.setdefault(t["split_indices"][n], []).append(t["split_conditions"][n])
    return found


def held_out(rng: np.random.Generator, X: np.ndarray, booster: xgb.Booster, categorical=()) -> np.ndarray:
    rows = X.copy()
    n, f = rows.shape
    for j in range(f):
        rows[j % n, j] = np.nan
    for j, cs in conditions(booster).items():
        if j in categorical:
            continue
        for i, c in enumerate(cs[:3]):
            c32 = float(np.float32(c))
            rows[(f + 2 * i + j) % n, j] = c32
            # A double just below the condition that float32 rounds up onto it: XGBoost sends it right.
            rows[(f + 2 * i + 1 + j) % n, j] = np.nextafter(c32, -np.inf)
    for j in categorical:
        rows[(3 * f + j) % n, j] = -1.0
        rows[(3 * f + j + 1) % n, j] = 2.5
        rows[(3 * f + j + 2) % n, j] = 97.0
        rows[(3 * f + j + 3) % n, j] = -0.5
    return rows


def data(rng: np.random.Generator, f: int = 5, missing: float = 0.1):
    X = rng.normal(size=(N_TRAIN + N_TEST, f))
    X[rng.random(X.shape) < missing] = np.nan
    return X[:N_TRAIN], X[N_TRAIN:]


def signal(X: np.ndarray) -> np.ndarray:
    Z = np.nan_to_num(X)
    return Z[:, 0] + 0.7 * Z[:, 1] * Z[:, 2] - 0.5 * Z[:, 3 % Z.shape[1]]


class Writer:
    def __init__(self, out: Path):
        self.out = out
        self.cases: list[str] = []

    def write(self, name, model, booster, rows, *, estimator, objective, task, predict=None, proba=None,
              margin=None, classes=None, iterations=None, refused=False, features=None, pickled=True,
              model_files=True):
        files = []
        booster_or_model = model if hasattr(model, "save_model") else booster
        for ext in ("json", "ubj") if model_files else ():
            booster_or_model.save_model(str(self.out / f"{name}.{ext}"))
            files.append(ext)
        if pickled:
            with open(self.out / f"{name}.pkl", "wb") as fh:
                pickle.dump(model, fh, protocol=5)
            files.append("pkl")
            if name in JOBLIB_CASES:
                joblib.dump(model, self.out / f"{name}.joblib", compress=3)
                files.append("joblib")
        expected = {
            "name": name,
            "files": files,
            "xgboost": xgb.__version__,
            "estimator": estimator,
            "objective": objective,
            "task": task,
            "features": features or [f"f{i}" for i in range(rows.shape[1])],
            "rows": to_json(rows) if rows.dtype != object else rows.tolist(),
            "refused": refused,
        }
        if not refused:
            expected["predict"] = to_json(np.asarray(predict).reshape(-1))
            if margin is not None:
                expected["margin"] = to_json(np.asarray(margin))
            if classes is not None:
                expected["classes"] = to_json(np.asarray(classes))
            if proba is not None:
                expected["proba"] = to_json(np.asarray(proba))
            if iterations is not None:
                expected["iterations"] = int(iterations)
        (self.out / f"{name}.expected.json").write_text(json.dumps(expected, indent=None) + "\n")
        self.cases.append(name)


def classifier(w: Writer, name: str, rng, n_classes: int = 2, params=None, fit=None, cls=xgb.XGBClassifier):
    Xtr, Xte = data(rng)
    s = signal(Xtr)
    y = np.digitize(s, np.quantile(s, np.linspace(0, 1, n_classes + 1)[1:-1]))
    model = cls(**{**BASE, **(params or {})})
    model.fit(Xtr, y, **(fit or {}))
    rows = held_out(rng, Xte, model.get_booster())
    best = getattr(model, "best_iteration", None) if "early_stopping_rounds" in (params or {}) else None
    w.write(name, model, model.get_booster(), rows, estimator=type(model).__name__,
            objective=model.get_params()["objective"] or "binary:logistic", task="classification",
            predict=model.predict(rows), proba=model.predict_proba(rows),
            margin=model.predict(rows, output_margin=True), classes=model.classes_,
            iterations=None if best is None else best + 1)


def regressor(w: Writer, name: str, rng, objective: str, params=None, y_of=None, cls=xgb.XGBRegressor):
    Xtr, Xte = data(rng)
    s = signal(Xtr)
    y = y_of(s) if y_of else s + 0.1 * rng.normal(size=s.shape)
    model = cls(**{**BASE, "objective": objective, **(params or {})})
    model.fit(Xtr, y)
    rows = held_out(rng, Xte, model.get_booster())
    w.write(name, model, model.get_booster(), rows, estimator=type(model).__name__, objective=objective,
            task="regression", predict=model.predict(rows), margin=model.predict(rows, output_margin=True))


def booster_case(w: Writer, name: str, rng, params, label, rounds=5, task="regression", refused=False,
                 early_stopping=False, dtrain_extra=None):
    Xtr, Xte = data(rng)
    s = signal(Xtr)
    y = label(s)
    dtrain = xgb.DMatrix(Xtr, label=y, **(dtrain_extra(s) if dtrain_extra else {}))
    kwargs = {}
    if early_stopping:
        Xv, _ = data(rng)
        sv = signal(Xv)
        dvalid = xgb.DMatrix(Xv, label=label(sv))
        kwargs = dict(evals=[(dvalid, "valid")], early_stopping_rounds=2, verbose_eval=False)
        rounds = 60
    bst = xgb.train({"seed": 0, "nthread": 1, "max_depth": 3, "eta": 0.3, "tree_method": "hist", **params},
                    dtrain, num_boost_round=rounds, **kwargs)
    rows = held_out(rng, Xte, bst)
    d = xgb.DMatrix(rows)
    predict = bst.predict(d)
    w.write(name, bst, bst, rows, estimator="Booster", objective=params["objective"], task=task,
            predict=predict, margin=bst.predict(d, output_margin=True), refused=refused,
            classes=list(range(max(2, params.get("num_class", 0)))) if task == "classification" else None)


def categorical_frame(rng, n):
    colours = ["red", "green", "blue", "black", "white", "grey", "pink"]
    df = pd.DataFrame({
        "size": rng.normal(size=n),
        "colour": pd.Categorical(rng.choice(colours, size=n), categories=colours),
        "weight": rng.normal(size=n),
        "shape": pd.Categorical(rng.choice(["round", "square", "flat"], size=n)),
    })
    df.loc[rng.random(n) < 0.1, "size"] = np.nan
    df.loc[rng.random(n) < 0.1, "colour"] = np.nan
    colour_effect = df["colour"].cat.codes.map({0: 1.5, 1: -1.0, 2: 0.5, 3: 2.0, 4: -2.0, 5: 0.0, 6: 1.0, -1: 0.3})
    y = (np.nan_to_num(df["size"]) + colour_effect + 0.5 * (df["shape"].cat.codes == 1) > 0.5).astype(int)
    return df, y


def codes_of(df: pd.DataFrame) -> np.ndarray:
    return np.column_stack([
        df[c].cat.codes.to_numpy().astype(float) if df[c].dtype == "category" else df[c].to_numpy(dtype=float)
        for c in df.columns
    ])


def categorical(w: Writer, name: str, rng, onehot: int = 1):
    """pandas category columns: the model keeps their categories (3.x), which the card types.
    max_cat_to_onehot 1 splits by partitions of categories, 8 one category against the rest."""
    df, y = categorical_frame(rng, N_TRAIN + N_TEST)
    tr, te = df.iloc[:N_TRAIN], df.iloc[N_TRAIN:].copy()
    model = xgb.XGBClassifier(**{**BASE, "enable_categorical": True, "max_cat_to_onehot": onehot})
    model.fit(tr, y.iloc[:N_TRAIN])
    rows = [[None if (isinstance(v, float) and math.isnan(v)) or v is None else (v if isinstance(v, str) else float(v))
             for v in row] for row in te.astype(object).where(te.notna(), None).itertuples(index=False)]
    w.write(name, model, model.get_booster(), np.array(rows, dtype=object), estimator="XGBClassifier",
            objective="binary:logistic", task="classification", predict=model.predict(te),
            proba=model.predict_proba(te), margin=model.predict(te, output_margin=True), classes=[0, 1],
            features=list(df.columns))


def categorical_codes(w: Writer, name: str, rng):
    """Categorical features given as codes in a plain array: negative, fractional, unseen codes too."""
    df, y = categorical_frame(rng, N_TRAIN + N_TEST)
    X = codes_of(df)
    X[X == -1] = np.nan
    ft = ["q", "c", "q", "c"]
    dtrain = xgb.DMatrix(X[:N_TRAIN], label=y[:N_TRAIN], feature_types=ft, enable_categorical=True)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 0, "nthread": 1,
                     "tree_method": "hist", "max_cat_to_onehot": 1}, dtrain, num_boost_round=5)
    rows = X[N_TRAIN:].copy()
    for i, v in enumerate([-1.0, 2.5, 97.0, -0.5, 6.999, 3.0, np.nan]):
        rows[i, 1] = v
    rows[7, 3] = 7.0
    rows[8, 3] = 1.5
    d = xgb.DMatrix(rows, feature_types=ft, enable_categorical=True)
    p1 = bst.predict(d)
    w.write(name, bst, bst, rows, estimator="Booster", objective="binary:logistic", task="classification",
            predict=(p1 > 0.5).astype(int), proba=np.column_stack([1 - p1, p1]),
            margin=bst.predict(d, output_margin=True), classes=[0, 1])


def pipeline(w: Writer, name: str, rng, final):
    """A scikit-learn Pipeline ending in an XGBoost wrapper: the pickle alone (its steps come first)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Xtr, Xte = data(rng)
    s = signal(Xtr)
    classify = isinstance(final, xgb.XGBClassifier)
    hinge = final.get_params()["objective"] == "binary:hinge"
    y = (s > 0).astype(int) if classify else np.round(np.exp(s / 2))
    model = make_pipeline(StandardScaler(), final).fit(Xtr, y)
    rows = Xte.copy()
    rows[0, 0] = np.nan
    w.write(name, model, final.get_booster(), rows, estimator="Pipeline", objective=final.get_params()["objective"],
            task="classification" if classify else "regression", predict=model.predict(rows),
            proba=model.predict_proba(rows) if classify and not hinge else None,
            classes=[0, 1] if classify else None,
            model_files=False, features=[f"x{i}" for i in range(rows.shape[1])])


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "test" / "fixtures" / "xgboost"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    w = Writer(out)
    rng = lambda k: np.random.default_rng(k)  # noqa: E731

    classifier(w, "binary", rng(1))
    classifier(w, "binary-deep", rng(2), params=dict(max_depth=5, n_estimators=8, learning_rate=0.1))
    classifier(w, "binary-base-score", rng(3), params=dict(base_score=0.3, n_estimators=3))
    classifier(w, "multiclass", rng(4), n_classes=3, params=dict(n_estimators=3))
    classifier(w, "multiclass-softmax", rng(5), n_classes=4, params=dict(objective="multi:softmax", n_estimators=2, max_depth=2))
    classifier(w, "stumps", rng(6), params=dict(max_depth=1, n_estimators=8))
    classifier(w, "single-leaf", rng(7), params=dict(min_child_weight=1e6, n_estimators=2))
    classifier(w, "pruned", rng(8), params=dict(gamma=2.0, max_depth=5, n_estimators=6))
    classifier(w, "dart-binary", rng(9), params=dict(booster="dart", rate_drop=0.3, n_estimators=6))
    classifier(w, "rf-binary", rng(10), cls=xgb.XGBRFClassifier, params=dict(n_estimators=4, learning_rate=1.0))
    Xv, _ = data(rng(11))
    classifier(w, "early-stopping", rng(12),
               params=dict(n_estimators=60, early_stopping_rounds=2, learning_rate=0.8, max_depth=2),
               fit=dict(eval_set=[(Xv, np.digitize(signal(Xv), [0.0]))], verbose=False))
    categorical(w, "categorical", rng(13))
    categorical(w, "categorical-onehot", rng(15), onehot=8)
    categorical_codes(w, "categorical-codes", rng(14))

    regressor(w, "regression", rng(20), "reg:squarederror")
    regressor(w, "regression-squaredlog", rng(21), "reg:squaredlogerror", y_of=lambda s: np.exp(s / 3))
    regressor(w, "regression-pseudohuber", rng(22), "reg:pseudohubererror")
    regressor(w, "regression-absolute", rng(23), "reg:absoluteerror")
    regressor(w, "regression-quantile", rng(24), "reg:quantileerror", params=dict(quantile_alpha=0.3))
    regressor(w, "regression-logistic", rng(25), "reg:logistic", y_of=lambda s: 1 / (1 + np.exp(-s)))
    regressor(w, "regression-poisson", rng(26), "count:poisson", y_of=lambda s: np.round(np.exp(s / 2)))
    regressor(w, "regression-gamma", rng(27), "reg:gamma", y_of=lambda s: np.exp(s / 3))
    regressor(w, "regression-tweedie", rng(28), "reg:tweedie", y_of=lambda s: np.maximum(0, s),
              params=dict(tweedie_variance_power=1.3))
    regressor(w, "regression-dart", rng(29), "reg:squarederror", params=dict(booster="dart", rate_drop=0.4))
    regressor(w, "regression-rf", rng(30), "reg:squarederror", cls=xgb.XGBRFRegressor,
              params=dict(n_estimators=3, learning_rate=1.0))
    regressor(w, "regression-cox", rng(31), "survival:cox", y_of=lambda s: np.where(s > 1, -1, 1) * np.exp(s / 3))

    booster_case(w, "booster-logitraw", rng(40), {"objective": "binary:logitraw"},
                 lambda s: (s > 0).astype(int))
    booster_case(w, "booster-hinge", rng(41), {"objective": "binary:hinge"}, lambda s: (s > 0).astype(int),
                 task="classification")
    booster_case(w, "booster-aft", rng(42), {"objective": "survival:aft", "aft_loss_distribution": "normal"},
                 lambda s: np.exp(s / 3),
                 dtrain_extra=lambda s: dict(label_lower_bound=np.exp(s / 3), label_upper_bound=np.exp(s / 3) * 1.5))
    booster_case(w, "booster-early-stopping", rng(43), {"objective": "reg:squarederror", "eta": 0.8, "max_depth": 2},
                 lambda s: s,
                 early_stopping=True)
    booster_case(w, "booster-softmax", rng(44), {"objective": "multi:softmax", "num_class": 3, "max_depth": 2},
                 lambda s: np.digitize(s, [-0.5, 0.5]), task="classification")

    pipeline(w, "pipeline-classifier", rng(45), xgb.XGBClassifier(**BASE))
    pipeline(w, "pipeline-hinge", rng(47), xgb.XGBClassifier(**{**BASE, "objective": "binary:hinge"}))
    pipeline(w, "pipeline-regressor", rng(46), xgb.XGBRegressor(**{**BASE, "objective": "count:poisson"}))

    booster_case(w, "gblinear", rng(51), {"objective": "reg:squarederror", "booster": "gblinear"}, lambda s: s)
    classifier(w, "gblinear-multiclass", rng(54), n_classes=3, params=dict(booster="gblinear", n_estimators=4))

    # Refused: a ranking model, several quantiles, multi-output trees.
    booster_case(w, "ranking", rng(50), {"objective": "rank:pairwise"}, lambda s: np.digitize(s, [0.0, 1.0]),
                 refused=True, dtrain_extra=lambda s: dict(qid=np.repeat(np.arange(30), 10)))
    booster_case(w, "multi-quantile", rng(52), {"objective": "reg:quantileerror", "quantile_alpha": [0.2, 0.8], "max_depth": 1},
                 lambda s: s, refused=True)
    Xtr, Xte = data(rng(53))
    Y = np.column_stack([signal(Xtr), np.nan_to_num(Xtr[:, 1])])
    multi = xgb.XGBRegressor(**{**BASE, "multi_strategy": "multi_output_tree"})
    multi.fit(Xtr, Y)
    w.write("multi-output-tree", multi, multi.get_booster(), Xte, estimator="XGBRegressor",
            objective="reg:squarederror", task="regression", refused=True)

    (out / "index.json").write_text(json.dumps({"xgboost": xgb.__version__, "cases": w.cases}, indent=1) + "\n")
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(w.cases)} cases, {total} bytes, to {out}")


if __name__ == "__main__":
    main()
