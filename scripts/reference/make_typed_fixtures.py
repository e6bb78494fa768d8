"""Writes test/fixtures/sklearn-typed/: scikit-learn pipelines fitted on a pandas DataFrame that mixes
numeric and string (object) columns, with string encoders (OneHotEncoder, OrdinalEncoder, and a
SimpleImputer on strings) inside a ColumnTransformer, each saved as a pickle with scikit-learn's own
answers on held-out rows beside it (<name>.json). The held-out rows include categories the encoders
never saw and, where a case says so, missing strings. test/sklearn/typed-import.test.ts imports each
file with `modelgate import` and compares `modelgate predict`'s answers.

    .venv-ref/bin/python scripts/reference/make_typed_fixtures.py [NAME_PREFIX ...]

Each JSON holds: name, sklearn (version), estimator, task, features (feature_names_in_), rows (the
held-out rows scikit-learn answers, in feature order; null where missing), predict, classes and proba
(classifiers), refusedRows (held-out rows scikit-learn's predict raises on: an unknown category where
the encoder refuses one). refused/ holds pipelines scikit-learn fits and predicts with that modelgate
refuses to convert, each with the message it gives (`refused/` as NAME_PREFIX writes only those).
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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.compose import ColumnTransformer, make_column_selector  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

from refcommon import REPO_ROOT, refused_rows, to_native  # noqa: E402

OUT = REPO_ROOT / "test" / "fixtures" / "sklearn-typed"
TRAIN_ROWS = 240
TEST_ROWS = 40
CITIES = ["Lyon", "Paris", "Nice", "Lille"]
NUMBERS = ["age", "income"]
TEXT = ["city", "plan", "sex"]
PLANS = ["basic", "plus", "pro"]


def frame(
    seed: int,
    missing: float = 0.0,
    where: str = "both",
    marker=np.nan,
    kids: bool = False,
    category: bool = False,
    binary: bool = False,
    numbers_only: bool = False,
    no_numbers: bool = False,
):
    """A DataFrame of mixed columns in this order: age (number), city (string), income (number), plan
    (string), sex (string); a class label and a value from them. The held-out rows add a city and a plan
    never seen in training (about one row in five each); `missing`: that share of string cells missing
    (`marker`: np.nan or None), in training and held out, or (`where="held-out"`) held out only.
    `kids`: a last, integer column (0 to 3; 4, never seen, in about one held-out row in ten).
    `category`: the string columns as pandas category dtype (each part's categories its own values).
    `binary`: two classes, churn or stay. `numbers_only`: without the string columns;
    `no_numbers`: without age and income."""
    rng = np.random.default_rng(seed)
    n = TRAIN_ROWS + TEST_ROWS
    df = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n).round(1),
            "city": rng.choice(CITIES, n, p=[0.4, 0.3, 0.2, 0.1]),
            "income": rng.lognormal(3, 0.5, n).round(2),
            "plan": rng.choice(PLANS, n),
            "sex": rng.choice(["f", "m"], n),
        }
    )
    df["city"] = df["city"].astype(object)
    score = (
        (df.age - 40) / 12
        + df.city.map({"Lyon": 0.8, "Paris": -0.6, "Nice": 0.3, "Lille": -1.2})
        + df.plan.map({"basic": -0.7, "plus": 0.2, "pro": 0.9})
        + np.where(df.sex == "f", 0.4, -0.4)
        + rng.normal(0, 0.6, n)
    )
    label = np.where(score > 0.6, "churn", np.where((score < -0.6) | binary, "stay", "maybe"))
    value = 10 * score + df.income / 5
    if kids:
        df["kids"] = rng.integers(0, 4, n)
        label = np.where(df.kids.to_numpy() == 3, "churn", label)
        value = value + 2 * df.kids
    test = slice(TRAIN_ROWS, n)
    unseen = rng.random(TEST_ROWS)
    df.loc[df.index[test][unseen < 0.2], "city"] = "Marseille"
    df.loc[df.index[test][(unseen > 0.5) & (unseen < 0.7)], "plan"] = "enterprise"
    if missing > 0:
        for column in ("city", "plan"):
            hit = rng.random(n) < missing
            if where == "held-out":
                hit[:TRAIN_ROWS] = False
            df.loc[hit, column] = marker
    if kids:
        df.loc[df.index[test][rng.random(TEST_ROWS) < 0.1], "kids"] = 4
    X, Xt = df.iloc[:TRAIN_ROWS].reset_index(drop=True), df.iloc[TRAIN_ROWS:].reset_index(drop=True)
    if category:
        X[TEXT], Xt[TEXT] = X[TEXT].astype("category"), Xt[TEXT].astype("category")
    if numbers_only:
        X, Xt = X.drop(columns=TEXT), Xt.drop(columns=TEXT)
    if no_numbers:
        X, Xt = X.drop(columns=NUMBERS), Xt.drop(columns=NUMBERS)
    return X, Xt, label[:TRAIN_ROWS], value[:TRAIN_ROWS].to_numpy()




def columns(cat, num=None, text=TEXT, **kw):
    return ColumnTransformer([("num", num or StandardScaler(), NUMBERS), ("cat", cat, text)], **kw)


# name -> (model, task, seed, missing share in string cells[, frame options])
CASES = {
    # 1. OneHotEncoder on string columns
    "onehot-ignore-logreg": (
        lambda: Pipeline([("columns", columns(OneHotEncoder(handle_unknown="ignore"))), ("model", LogisticRegression(max_iter=500))]),
        "classification", 1, 0.0,
    ),
    "onehot-error-forest": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="error"), num=SimpleImputer()),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 2, 0.0,
    ),
    "onehot-drop-binary-ridge": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="ignore", drop="if_binary", sparse_output=False)), Ridge(alpha=1.0)
        ),
        "regression", 3, 0.0,
    ),
    # 2. OrdinalEncoder on string columns
    "ordinal-error-tree": (
        lambda: make_pipeline(
            columns(OrdinalEncoder(), num="passthrough"), DecisionTreeClassifier(max_depth=5, random_state=0)
        ),
        "classification", 4, 0.0,
    ),
    "ordinal-unknown-value-tree": (
        lambda: make_pipeline(
            columns(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), num="passthrough"),
            DecisionTreeRegressor(max_depth=5, random_state=0),
        ),
        "regression", 5, 0.0,
    ),
    "ordinal-unknown-nan-hgb": (
        lambda: make_pipeline(
            columns(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), num="passthrough"),
            HistGradientBoostingClassifier(max_iter=15, random_state=0),
        ),
        "classification", 6, 0.0,
    ),
    # 3. SimpleImputer on string columns
    "imputed-frequent-onehot-logreg": (
        lambda: make_pipeline(
            columns(make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))),
            LogisticRegression(max_iter=500),
        ),
        "classification", 7, 0.15,
    ),
    "imputed-constant-ordinal-tree": (
        lambda: make_pipeline(
            columns(
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="none"),
                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                ),
                num="passthrough",
            ),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 8, 0.15,
    ),
    "imputed-frequent-onehot-error-forest": (
        lambda: make_pipeline(
            columns(make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="error"))),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 9, 0.15,
    ),
    # 4. Missing strings without an imputer: all zeros, their own category, or encoded_missing_value
    "nulls-unseen-onehot-ignore-logreg": (
        lambda: Pipeline([("columns", columns(OneHotEncoder(handle_unknown="ignore"))), ("model", LogisticRegression(max_iter=500))]),
        "classification", 10, 0.15, {"where": "held-out"},
    ),
    "nulls-seen-onehot-ignore-logreg": (
        lambda: Pipeline([("columns", columns(OneHotEncoder(handle_unknown="ignore"))), ("model", LogisticRegression(max_iter=500))]),
        "classification", 11, 0.15,
    ),
    "nulls-none-onehot-error-forest": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="error")),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 12, 0.15, {"marker": None},
    ),
    "nulls-ordinal-missing-value-tree": (
        lambda: make_pipeline(
            columns(
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2),
                num="passthrough",
            ),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 13, 0.15,
    ),
    "nulls-unseen-ordinal-tree": (
        lambda: make_pipeline(
            columns(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), num="passthrough"),
            DecisionTreeRegressor(max_depth=5, random_state=0),
        ),
        "regression", 14, 0.15, {"where": "held-out"},
    ),
    # 5. Infrequent categories (min_frequency, max_categories), with drop
    "infrequent-onehot-if-exist-logreg": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=30)),
            LogisticRegression(max_iter=500),
        ),
        "classification", 15, 0.0,
    ),
    "infrequent-onehot-max-drop-first-ridge": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="ignore", max_categories=3, drop="first")), Ridge(alpha=1.0)
        ),
        "regression", 16, 0.0,
    ),
    "infrequent-onehot-error-drop-forest": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="error", min_frequency=0.15, drop=["Paris", "basic", "m"])),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 17, 0.0,
    ),
    "infrequent-onehot-nan-warn-logreg": (
        lambda: make_pipeline(
            columns(OneHotEncoder(handle_unknown="warn", max_categories=3, drop="if_binary")),
            LogisticRegression(max_iter=500),
        ),
        "classification", 18, 0.1,
    ),
    "infrequent-ordinal-missing-tree": (
        lambda: make_pipeline(
            columns(
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2, max_categories=3
                ),
                num="passthrough",
            ),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 19, 0.1,
    ),
    "infrequent-ordinal-error-tree": (
        lambda: make_pipeline(
            columns(OrdinalEncoder(min_frequency=30), num="passthrough"),
            DecisionTreeRegressor(max_depth=5, random_state=0),
        ),
        "regression", 20, 0.0,
    ),
    # 6. ColumnTransformer: selectors, remainder, nested Pipelines, one encoder over strings and numbers
    "columns-selector-dtype-logreg": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), make_column_selector(dtype_include="number")),
                    ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=[object, "string"])),
                ]
            ),
            LogisticRegression(max_iter=500),
        ),
        "classification", 21, 0.0,
    ),
    "columns-selector-pattern-tree": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), make_column_selector(pattern="^(city|plan|sex)$")),
                    ("num", "passthrough", make_column_selector(pattern="^(age|income)$")),
                ]
            ),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 22, 0.0,
    ),
    "columns-remainder-onehot-logreg": (
        lambda: make_pipeline(
            ColumnTransformer([("num", StandardScaler(), NUMBERS)], remainder=OneHotEncoder(handle_unknown="ignore")),
            LogisticRegression(max_iter=500),
        ),
        "classification", 23, 0.1,
    ),
    "columns-remainder-passthrough-tree": (
        lambda: make_pipeline(
            ColumnTransformer(
                [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), TEXT)], remainder="passthrough"
            ),
            DecisionTreeRegressor(max_depth=5, random_state=0),
        ),
        "regression", 24, 0.0,
    ),
    "columns-nested-pipelines-logreg": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", make_pipeline(make_pipeline(SimpleImputer()), StandardScaler()), NUMBERS),
                    (
                        "cat",
                        Pipeline(
                            [
                                ("fill", make_pipeline(SimpleImputer(strategy="most_frequent"))),
                                ("encode", make_pipeline(OneHotEncoder(handle_unknown="ignore"))),
                            ]
                        ),
                        TEXT,
                    ),
                ]
            ),
            LogisticRegression(max_iter=500),
        ),
        "classification", 25, 0.1,
    ),
    "columns-mixed-onehot-error-forest": (
        lambda: make_pipeline(
            ColumnTransformer([("num", "passthrough", NUMBERS), ("cat", OneHotEncoder(handle_unknown="error"), [*TEXT, "kids"])]),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 26, 0.0, {"kids": True},
    ),
    "columns-mixed-ordinal-ridge": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), NUMBERS),
                    (
                        "cat",
                        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2),
                        ["kids", *TEXT],
                    ),
                ]
            ),
            Ridge(alpha=1.0),
        ),
        "regression", 27, 0.1, {"kids": True},
    ),
    # 7. pandas category dtype columns
    "category-dtype-onehot-logreg": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), NUMBERS),
                    ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
                ]
            ),
            LogisticRegression(max_iter=500),
        ),
        "classification", 28, 0.1, {"category": True},
    ),
    "category-dtype-ordinal-error-tree": (
        lambda: make_pipeline(
            ColumnTransformer([("num", "passthrough", NUMBERS), ("cat", OrdinalEncoder(), TEXT)]),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 29, 0.0, {"category": True},
    ),
    # 8. Infrequent categories and OrdinalEncoder over an integer column
    "numbers-infrequent-onehot-error-forest": (
        lambda: make_pipeline(
            ColumnTransformer(
                [("num", "passthrough", NUMBERS), ("kids", OneHotEncoder(min_frequency=70, handle_unknown="error"), ["kids"])]
            ),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 34, 0.0, {"kids": True, "numbers_only": True},
    ),
    "numbers-ordinal-infrequent-ridge": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), NUMBERS),
                    ("cat", OneHotEncoder(handle_unknown="ignore"), TEXT),
                    (
                        "kids",
                        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, max_categories=3),
                        ["kids"],
                    ),
                ]
            ),
            Ridge(alpha=1.0),
        ),
        "regression", 35, 0.0, {"kids": True},
    ),
    "ordinal-given-categories-ridge": (
        lambda: make_pipeline(
            columns(
                OrdinalEncoder(
                    categories=[["Paris", "Lyon", "Nice", "Lille", "Brest"], ["pro", "plus", "basic"], ["m", "f"]],
                    handle_unknown="use_encoded_value",
                    unknown_value=-1,
                ),
                num="passthrough",
            ),
            Ridge(alpha=1.0),
        ),
        "regression", 38, 0.0,
    ),
    "onehot-given-categories-error-logreg": (
        lambda: make_pipeline(
            columns(OneHotEncoder(categories=[[*CITIES, "Marseille"], ["pro", "plus", "basic"], ["m", "f"]])),
            LogisticRegression(max_iter=500),
        ),
        "classification", 39, 0.0,
    ),
    # 9. An encoder over every column at the top of the Pipeline, without a ColumnTransformer
    "top-onehot-ignore-mixed-logreg": (
        lambda: make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression(max_iter=500)),
        "classification", 36, 0.1, {"kids": True, "no_numbers": True},
    ),
    "top-onehot-error-strings-forest": (
        lambda: make_pipeline(
            OneHotEncoder(handle_unknown="error"), RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0)
        ),
        "classification", 40, 0.0, {"no_numbers": True},
    ),
    "top-imputed-ordinal-tree": (
        lambda: make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
            DecisionTreeClassifier(max_depth=5, random_state=0),
        ),
        "classification", 37, 0.15, {"no_numbers": True},
    ),
    # 10. TargetEncoder: binary, continuous and multiclass targets
    "target-binary-logreg": (
        lambda: make_pipeline(columns(TargetEncoder(random_state=0)), LogisticRegression(max_iter=500)),
        "classification", 30, 0.1, {"binary": True},
    ),
    "target-continuous-ridge": (
        lambda: make_pipeline(columns(TargetEncoder(smooth=5.0, random_state=0)), Ridge(alpha=1.0)),
        "regression", 31, 0.1, {"where": "held-out"},
    ),
    "target-multiclass-forest": (
        lambda: make_pipeline(
            columns(TargetEncoder(random_state=0), num="passthrough"),
            RandomForestClassifier(n_estimators=5, max_depth=5, random_state=0),
        ),
        "classification", 32, 0.1,
    ),
    "target-imputed-mixed-multiclass-logreg": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), NUMBERS),
                    ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), TargetEncoder(random_state=0)), ["city", "plan"]),
                    ("kids", TargetEncoder(random_state=0), ["kids", "sex"]),
                ]
            ),
            LogisticRegression(max_iter=500),
        ),
        "classification", 33, 0.1, {"kids": True},
    ),
}


def described(model) -> str:
    if isinstance(model, Pipeline):
        return f"Pipeline({', '.join(type(s).__name__ for _, s in model.steps)})"
    return type(model).__name__


def cell(v):
    v = v.item() if hasattr(v, "item") else v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def write(name: str) -> None:
    make, task, seed, missing, *options = CASES[name]
    X, Xt, label, value = frame(seed, missing, **(options[0] if options else {}))
    y = label if task == "classification" else value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make().fit(X, y)
        refusals = refused_rows(model, Xt)
        answered = Xt.drop(index=Xt.index[refusals])
        predict = model.predict(answered)
        proba = model.predict_proba(answered) if task == "classification" else None
    rows = [[cell(v) for v in row] for row in Xt.to_numpy(dtype=object)]
    expected = {
        "name": name,
        "sklearn": sklearn.__version__,
        "estimator": described(model),
        "task": task,
        "features": [str(c) for c in model.feature_names_in_],
        "rows": [row for r, row in enumerate(rows) if r not in refusals],
        "predict": [to_native(v) for v in predict],
    }
    if refusals:
        expected["refusedRows"] = [rows[r] for r in refusals]
    if task == "classification":
        expected["classes"] = [to_native(c) for c in model.classes_]
        expected["proba"] = np.asarray(proba).tolist()
    with open(OUT / f"{name}.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)
    (OUT / f"{name}.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(f"{name}: {len(expected['rows'])} rows answered, {len(refusals)} refused")


def both_missing(X):
    """city missing as None in some rows and as NaN in others (a column scikit-learn fits both on)."""
    X = X.copy()
    X.loc[X.index[:8], "city"] = None
    X.loc[X.index[8:16], "city"] = np.nan
    return X


# What scikit-learn fits and predicts with, and modelgate refuses to convert (it could not answer as
# scikit-learn does): name -> (model, frame options, how the training frame is changed, the message modelgate
# gives, a regular expression). Written to refused/<name>.pkl with <name>.json holding the message.
REFUSED = {
    "none-and-nan-onehot": (
        lambda: make_pipeline(columns(OneHotEncoder(handle_unknown="ignore")), LogisticRegression(max_iter=500)),
        {}, both_missing, r"a OneHotEncoder fitted on a column holding both None and NaN",
    ),
    "imputer-before-mixed-onehot": (
        lambda: make_pipeline(
            ColumnTransformer(
                [("num", "passthrough", NUMBERS), ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()), ["city", "kids"])]
            ),
            LogisticRegression(max_iter=500),
        ),
        {"kids": True}, None, r"a SimpleImputer before a OneHotEncoder over both string and numeric columns",
    ),
    "target-encoder-numbers": (
        lambda: make_pipeline(
            ColumnTransformer([("num", "passthrough", NUMBERS), ("kids", TargetEncoder(random_state=0), ["kids"])]),
            LogisticRegression(max_iter=500),
        ),
        {"kids": True}, lambda X: X.drop(columns=TEXT), r"a TargetEncoder over numeric columns only",
    ),
    "ordinal-numbers-nan-unknown": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", "passthrough", NUMBERS),
                    ("kids", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), ["kids"]),
                ]
            ),
            HistGradientBoostingClassifier(max_iter=5, random_state=0),
        ),
        {"kids": True}, lambda X: X.drop(columns=TEXT),
        r"an OrdinalEncoder over numeric columns with unknown_value=NaN",
    ),
    "nested-columns-strings": (
        lambda: make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), NUMBERS),
                    ("inner", ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), TEXT)]), TEXT),
                ]
            ),
            LogisticRegression(max_iter=500),
        ),
        {}, None, r"a ColumnTransformer inside a ColumnTransformer entry that encodes string columns",
    ),
}


def write_refused(name: str) -> None:
    make, options, change, message = REFUSED[name]
    X, _, label, _ = frame(40, **options)
    X = change(X) if change else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make().fit(X, label)
        model.predict(X.head(20))
    (OUT / "refused").mkdir(exist_ok=True)
    with open(OUT / "refused" / f"{name}.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)
    doc = {"name": name, "sklearn": sklearn.__version__, "estimator": described(model), "message": message}
    (OUT / "refused" / f"{name}.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{name}: refused")


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        if not argv or any(name.startswith(p) for p in argv):
            write(name)
    for name in REFUSED:
        if not argv or any(f"refused/{name}".startswith(p) for p in argv):
            write_refused(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
