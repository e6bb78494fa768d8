"""Writes test/fixtures/sklearn/: scikit-learn estimators fitted on the committed datasets, saved with
pickle and joblib (plain and zlib-compressed), with scikit-learn's own predict / predict_proba on the
held-out rows beside them (<name>.json). modelgate's import parity tests compare against these.

    .venv-ref/bin/python scripts/reference/make_sklearn_fixtures.py     # scikit-learn 1.9 -> test/fixtures/sklearn
    /usr/bin/python3 scripts/reference/make_sklearn_fixtures.py         # Debian's 1.2 -> test/fixtures/sklearn-1.2

Under Debian's scikit-learn 1.2 (apt install python3-sklearn python3-pandas), the estimators that
version has are written to test/fixtures/sklearn-1.2; cases it cannot fit are listed and skipped.
"""
from __future__ import annotations

import json
import pickle

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, OneHotEncoder, RobustScaler, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from refcommon import DATASETS_DIR, REPO_ROOT

LATEST = not sklearn.__version__.startswith("1.2.")
OUT = REPO_ROOT / "test" / "fixtures" / ("sklearn" if LATEST else "sklearn-1.2")


def load(name, missing=False):
    suffix = "-missing" if missing else ""
    train = pd.read_csv(DATASETS_DIR / f"{name}{suffix}-train.csv")
    test = pd.read_csv(DATASETS_DIR / f"{name}{suffix}-test.csv")
    return train.drop(columns="target"), train["target"], test.drop(columns="target"), test["target"]


# name -> (dataset, missing values?, estimator, fit on a DataFrame?)
CASES = {
    "reference-pipeline": ("iris", True, lambda: Pipeline([("imputer", SimpleImputer()), ("model", GradientBoostingClassifier(random_state=0))]), True),
    "logreg-iris": ("iris", False, lambda: LogisticRegression(max_iter=1000), False),
    "logreg-binary": ("breast_cancer", False, lambda: make_pipeline(StandardScaler(), LogisticRegression()), True),
    "linear": ("diabetes", False, LinearRegression, True),
    "ridge": ("diabetes", False, lambda: Ridge(alpha=0.5), True),
    "lasso": ("diabetes", False, lambda: Lasso(alpha=0.01), True),
    "elasticnet": ("diabetes", False, lambda: ElasticNet(alpha=0.01), True),
    "mlp-classifier": ("iris", False, lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=2000, random_state=0)), True),
    "mlp-binary": ("breast_cancer", False, lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", max_iter=2000, random_state=0)), True),
    "mlp-regressor": ("diabetes", False, lambda: MLPRegressor(hidden_layer_sizes=(16,), activation="logistic", max_iter=3000, random_state=0), True),
    "tree-classifier": ("wine", False, lambda: DecisionTreeClassifier(max_depth=5, random_state=0), True),
    "tree-regressor": ("diabetes", False, lambda: DecisionTreeRegressor(max_depth=6, random_state=0), True),
    "forest-classifier": ("breast_cancer", False, lambda: RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0), True),
    "forest-regressor": ("diabetes", False, lambda: RandomForestRegressor(n_estimators=15, max_depth=6, random_state=0), True),
    "extratrees-classifier": ("iris", False, lambda: ExtraTreesClassifier(n_estimators=15, max_depth=5, random_state=0), False),
    "extratrees-regressor": ("diabetes", False, lambda: ExtraTreesRegressor(n_estimators=15, max_depth=6, random_state=0), True),
    "gb-binary": ("breast_cancer", False, lambda: GradientBoostingClassifier(n_estimators=30, random_state=0), True),
    "gb-regressor": ("diabetes", False, lambda: GradientBoostingRegressor(n_estimators=40, random_state=0), True),
    "gb-tree-missing": ("wine", True, lambda: DecisionTreeClassifier(max_depth=4, random_state=0), True),
    "minmax-logreg": ("iris", False, lambda: make_pipeline(MinMaxScaler(clip=True), LogisticRegression(max_iter=1000)), True),
    "maxabs-ridge": ("diabetes", False, lambda: make_pipeline(MaxAbsScaler(), Ridge()), True),
    "robust-mlp": ("breast_cancer", False, lambda: make_pipeline(RobustScaler(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=2000, random_state=0)), True),
    "linearsvc-binary": ("breast_cancer", False, lambda: make_pipeline(StandardScaler(), LinearSVC()), True),
    "linearsvc-multi": ("wine", False, lambda: make_pipeline(StandardScaler(), LinearSVC()), True),
    "linearsvr": ("diabetes", False, lambda: LinearSVR(random_state=0, max_iter=20000), True),
    "sgd-log": ("iris", False, lambda: make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)), True),
    "sgd-huber": ("breast_cancer", False, lambda: make_pipeline(StandardScaler(), SGDClassifier(loss="modified_huber", random_state=0)), True),
    "hgb-binary": ("breast_cancer", True, lambda: HistGradientBoostingClassifier(max_iter=30, random_state=0), True),
    "hgb-multi": ("iris", True, lambda: HistGradientBoostingClassifier(max_iter=20, random_state=0), True),
    "hgb-regressor": ("diabetes", True, lambda: HistGradientBoostingRegressor(max_iter=30, random_state=0), True),
    "hgb-poisson": ("diabetes", False, lambda: HistGradientBoostingRegressor(loss="poisson", max_iter=30, random_state=0), True),
    "columns-names": ("diabetes", False, lambda: make_pipeline(ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "bmi", "bp"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["sex"])], remainder="passthrough"), Ridge()), True),
    "columns-indices": ("iris", False, lambda: make_pipeline(ColumnTransformer([("a", StandardScaler(), [0, 1]), ("b", "passthrough", slice(2, 4))]), LogisticRegression(max_iter=1000)), False),
    "onehot-drop": ("diabetes", False, lambda: make_pipeline(ColumnTransformer([("cat", OneHotEncoder(drop="first"), ["sex"])], remainder=MinMaxScaler()), LinearRegression()), True),
    "knn-classifier": ("breast_cancer", False, lambda: KNeighborsClassifier(n_neighbors=5), True),
    "knn-distance": ("wine", False, lambda: make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=7, weights="distance")), True),
    "knn-regressor": ("diabetes", False, lambda: KNeighborsRegressor(n_neighbors=9, weights="distance"), True),
    "svc-rbf-proba": ("iris", False, lambda: make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)), True),
    "svc-binary-proba": ("breast_cancer", False, lambda: make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)), True),
    "svc-poly": ("wine", False, lambda: make_pipeline(StandardScaler(), SVC(kernel="poly", degree=2)), True),
    "svc-linear": ("iris", False, lambda: SVC(kernel="linear"), False),
    "svr-rbf": ("diabetes", False, lambda: SVR(C=50.0), True),
    "svr-sigmoid": ("diabetes", False, lambda: make_pipeline(StandardScaler(), SVR(kernel="sigmoid", gamma=0.01)), True),
    "logreg-bool": ("breast_cancer", False, lambda: BoolTarget(make_pipeline(StandardScaler(), LogisticRegression())), True),
    "linearsvc-bool": ("breast_cancer", False, lambda: BoolTarget(make_pipeline(StandardScaler(), LinearSVC())), True),
    "sgd-hinge": ("wine", False, lambda: make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), True),
}


