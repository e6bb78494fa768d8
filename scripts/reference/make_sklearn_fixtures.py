"""Writes test/fixtures/sklearn*/: scikit-learn estimators fitted on the committed datasets (and a few
small synthetic ones), saved with pickle and joblib (plain and zlib-compressed), with scikit-learn's own
predict / predict_proba on the held-out rows beside them (<name>.json). modelgate's import parity tests
compare against these. Cases modelgate must refuse are saved with a JSON that says what the refusal
names instead of the answers.

    .venv-ref/bin/python scripts/reference/make_sklearn_fixtures.py          # scikit-learn 1.9 -> test/fixtures/sklearn
    .venv-ref-1.6.1/bin/python scripts/reference/make_sklearn_fixtures.py    # 1.6.1 -> test/fixtures/sklearn-1.6
    /usr/bin/python3 scripts/reference/make_sklearn_fixtures.py              # Debian's 1.2 -> test/fixtures/sklearn-1.2
    ... make_sklearn_fixtures.py knn-ties gb-init                            # only the cases whose names start so

`bash scripts/reference/setup-python.sh 1.6.1` makes the 1.6.1 venv from the pip mirror; Debian's 1.2 is
`apt-get install python3-sklearn python3-joblib python3-pandas`. Each version writes the cases it can
fit; the ones it cannot (an estimator or a parameter that version does not have) are listed and skipped.
"""
from __future__ import annotations

import json
import pickle
import sys

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.dummy import DummyClassifier, DummyRegressor
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

MINOR = ".".join(sklearn.__version__.split(".")[:2])
# One folder per scikit-learn minor version; the newest (the reference venv's) writes test/fixtures/sklearn.
FOLDERS = {"1.2": "sklearn-1.2", "1.6": "sklearn-1.6"}
LATEST = MINOR not in FOLDERS
OUT = REPO_ROOT / "test" / "fixtures" / FOLDERS.get(MINOR, "sklearn")
# The file formats every case is saved in: the newest version also tries xz; 1.6 keeps to the two usual
# ones (the reader's formats do not depend on scikit-learn's version, and the folder stays small).
FORMATS = ["pkl", "joblib", "raw.joblib", "xz.joblib"] if LATEST else ["pkl", "joblib", "raw.joblib"] if MINOR == "1.2" else ["pkl", "joblib"]


