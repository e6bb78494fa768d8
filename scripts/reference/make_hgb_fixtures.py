"""Writes test/fixtures/sklearn-hgb/: HistGradientBoosting models with categorical features, each saved as
a pickle with scikit-learn's own answers on held-out rows beside it (<name>.json). The held-out rows
hold categories the model never saw (integer codes past the trained ones, a fraction, a string the
DataFrame never had) and missing values in every column. test/sklearn/hgb-import.test.ts imports each
file with `modelgate import` and compares `modelgate predict`'s answers.

    .venv-ref/bin/python scripts/reference/make_hgb_fixtures.py [NAME_PREFIX ...]
    .venv-ref-1.6.1/bin/python scripts/reference/make_hgb_fixtures.py    (test/fixtures/sklearn-hgb-1.6)

Cases: integer-coded categorical columns given by index, by boolean mask and by feature name (numpy
arrays and DataFrames); categorical_features="from_dtype" over pandas category columns of strings and
of integers (binary, multiclass, regression); behind a ColumnTransformer's OrdinalEncoder. And in
test/fixtures/sklearn-labels (write_labels), a classifier trained on LabelEncoder-ed labels, saved three
ways (the model alone with the encoder in its own file, and a dict and a tuple of both).

Each JSON holds: name, sklearn (version), estimator, task, features (feature_names_in_, or x0.. for an
array), categorical (the features scikit-learn treats as categories), rows (held-out rows in feature
order; null where missing), predict, classes and proba (classifiers); labels (the LabelEncoder's
classes_, where the model was trained on its codes).
"""
from __future__ import annotations

import json
import math
import os
import pickle
import sys
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import LabelEncoder, OrdinalEncoder  # noqa: E402

from refcommon import REPO_ROOT, to_native  # noqa: E402

# scikit-learn 1.9 (the reference venv) writes sklearn-hgb; 1.6 (.venv-ref-1.6.1) sklearn-hgb-1.6.
MINOR = ".".join(sklearn.__version__.split(".")[:2])
OUT = REPO_ROOT / "test" / "fixtures" / ("sklearn-hgb" if MINOR == "1.9" else f"sklearn-hgb-{MINOR}")
TRAIN_ROWS = 300
TEST_ROWS = 40
CITIES = ["Lyon", "Paris", "Nice", "Lille", "Brest"]
PLANS = ["basic", "plus", "pro"]


def coded(seed: int):
    """Integer-coded columns: age (number), city (codes 0, 1, 2, 5, 7), income (number), rooms (codes 1
    to 4). Held out: codes never trained (3, 9, 2.5, -1) in about one row in four, and NaN in every
    column now and then (in training too)."""
    rng = np.random.default_rng(seed)
    n = TRAIN_ROWS + TEST_ROWS
    age = rng.normal(40, 12, n).round(1)
    city = rng.choice([0, 1, 2, 5, 7], n, p=[0.3, 0.25, 0.2, 0.15, 0.1]).astype(float)
    income = rng.lognormal(3, 0.5, n).round(2)
    rooms = rng.choice([1, 2, 3, 4], n).astype(float)
    score = (
        (age - 40) / 12
        + np.choose(np.searchsorted([0, 1, 2, 5, 7], city), [0.8, -0.6, 0.3, -1.2, 1.0])
        + np.choose((rooms - 1).astype(int), [-0.7, 0.2, 0.9, -0.2])
        + rng.normal(0, 0.5, n)
    )
    X = np.column_stack([age, city, income, rooms])
    test = np.arange(TRAIN_ROWS, n)
    odd = rng.random(TEST_ROWS)
    X[test[odd < 0.1], 1] = 3
    X[test[(odd >= 0.1) & (odd < 0.15)], 1] = 9
    X[test[(odd >= 0.15) & (odd < 0.2)], 3] = 2.5
    X[test[(odd >= 0.2) & (odd < 0.25)], 3] = -1
    X[rng.random((n, 4)) < 0.06] = np.nan
    return X[:TRAIN_ROWS], X[TRAIN_ROWS:], score[:TRAIN_ROWS]