class BoolTarget:
    """Fits the estimator on a boolean target (classes_ False and True) and saves that estimator."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        return self.estimator.fit(X, y == sorted(y.unique())[0])


def number(v):
    return v.item() if hasattr(v, "item") else v


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (dataset, missing, make, frame) in CASES.items():
        X, y, Xt, yt = load(dataset, missing)
        try:
            model = make().fit(X if frame else X.to_numpy(), y)
        except (ValueError, TypeError) as err:
            print(f"skipped {name} (scikit-learn {sklearn.__version__}): {err}")
            continue
        rows = Xt if frame else Xt.to_numpy()
        expected = {
            "dataset": f"{dataset}{'-missing' if missing else ''}",
            "sklearn": sklearn.__version__,
            "estimator": type(model).__name__,
            "features": list(X.columns),
            "fittedOnFrame": frame,
            "rows": [[None if np.isnan(v) else float(v) for v in row] for row in Xt.to_numpy()],
            "predict": [number(v) for v in model.predict(rows)],
        }
        if hasattr(model, "classes_"):
            expected["classes"] = [number(c) for c in model.classes_]
        if hasattr(model, "predict_proba"):
            expected["proba"] = model.predict_proba(rows).tolist()
        with open(OUT / f"{name}.pkl", "wb") as f:
            pickle.dump(model, f, protocol=5)
        joblib.dump(model, OUT / f"{name}.joblib", compress=3)
        joblib.dump(model, OUT / f"{name}.raw.joblib")
        if LATEST:
            joblib.dump(model, OUT / f"{name}.xz.joblib", compress=("xz", 3))
        (OUT / f"{name}.json").write_text(json.dumps(expected) + "\n")
    if not LATEST:
        print(f"wrote {OUT}")
        return
    # Estimators modelgate does not convert: one on the allowlist, one off it.
    from sklearn.naive_bayes import GaussianNB
    from sklearn.svm import NuSVC

    X, y, _, _ = load("iris")
    with open(OUT / "unsupported-nusvc.pkl", "wb") as f:
        pickle.dump(NuSVC().fit(X.to_numpy(), y), f, protocol=5)
    with open(OUT / "unsupported-gaussiannb.pkl", "wb") as f:
        pickle.dump(GaussianNB().fit(X.to_numpy(), y), f, protocol=5)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