def ties():
    """Integer features with duplicated rows and three interleaved classes: many neighbours at exactly the
    same distance, so which of them scikit-learn keeps decides the answer. Built by arithmetic, not a
    random generator, so that every numpy version writes the same rows."""
    train = [[(i * 7) % 5, (i * 3) % 4, (i * i) % 3] for i in range(70)] + [[(i * 7) % 5, (i * 3) % 4, (i * i) % 3] for i in range(0, 70, 3)]
    test = [[a, b, c] for a in range(0, 5, 2) for b in range(4) for c in range(3)] + [[0.5, 1, 1], [2, 1.5, 0], [4, 3, 2.5]]
    labels = ["a", "b", "c"]
    y = [labels[(i * 5 + i // 7) % 3] for i in range(len(train))]
    values = [float((i * 11) % 9) for i in range(len(train))]
    columns = ["f0", "f1", "f2"]
    X, Xt = pd.DataFrame(train, columns=columns, dtype=float), pd.DataFrame(test, columns=columns, dtype=float)
    return X, pd.Series(y), pd.Series(values), Xt


def load(name, missing=False):
    if name.startswith("ties"):
        X, y, values, Xt = ties()
        return X, (values if name == "ties-values" else y), Xt, None
    # iris without setosa: a binary problem whose classes overlap; wine without its third class: a
    # binary problem with unequal classes (59 and 71 rows in all).
    source = {"iris2": "iris", "wine2": "wine"}.get(name, name)
    suffix = "-missing" if missing else ""
    train = pd.read_csv(DATASETS_DIR / f"{source}{suffix}-train.csv")
    test = pd.read_csv(DATASETS_DIR / f"{source}{suffix}-test.csv")
    if source != name:
        dropped = "setosa" if source == "iris" else 2
        train, test = train[train.target != dropped], test[test.target != dropped]
    return train.drop(columns="target"), train["target"], test.drop(columns="target"), test["target"]


def with_extremes(X, Xt):
    """The held-out rows and two more outside the training range (one below every minimum, one above
    every maximum), where clipping and the scalers' offsets show."""
    return pd.concat([Xt, pd.DataFrame([X.min() - 1, X.max() + 1], columns=X.columns)], ignore_index=True)


def pick_s_columns(X):
    """A user's own column selector: a function, which a pickle holds as a reference to code."""
    return [c for c in X.columns if c.startswith("s")]


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


def gb(init=None, **kw):
    return GradientBoostingClassifier(n_estimators=3, max_depth=1, learning_rate=0.1, random_state=0, init=init, **kw)


def gbr(init=None, **kw):
    return GradientBoostingRegressor(n_estimators=3, max_depth=1, learning_rate=0.1, random_state=0, init=init, **kw)


def ct(transformers, model, remainder="passthrough"):
    return make_pipeline(ColumnTransformer(transformers, remainder=remainder), model)


# Conversions that were once silently wrong (issue 13), each small: few rows, few trees (weak boosting,
# so that the initial estimator shows in the probabilities).
# name -> (dataset, estimator, options); options: rows (held-out rows kept), extremes (add rows outside
# the training range), frame (fit on a DataFrame, default True), refused (a regular expression the
# refusal must match: no answers are saved, modelgate must refuse the file).
SMALL = {
    # scalers' flags: with_mean=False keeps mean_ (it is computed for the variance) but does not subtract it
    "scaler-nomean-logreg": ("wine", lambda: make_pipeline(StandardScaler(with_mean=False), LogisticRegression(max_iter=5000)), {"extremes": True}),
    "scaler-nostd-logreg": ("iris", lambda: make_pipeline(StandardScaler(with_std=False), LogisticRegression(max_iter=1000)), {"extremes": True}),
    "scaler-neither-ridge": ("diabetes", lambda: make_pipeline(StandardScaler(with_mean=False, with_std=False), Ridge()), {"rows": 30}),
    "robust-nocenter-logreg": ("wine", lambda: make_pipeline(RobustScaler(with_centering=False), LogisticRegression(max_iter=5000)), {"extremes": True}),
    "robust-noscale-ridge": ("diabetes", lambda: make_pipeline(RobustScaler(with_scaling=False, quantile_range=(10.0, 90.0)), Ridge()), {"rows": 30, "extremes": True}),
    "minmax-clip-range-logreg": ("iris", lambda: make_pipeline(MinMaxScaler(feature_range=(-1, 2), clip=True), LogisticRegression(max_iter=1000)), {"extremes": True}),
    "minmax-noclip-logreg": ("iris", lambda: make_pipeline(MinMaxScaler(feature_range=(-1, 2)), LogisticRegression(max_iter=1000)), {"extremes": True}),
    "maxabs-logreg": ("wine", lambda: make_pipeline(MaxAbsScaler(), LogisticRegression(max_iter=5000)), {"extremes": True}),
    # SGD's modified Huber loss: labels by the decision function, probabilities clipped and normalized
    "sgd-huber-multi": ("wine", lambda: SGDClassifier(loss="modified_huber", random_state=0), {"extremes": True}),
    "sgd-huber-scaled-multi": ("iris", lambda: make_pipeline(StandardScaler(), SGDClassifier(loss="modified_huber", alpha=1e-5, random_state=0)), {"extremes": True}),
    "sgd-huber-binary": ("iris2", lambda: SGDClassifier(loss="modified_huber", random_state=0), {"extremes": True}),
    "sgd-log-multi": ("wine", lambda: SGDClassifier(loss="log_loss", random_state=0), {"extremes": True}),
    # gradient boosting's initial estimator, every DummyClassifier strategy and "zero"
    "gb-init-default": ("wine", lambda: gb(), {}),
    "gb-init-prior": ("wine", lambda: gb(DummyClassifier(strategy="prior")), {}),
    "gb-init-most-frequent": ("wine", lambda: gb(DummyClassifier(strategy="most_frequent")), {}),
    "gb-init-uniform": ("wine", lambda: gb(DummyClassifier(strategy="uniform")), {}),
    "gb-init-constant": ("wine", lambda: gb(DummyClassifier(strategy="constant", constant=1)), {}),
    "gb-init-zero": ("wine", lambda: gb("zero"), {}),
    "gb-init-stratified": ("wine", lambda: gb(DummyClassifier(strategy="stratified", random_state=0)), {"refused": "DummyClassifier.*stratified"}),
    "gb-init-logreg": ("wine", lambda: gb(LogisticRegression(max_iter=1000)), {}),
    "gb2-init-prior": ("wine2", lambda: gb(DummyClassifier(strategy="prior")), {}),
    "gb2-init-most-frequent": ("wine2", lambda: gb(DummyClassifier(strategy="most_frequent")), {}),
    "gb2-init-uniform": ("wine2", lambda: gb(DummyClassifier(strategy="uniform")), {}),
    "gb2-init-constant": ("wine2", lambda: gb(DummyClassifier(strategy="constant", constant=1)), {}),
    "gb2-init-zero": ("wine2", lambda: gb("zero"), {}),
    "gb2-exponential": ("wine2", lambda: gb(loss="exponential"), {}),
    "gb2-exponential-zero": ("wine2", lambda: gb("zero", loss="exponential"), {}),
    "gbr-init-mean": ("diabetes", lambda: gbr(DummyRegressor(strategy="mean")), {"rows": 30}),
    "gbr-init-median": ("diabetes", lambda: gbr(DummyRegressor(strategy="median")), {"rows": 30}),
    "gbr-init-quantile": ("diabetes", lambda: gbr(DummyRegressor(strategy="quantile", quantile=0.3)), {"rows": 30}),
    "gbr-init-constant": ("diabetes", lambda: gbr(DummyRegressor(strategy="constant", constant=100.0)), {"rows": 30}),
    "gbr-init-zero": ("diabetes", lambda: gbr("zero"), {"rows": 30}),
    "gbr-init-ridge": ("diabetes", lambda: gbr(Ridge()), {"rows": 30}),
    "gbr-huber": ("diabetes", lambda: gbr(loss="huber"), {"rows": 30}),
    "gbr-quantile": ("diabetes", lambda: gbr(loss="quantile", alpha=0.7), {"rows": 30}),
    "gbr-absolute": ("diabetes", lambda: gbr(loss="absolute_error"), {"rows": 30}),
    # logistic regression's multi_class (scikit-learn 1.7 and older)
    "logreg-multinomial-binary": ("iris2", lambda: LogisticRegression(multi_class="multinomial", max_iter=1000), {"extremes": True}),
    "logreg-ovr-multi": ("iris", lambda: LogisticRegression(multi_class="ovr", max_iter=1000), {"extremes": True}),
    "logreg-liblinear-multi": ("iris", lambda: LogisticRegression(solver="liblinear"), {"extremes": True}),
    "logreg-liblinear-binary": ("iris2", lambda: LogisticRegression(solver="liblinear"), {"extremes": True}),
    # k nearest neighbours where many training rows are equally far from a request
    "knn-ties-brute": ("ties", lambda: KNeighborsClassifier(n_neighbors=5, algorithm="brute"), {}),
    "knn-ties-brute-distance": ("ties", lambda: KNeighborsClassifier(n_neighbors=5, algorithm="brute", weights="distance"), {}),
    "knn-ties-kd": ("ties", lambda: KNeighborsClassifier(n_neighbors=5, algorithm="kd_tree", leaf_size=4), {}),
    "knn-ties-kd-distance": ("ties", lambda: KNeighborsClassifier(n_neighbors=6, algorithm="kd_tree", leaf_size=3, weights="distance"), {}),
    "knn-ties-ball": ("ties", lambda: KNeighborsClassifier(n_neighbors=5, algorithm="ball_tree", leaf_size=4), {}),
    "knn-ties-ball-distance": ("ties", lambda: KNeighborsClassifier(n_neighbors=4, algorithm="ball_tree", leaf_size=3, weights="distance"), {}),
    "knn-ties-auto": ("ties", lambda: KNeighborsClassifier(n_neighbors=7), {}),
    "knn-ties-regressor-brute": ("ties-values", lambda: KNeighborsRegressor(n_neighbors=5, algorithm="brute"), {}),
    "knn-ties-regressor-kd": ("ties-values", lambda: KNeighborsRegressor(n_neighbors=5, algorithm="kd_tree", leaf_size=4), {}),
    "knn-ties-regressor-ball": ("ties-values", lambda: KNeighborsRegressor(n_neighbors=5, algorithm="ball_tree", leaf_size=4, weights="distance"), {}),
    "knn-weighted-minkowski": ("ties", lambda: KNeighborsClassifier(n_neighbors=5, metric_params={"w": [1.0, 2.0, 3.0]}), {"refused": "weighted minkowski metric"}),
    # SVC(break_ties=True): the label by the one-vs-rest decision function, not the votes alone
    "svc-break-ties": ("wine", lambda: SVC(C=0.1, break_ties=True), {"frame": False}),
    "svc-break-ties-proba": ("wine", lambda: SVC(C=0.1, break_ties=True, probability=True, random_state=0), {"frame": False}),
    # ColumnTransformer selections and remainders on a DataFrame
    "columns-remainder-tree": ("diabetes", lambda: ct([("scale", StandardScaler(), ["age", "bmi", "bp"])], DecisionTreeRegressor(max_depth=4, random_state=0)), {"rows": 30}),
    "columns-remainder-drop": ("diabetes", lambda: ct([("scale", StandardScaler(), ["age", "bmi", "bp"])], Ridge(), remainder="drop"), {"rows": 30}),
    "columns-remainder-classifier": ("iris", lambda: ct([("scale", StandardScaler(), ["petal_length_cm"])], DecisionTreeClassifier(max_depth=3, random_state=0)), {}),
    "columns-index-frame": ("diabetes", lambda: ct([("scale", StandardScaler(), [0, 2]), ("drop", "drop", [1])], Ridge()), {"rows": 30}),
    "columns-mask-frame": ("diabetes", lambda: ct([("scale", RobustScaler(), [True, False, True] + [False] * 7)], Ridge()), {"rows": 30}),
    "columns-slice-frame": ("diabetes", lambda: ct([("scale", MinMaxScaler(), slice(1, 4))], Ridge()), {"rows": 30}),
    "columns-names-slice": ("diabetes", lambda: ct([("scale", StandardScaler(), slice("bmi", "s2"))], Ridge()), {"rows": 30}),
    "columns-selector": ("diabetes", lambda: ct([("scale", StandardScaler(), make_column_selector(pattern="^s"))], Ridge()), {"rows": 30}),
    "columns-callable": ("diabetes", lambda: ct([("scale", StandardScaler(), pick_s_columns)], Ridge()), {"rows": 30, "refused": "pick_s_columns"}),
    "columns-array-remainder": ("iris", lambda: ct([("scale", StandardScaler(), [0, 1])], DecisionTreeClassifier(max_depth=3, random_state=0)), {"frame": False}),
}


def number(v):
    return v.item() if hasattr(v, "item") else v


def save(model, name, formats):
    for ext in formats:
        path = OUT / f"{name}.{ext}"
        if ext == "pkl":
            with open(path, "wb") as f:
                pickle.dump(model, f, protocol=5)
        elif ext == "joblib":
            joblib.dump(model, path, compress=3)
        elif ext == "raw.joblib":
            joblib.dump(model, path)
        elif ext == "xz.joblib":
            joblib.dump(model, path, compress=("xz", 3))


def write_case(name, dataset, missing, make, frame, formats, rows=None, extremes=False, refused=None):
    X, y, Xt, _ = load(dataset, missing)
    try:
        model = make().fit(X if frame else X.to_numpy(), y)
    except (ValueError, TypeError) as err:
        print(f"skipped {name} (scikit-learn {sklearn.__version__}): {err}")
        return
    if extremes:
        Xt = with_extremes(X, Xt)
    if rows is not None:
        Xt = Xt.iloc[:rows]
    held_out = Xt if frame else Xt.to_numpy()
    expected = {
        "dataset": f"{dataset}{'-missing' if missing else ''}",
        "sklearn": sklearn.__version__,
        "estimator": type(model).__name__,
        "features": list(X.columns),
        "fittedOnFrame": frame,
    }
    if refused:
        expected["refused"] = refused
    else:
        expected["rows"] = [[None if np.isnan(v) else float(v) for v in row] for row in Xt.to_numpy()]
        expected["predict"] = [number(v) for v in model.predict(held_out)]
        if hasattr(model, "classes_"):
            expected["classes"] = [number(c) for c in model.classes_]
        if hasattr(model, "predict_proba"):
            # NaN (scikit-learn before 1.9 divides by a zero sum of one-vs-rest sigmoids) as null
            expected["proba"] = [[None if np.isnan(p) else p for p in row] for row in model.predict_proba(held_out).tolist()]
    save(model, name, formats)
    (OUT / f"{name}.json").write_text(json.dumps(expected, allow_nan=False) + "\n")


def write_foreign():
    """Models of other libraries, as their pickles begin: the class reference (module and name) comes
    first, and modelgate refuses the file there, before anything else in it is read. Neither library
    is needed: a stand-in class under the same module and name writes the same opening."""
    import types

    for module, name, state in [
        ("lightgbm.sklearn", "LGBMClassifier", {"boosting_type": "gbdt", "n_estimators": 100}),
        ("lightgbm.basic", "Booster", {"handle": "tree\nversion=v4\n"}),
        ("xgboost.sklearn", "XGBClassifier", {"n_estimators": 100}),
    ]:
        package = module.split(".")[0]
        sys.modules.setdefault(package, types.ModuleType(package))
        mod = sys.modules.setdefault(module, types.ModuleType(module))
        cls = type(name, (), {"__module__": module})
        setattr(mod, name, cls)
        obj = cls()
        obj.__dict__.update(state)
        with open(OUT / f"unsupported-{package}-{name.lower()}.pkl", "wb") as f:
            pickle.dump(obj, f, protocol=5)


def main():
    only = sys.argv[1:]
    wanted = lambda name: not only or any(name.startswith(p) for p in only)  # noqa: E731
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (dataset, missing, make, frame) in CASES.items():
        if wanted(name):
            write_case(name, dataset, missing, make, frame, FORMATS)
    for name, (dataset, make, options) in SMALL.items():
        if wanted(name):
            write_case(name, dataset, False, make, options.get("frame", True), ["pkl", "joblib"],
                       rows=options.get("rows"), extremes=options.get("extremes", False), refused=options.get("refused"))
    if not LATEST or only:
        print(f"wrote {OUT}")
        return
    # Estimators modelgate does not convert: one on the allowlist, one off it.
    from sklearn.naive_bayes import GaussianNB
    from sklearn.svm import NuSVC

    X, y, _, _ = load("iris")
    write_foreign()
    with open(OUT / "unsupported-nusvc.pkl", "wb") as f:
        pickle.dump(NuSVC().fit(X.to_numpy(), y), f, protocol=5)
    with open(OUT / "unsupported-gaussiannb.pkl", "wb") as f:
        pickle.dump(GaussianNB().fit(X.to_numpy(), y), f, protocol=5)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