def typed(seed: int):
    """A DataFrame: age (number), city (category of strings), rooms (category of integers), plan
    (category of strings), income (number). Held out: a city and a plan never seen, a rooms value never
    seen, and missing cells."""
    rng = np.random.default_rng(seed)
    n = TRAIN_ROWS + TEST_ROWS
    df = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n).round(1),
            "city": rng.choice(CITIES, n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
            "rooms": rng.choice([1, 2, 3, 4], n),
            "plan": rng.choice(PLANS, n),
            "income": rng.lognormal(3, 0.5, n).round(2),
        }
    )
    score = (
        (df.age - 40) / 12
        + df.city.map({"Lyon": 0.8, "Paris": -0.6, "Nice": 0.3, "Lille": -1.2, "Brest": 1.0})
        + df.rooms.map({1: -0.7, 2: 0.2, 3: 0.9, 4: -0.2})
        + df.plan.map({"basic": -0.5, "plus": 0.1, "pro": 0.6})
        + rng.normal(0, 0.5, n)
    ).to_numpy()
    df = df.astype({"city": object, "plan": object, "rooms": object})
    test = df.index[TRAIN_ROWS:]
    odd = rng.random(TEST_ROWS)
    df.loc[test[odd < 0.12], "city"] = "Marseille"
    df.loc[test[(odd >= 0.12) & (odd < 0.2)], "plan"] = "enterprise"
    df.loc[test[(odd >= 0.2) & (odd < 0.27)], "rooms"] = 6
    for column in df.columns:
        df.loc[rng.random(n) < 0.06, column] = np.nan
    df["age"] = df.age.astype(float)
    df["income"] = df.income.astype(float)
    X = df.iloc[:TRAIN_ROWS].copy()
    Xt = df.iloc[TRAIN_ROWS:].reset_index(drop=True).copy()
    for column in ("city", "plan"):
        X[column] = X[column].astype("category")
        Xt[column] = Xt[column].astype("category")
    X["rooms"] = X.rooms.astype(float).astype("Int64").astype("category")
    Xt["rooms"] = Xt.rooms.astype(float).astype("Int64").astype("category")
    return X, Xt, score[:TRAIN_ROWS]


def classes_of(score, k: int):
    if k == 2:
        return np.where(score > 0.2, "yes", "no")
    return np.where(score > 0.6, "churn", np.where(score < -0.6, "stay", "maybe"))


def frame_of(X, names):
    return pd.DataFrame(X, columns=names)


CODED = ["age", "city", "income", "rooms"]
HGB = dict(max_iter=20, max_leaf_nodes=8, random_state=0)

# name -> (data, make model, task (classes), how the data is given)
CASES = {
    "index-binary": ("coded", lambda: HistGradientBoostingClassifier(categorical_features=[1, 3], **HGB), 2, "array"),
    "mask-multiclass": (
        "coded",
        lambda: HistGradientBoostingClassifier(categorical_features=[False, True, False, True], **HGB),
        3,
        "array",
    ),
    "name-regressor": (
        "coded",
        lambda: HistGradientBoostingRegressor(categorical_features=["city", "rooms"], **HGB),
        0,
        "frame",
    ),
    "name-poisson": (
        "coded",
        lambda: HistGradientBoostingRegressor(categorical_features=["city"], loss="poisson", **HGB),
        0,
        "frame",
    ),
    "dtype-binary": ("typed", lambda: HistGradientBoostingClassifier(**HGB), 2, "frame"),
    "dtype-multiclass": ("typed", lambda: HistGradientBoostingClassifier(categorical_features="from_dtype", **HGB), 3, "frame"),
    "dtype-regressor": ("typed", lambda: HistGradientBoostingRegressor(**HGB), 0, "frame"),
    # Behind a ColumnTransformer whose OrdinalEncoder codes the string columns: the model's categorical
    # columns are computed, and its trees test the codes the encoder gives (-1 for an unknown string).
    "pipeline-ordinal-classifier": (
        "strings",
        lambda: make_pipeline(
            ColumnTransformer(
                [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["city", "plan"])],
                remainder="passthrough",
            ),
            HistGradientBoostingClassifier(categorical_features=[0, 1], **HGB),
        ),
        3,
        "frame",
    ),
}


def cell(v):
    v = v.item() if hasattr(v, "item") else v
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return v
    return v


def described(model) -> str:
    if hasattr(model, "steps"):
        return f"Pipeline({', '.join(type(s).__name__ for _, s in model.steps)})"
    return type(model).__name__


def categorical(model, features):
    """The input features that are categories: the model's own, or a ColumnTransformer's encoded columns."""
    if hasattr(model, "is_categorical_"):
        return [f for f, c in zip(features, model.is_categorical_) if c]
    return [f for _, t, cols in model[0].transformers_ if isinstance(t, OrdinalEncoder) for f in cols]


def write(name: str) -> None:
    data, make, k, given = CASES[name]
    if data == "coded":
        X, Xt, score = coded(sum(map(ord, name)))
        if given == "frame":
            X, Xt = frame_of(X, CODED), frame_of(Xt, CODED)
    else:
        X, Xt, score = typed(sum(map(ord, name)))
        if data == "strings":
            # object columns of strings, rooms a number
            X, Xt = (
                d.astype({"city": object, "plan": object}).assign(rooms=d.rooms.astype(float)) for d in (X, Xt)
            )
    y = classes_of(score, k) if k else 10 * score + 30 if "poisson" not in name else np.exp(score / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make().fit(X, y)
        predict = model.predict(Xt)
        proba = model.predict_proba(Xt) if k else None
    rows_source = Xt.to_numpy(dtype=object) if hasattr(Xt, "to_numpy") else Xt
    rows = [[cell(v) for v in row] for row in rows_source]
    features = (
        [str(c) for c in model.feature_names_in_]
        if hasattr(model, "feature_names_in_")
        else [f"x{i}" for i in range(X.shape[1])]
    )
    expected = {
        "name": name,
        "sklearn": sklearn.__version__,
        "estimator": described(model),
        "task": "classification" if k else "regression",
        "features": features,
        "categorical": categorical(model, features),
        "rows": rows,
        "predict": [to_native(v) for v in predict],
    }
    if k:
        expected["classes"] = [to_native(c) for c in model.classes_]
        expected["proba"] = np.asarray(proba).tolist()
    with open(OUT / f"{name}.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)
    (OUT / f"{name}.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(f"{name}: {len(rows)} rows, categorical {expected['categorical']}")


LABELS = OUT.parent / "sklearn-labels"


def write_labels() -> None:
    """test/fixtures/sklearn-labels/: a multiclass model fitted on y = LabelEncoder().fit_transform(labels),
    saved alone (model.pkl) beside its encoder (encoder.joblib), and as a dict (bundle-dict.joblib) and a
    tuple (bundle-tuple.pkl) of both; an encoder of other labels (encoder-other.pkl) and a plain array of
    the labels (classes.joblib); labels.json holds scikit-learn's answers, decoded by the encoder."""
    LABELS.mkdir(parents=True, exist_ok=True)
    X, Xt, score = typed(77)
    labels = classes_of(score, 3)
    encoder = LabelEncoder().fit(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = HistGradientBoostingClassifier(**{**HGB, "max_iter": 8}).fit(X, encoder.transform(labels))
        predict = encoder.inverse_transform(model.predict(Xt))
        proba = model.predict_proba(Xt)
    with open(LABELS / "model.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)
    joblib.dump(encoder, LABELS / "encoder.joblib")
    joblib.dump({"model": model, "label_encoder": encoder, "note": "churn model"}, LABELS / "bundle-dict.joblib")
    with open(LABELS / "bundle-tuple.pkl", "wb") as f:
        pickle.dump((model, encoder), f, protocol=4)
    with open(LABELS / "encoder-other.pkl", "wb") as f:
        pickle.dump(LabelEncoder().fit(["a", "b", "c", "d"]), f, protocol=4)
    joblib.dump(encoder.classes_, LABELS / "classes.joblib")
    expected = {
        "name": "labels",
        "sklearn": sklearn.__version__,
        "features": [str(c) for c in model.feature_names_in_],
        "modelClasses": [to_native(c) for c in model.classes_],
        "classes": [to_native(c) for c in encoder.classes_],
        "rows": [[cell(v) for v in row] for row in Xt.to_numpy(dtype=object)],
        "predict": [to_native(v) for v in predict],
        "proba": np.asarray(proba).tolist(),
    }
    (LABELS / "labels.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(f"labels: {len(expected['rows'])} rows, classes {expected['classes']}")


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        if not argv or any(name.startswith(p) for p in argv):
            write(name)
    if MINOR == "1.9" and (not argv or any("labels".startswith(p) for p in argv)):
        write_labels()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
