"""Cases for the steps before a final estimator: SimpleImputer, the scalers, OneHotEncoder,
ColumnTransformer, FunctionTransformer and Pipelines of several steps."""
from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import data
from case import Case


def logreg():
    return LogisticRegression(max_iter=500)


def _constant_column(d: data.Dataset) -> data.Dataset:
    """One feature that never varies (a scaler's zero-variance case: scikit-learn divides by 1)."""
    X, Xt = d.X.copy(), d.Xt.copy()
    X["beta"] = 3.0
    Xt["beta"] = np.linspace(2.0, 4.0, len(Xt))
    return data.Dataset(X, d.y, Xt, d.task)


def _empty_column(d: data.Dataset) -> data.Dataset:
    """One feature missing in every training row (the imputer has no statistic for it)."""
    X, Xt = d.X.copy(), d.Xt.copy()
    X["gamma"] = np.nan
    return data.Dataset(X, d.y, Xt, d.task)


def _missing_in(d: data.Dataset, columns=(), test_only=(), rate: float = 0.2, seed: int = 0) -> data.Dataset:
    """NaN in about `rate` of these columns' cells, in training and held out; `test_only`: held out only
    (the model never saw a missing value there)."""
    rng = np.random.default_rng(seed + 7000)
    X, Xt = d.X.copy(), d.Xt.copy()
    for c in columns:
        X.loc[rng.random(len(X)) < rate, c] = np.nan
        Xt.loc[rng.random(len(Xt)) < rate, c] = np.nan
    for c in test_only:
        Xt.loc[rng.random(len(Xt)) < rate, c] = np.nan
    return data.Dataset(X, d.y, Xt, d.task)


def _wider(d: data.Dataset, factor: float = 1.8) -> data.Dataset:
    """Held-out rows spread `factor` times wider around the training mean: many fall outside the range
    a clipping scaler was fitted on."""
    mean = d.X.mean()
    return data.Dataset(d.X, d.y, (d.Xt - mean) * factor + mean, d.task)


def imputers() -> list[Case]:
    out = []
    strategies = {
        "mean": dict(strategy="mean"),
        "median": dict(strategy="median"),
        "frequent": dict(strategy="most_frequent"),
        "zero": dict(strategy="constant", fill_value=0.0),
        "constant": dict(strategy="constant", fill_value=-5.5),
    }
    finals = {
        "logreg": (logreg, lambda: data.classification(3, "str", missing=0.15, seed=11)),
        "ridge": (lambda: Ridge(alpha=1.0), lambda: data.regression(missing=0.15, seed=12)),
        "tree": (
            lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
            lambda: data.classification(2, "int", missing=0.15, seed=13),
        ),
    }
    for i, (sname, params) in enumerate(strategies.items()):
        for j, (fname, (final, dataset)) in enumerate(finals.items()):
            out.append(
                Case(
                    f"imputer-{sname}-{fname}",
                    "SimpleImputer",
                    lambda params=params, final=final: make_pipeline(SimpleImputer(**params), final()),
                    dataset,
                    frame=(i + j) % 2 == 0,
                )
            )
    out += [
        Case(
            "imputer-indicator-logreg",
            "SimpleImputer",
            lambda: make_pipeline(SimpleImputer(add_indicator=True), logreg()),
            lambda: data.classification(3, "int", missing=0.15, seed=14),
        ),
        Case(
            "imputer-indicator-ridge",
            "SimpleImputer",
            lambda: make_pipeline(SimpleImputer(strategy="median", add_indicator=True), Ridge()),
            lambda: data.regression(missing=0.15, seed=15),
            frame=False,
        ),
        Case(
            "imputer-empty-column-dropped",
            "SimpleImputer",
            lambda: make_pipeline(SimpleImputer(), logreg()),
            lambda: _empty_column(data.classification(3, "int", missing=0.1, seed=16)),
        ),
        Case(
            "imputer-empty-column-kept",
            "SimpleImputer",
            lambda: make_pipeline(SimpleImputer(keep_empty_features=True), logreg()),
            lambda: _empty_column(data.classification(3, "int", missing=0.1, seed=16)),
        ),
        Case(
            "imputer-missing-values-minus-one",
            "SimpleImputer",
            lambda: make_pipeline(SimpleImputer(missing_values=-1.0, strategy="median"), Ridge()),
            lambda: data.regression(seed=17),
        ),
        Case(
            "imputer-alone-in-front-of-hgb",
            "SimpleImputer",
            lambda: make_pipeline(
                SimpleImputer(strategy="median"), HistGradientBoostingRegressor(max_iter=10, min_samples_leaf=5)
            ),
            lambda: data.regression(missing=0.2, seed=18),
        ),
    ]
    return out


def scalers() -> list[Case]:
    kinds = {
        "standard": lambda: StandardScaler(),
        "standard-no-mean": lambda: StandardScaler(with_mean=False),
        "standard-no-std": lambda: StandardScaler(with_std=False),
        "standard-neither": lambda: StandardScaler(with_mean=False, with_std=False),
        "minmax": lambda: MinMaxScaler(),
        "minmax-range": lambda: MinMaxScaler(feature_range=(-1, 1)),
        "minmax-clip": lambda: MinMaxScaler(clip=True),
        "minmax-range-clip": lambda: MinMaxScaler(feature_range=(-2, 3), clip=True),
        "maxabs": lambda: MaxAbsScaler(),
        "robust": lambda: RobustScaler(),
        "robust-no-centering": lambda: RobustScaler(with_centering=False),
        "robust-no-scaling": lambda: RobustScaler(with_scaling=False),
        "robust-quantiles": lambda: RobustScaler(quantile_range=(10.0, 90.0)),
        "robust-unit-variance": lambda: RobustScaler(unit_variance=True),
    }
    out = []
    for i, (kind, scaler) in enumerate(kinds.items()):
        out.append(
            Case(
                f"scaler-{kind}-logreg",
                "scalers",
                lambda scaler=scaler: make_pipeline(scaler(), LogisticRegression(C=100.0, max_iter=500)),
                lambda i=i: data.classification(3, "int", seed=20 + i, separation=0.8),
                frame=i % 2 == 0,
            )
        )
        out.append(
            Case(
                f"scaler-{kind}-ridge",
                "scalers",
                lambda scaler=scaler: make_pipeline(scaler(), Ridge(alpha=10.0)),
                lambda i=i: data.regression(seed=40 + i),
                frame=i % 2 == 1,
            )
        )
    out += [
        Case(
            "scaler-standard-constant-column",
            "scalers",
            lambda: make_pipeline(StandardScaler(), logreg()),
            lambda: _constant_column(data.classification(3, "int", seed=60)),
        ),
        Case(
            "scaler-minmax-constant-column",
            "scalers",
            lambda: make_pipeline(MinMaxScaler(), Ridge()),
            lambda: _constant_column(data.regression(seed=61)),
        ),
        Case(
            "scaler-robust-constant-column",
            "scalers",
            lambda: make_pipeline(RobustScaler(), Ridge()),
            lambda: _constant_column(data.regression(seed=62)),
        ),
        # NaN passes through a scaler untouched and reaches an estimator that handles it.
        Case(
            "scaler-standard-missing-hgb",
            "scalers",
            lambda: make_pipeline(
                StandardScaler(), HistGradientBoostingClassifier(max_iter=10, min_samples_leaf=5)
            ),
            lambda: data.classification(2, "int", missing=0.15, seed=63),
        ),
        Case(
            "scaler-minmax-missing-hgb",
            "scalers",
            lambda: make_pipeline(MinMaxScaler(), HistGradientBoostingRegressor(max_iter=10, min_samples_leaf=5)),
            lambda: data.regression(missing=0.15, seed=64),
        ),
        # Clipping keeps NaN (numpy's clip does, and so must the graph's Max and Min).
        Case(
            "scaler-minmax-clip-missing-hgb",
            "scalers",
            lambda: make_pipeline(
                MinMaxScaler(clip=True), HistGradientBoostingRegressor(max_iter=10, min_samples_leaf=5)
            ),
            lambda: _wider(data.regression(missing=0.15, seed=65)),
        ),
        # MaxAbsScaler(clip=True), from scikit-learn 1.8: held-out values past the fitted range become +-1.
        Case(
            "scaler-maxabs-clip-logreg",
            "scalers",
            lambda: make_pipeline(MaxAbsScaler(clip=True), LogisticRegression(C=100.0, max_iter=500)),
            lambda: _wider(data.classification(3, "int", seed=66, separation=0.8), 2.5),
            versions=((1, 8), (99, 0)),
        ),
        Case(
            "scaler-maxabs-clip-ridge",
            "scalers",
            lambda: make_pipeline(MaxAbsScaler(clip=True), Ridge(alpha=10.0)),
            lambda: _wider(data.regression(seed=67), 2.5),
            frame=False,
            versions=((1, 8), (99, 0)),
        ),
    ]
    return out


def _categorical_columns(encoder, final, numeric=None):
    return make_pipeline(
        ColumnTransformer(
            [
                ("num", numeric or StandardScaler(), ["alpha", "beta", "gamma"]),
                ("cat", encoder, ["colour", "size"]),
            ]
        ),
        final,
    )


def encoders() -> list[Case]:
    cls = lambda **kw: lambda: data.categorical("classification", 3, "str", seed=70, **kw)  # noqa: E731
    reg = lambda **kw: lambda: data.categorical("regression", seed=71, **kw)  # noqa: E731
    variants = {
        "default": (dict(), {}),
        "dense": (dict(sparse_output=False), {}),
        "ignore-unknown": (dict(handle_unknown="ignore"), dict(unknown=True)),
        "infrequent-if-exist-unknown": (dict(handle_unknown="infrequent_if_exist"), dict(unknown=True)),
        "drop-first": (dict(drop="first"), {}),
        "drop-if-binary": (dict(drop="if_binary"), {}),
        "drop-values": (dict(drop=[2.0, 1.0]), {}),
        "drop-first-ignore-unknown": (dict(drop="first", handle_unknown="ignore"), dict(unknown=True)),
        "categories-listed": (dict(categories=[[0.0, 1.0, 2.0, 3.0, 5.0], [0.0, 1.0]]), {}),
        "nan-category": (dict(handle_unknown="ignore"), dict(missing_category=True)),
        # scikit-learn refuses the rows with an unknown colour; they must not be answered either.
        "unknown-refused": (dict(), dict(unknown=True)),
        "min-frequency": (dict(min_frequency=30), {}),
        "max-categories": (dict(max_categories=2), {}),
    }
    out = []
    for i, (name, (params, kw)) in enumerate(variants.items()):
        out.append(
            Case(
                f"onehot-{name}-logreg",
                "OneHotEncoder",
                lambda params=params: _categorical_columns(OneHotEncoder(**params), logreg()),
                cls(**kw),
            )
        )
        if i % 2 == 0:
            out.append(
                Case(
                    f"onehot-{name}-ridge",
                    "OneHotEncoder",
                    lambda params=params: _categorical_columns(OneHotEncoder(**params), Ridge()),
                    reg(**kw),
                )
            )
    out += [
        Case(
            "onehot-first-step-arrays",
            "OneHotEncoder",
            lambda: make_pipeline(OneHotEncoder(handle_unknown="ignore"), LinearRegression()),
            lambda: _only_categories(data.categorical("regression", seed=72, unknown=True)),
            frame=False,
        ),
        Case(
            "onehot-tree",
            "OneHotEncoder",
            lambda: _categorical_columns(
                OneHotEncoder(sparse_output=False), DecisionTreeRegressor(max_depth=5, random_state=0)
            ),
            reg(),
        ),
        Case(
            "onehot-text-categories",
            "OneHotEncoder",
            lambda: _categorical_columns(OneHotEncoder(), logreg()),
            lambda: _text_categories(data.categorical("classification", 3, "int", seed=73)),
        ),
        # handle_unknown="error" and missing values: an imputer before it fills them with a category
        # (answered); NaN seen in training is a category (answered); NaN never seen is unknown (refused).
        Case(
            "onehot-unknown-refused-imputed",
            "OneHotEncoder",
            lambda: _categorical_columns(
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()), logreg()
            ),
            lambda: _missing_in(data.categorical("classification", 3, "int", seed=74, unknown=True), test_only=["colour", "size"]),
        ),
        Case(
            "onehot-unknown-refused-nan-category",
            "OneHotEncoder",
            lambda: _categorical_columns(OneHotEncoder(), Ridge()),
            lambda: data.categorical("regression", seed=86, unknown=True, missing_category=True),
        ),
        Case(
            "onehot-unknown-refused-nan-unseen",
            "OneHotEncoder",
            lambda: _categorical_columns(OneHotEncoder(), logreg()),
            lambda: _missing_in(data.categorical("classification", 3, "str", seed=76), test_only=["colour"], rate=0.3),
        ),
        # The encoder reads scaled categories: modelgate maps them back to the numbers sent only where
        # each category is exactly one number (else the import is refused).
        Case(
            "onehot-unknown-refused-after-scaler",
            "OneHotEncoder",
            lambda: _categorical_columns(make_pipeline(MaxAbsScaler(), OneHotEncoder()), logreg()),
            lambda: data.categorical("classification", 3, "int", seed=77, unknown=True),
        ),
        Case(
            "onehot-unknown-refused-after-standard-scaler",
            "OneHotEncoder",
            lambda: _categorical_columns(make_pipeline(StandardScaler(), OneHotEncoder()), Ridge()),
            lambda: data.categorical("regression", seed=78, unknown=True),
        ),
        Case(
            "onehot-unknown-refused-after-clip",
            "OneHotEncoder",
            lambda: _categorical_columns(make_pipeline(MinMaxScaler(clip=True), OneHotEncoder()), logreg()),
            lambda: data.categorical("classification", 3, "int", seed=79, unknown=True),
        ),
        # handle_unknown="ignore": a missing category is all zeros, answered like any unknown one.
        Case(
            "onehot-ignore-missing",
            "OneHotEncoder",
            lambda: _categorical_columns(
                OneHotEncoder(handle_unknown="ignore"),
                logreg(),
                numeric=make_pipeline(SimpleImputer(), StandardScaler()),
            ),
            lambda: _missing_in(
                data.categorical("classification", 3, "int", seed=80, unknown=True),
                columns=["alpha", "beta"],
                test_only=["colour", "gamma"],
            ),
        ),
    ]
    return out


def _only_categories(d: data.Dataset) -> data.Dataset:
    return data.Dataset(d.X[["colour", "size"]], d.y, d.Xt[["colour", "size"]], d.task)


def _text_categories(d: data.Dataset) -> data.Dataset:
    names = np.array(["red", "green", "blue", "white"], dtype=object)
    X, Xt = d.X.copy(), d.Xt.copy()
    X["colour"] = names[X["colour"].astype(int)]
    Xt["colour"] = names[Xt["colour"].astype(int)]
    return data.Dataset(X, d.y, Xt, d.task)


def column_transformers() -> list[Case]:
    cls = lambda seed, **kw: lambda: data.classification(3, "int", seed=seed, **kw)  # noqa: E731
    reg = lambda seed, **kw: lambda: data.regression(seed=seed, **kw)  # noqa: E731

    def ct(transformers, remainder="drop", final=None):
        return lambda: make_pipeline(
            ColumnTransformer(transformers, remainder=remainder), final() if final else logreg()
        )

    out = [
        ("names", ct([("a", StandardScaler(), ["alpha", "gamma"]), ("b", MinMaxScaler(), ["delta"])]), cls(80), True),
        ("one-name", ct([("a", StandardScaler(), ["delta"]), ("b", "passthrough", ["alpha"])]), cls(81), True),
        ("indices", ct([("a", StandardScaler(), [0, 2]), ("b", RobustScaler(), [3, 4])]), cls(82), False),
        ("negative-indices", ct([("a", StandardScaler(), [-1, -2]), ("b", MaxAbsScaler(), [0])]), cls(83), False),
        ("one-index", ct([("a", StandardScaler(), [1]), ("b", "passthrough", [3])]), cls(84), False),
        ("mask", ct([("a", StandardScaler(), [True, False, True, False, True])]), cls(85), False),
        ("mask-names", ct([("a", MinMaxScaler(), [False, True, True, True, False])]), cls(86), True),
        ("slice", ct([("a", StandardScaler(), slice(1, 4))]), cls(87), False),
        ("slice-step", ct([("a", StandardScaler(), slice(0, 5, 2)), ("b", MinMaxScaler(), slice(3, None))]), cls(88), False),
        ("slice-names", ct([("a", StandardScaler(), slice("beta", "delta"))]), cls(89), True),
        (
            "slice-names-tree",
            ct(
                [("a", "passthrough", slice("beta", "delta")), ("b", StandardScaler(), ["alpha"])],
                final=lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
            ),
            cls(89),
            True,
        ),
        ("remainder-drop", ct([("a", StandardScaler(), ["alpha", "beta"])], "drop"), cls(90), True),
        ("remainder-passthrough", ct([("a", StandardScaler(), ["alpha", "beta"])], "passthrough"), cls(91), True),
        ("remainder-passthrough-arrays", ct([("a", StandardScaler(), [0, 1])], "passthrough"), cls(92), False),
        ("remainder-passthrough-tree", ct([("a", StandardScaler(), ["alpha"])], "passthrough", lambda: DecisionTreeClassifier(max_depth=4, random_state=0)), cls(93), True),
        ("remainder-scaler", ct([("a", "passthrough", ["alpha"])], MinMaxScaler()), cls(94), True),
        ("remainder-scaler-ridge", ct([("a", StandardScaler(), [0, 4])], RobustScaler(), lambda: Ridge()), reg(95), False),
        ("drop-entry", ct([("a", StandardScaler(), ["alpha", "beta", "gamma"]), ("d", "drop", ["delta"])], "passthrough"), cls(96), True),
        ("overlapping", ct([("a", StandardScaler(), ["alpha", "beta"]), ("b", MinMaxScaler(), ["beta", "gamma"])]), cls(97), True),
        ("reordered", ct([("a", StandardScaler(), ["epsilon", "alpha"]), ("b", "passthrough", ["gamma", "beta"])]), cls(98), True),
        (
            "pipeline-inside",
            ct([("num", make_pipeline(SimpleImputer(), StandardScaler()), ["alpha", "beta", "gamma"]), ("rest", SimpleImputer(strategy="median"), ["delta", "epsilon"])]),
            cls(99, missing=0.15),
            True,
        ),
        (
            "nested",
            ct([("inner", ColumnTransformer([("s", StandardScaler(), ["alpha"]), ("m", MinMaxScaler(), ["beta"])]), ["alpha", "beta", "gamma"]), ("r", RobustScaler(), ["delta"])]),
            cls(100),
            True,
        ),
        ("ridge-names", ct([("a", StandardScaler(), ["alpha", "beta", "gamma"]), ("b", "passthrough", ["delta"])], "drop", lambda: Ridge()), reg(101), True),
        ("missing-imputed-remainder", ct([("a", make_pipeline(SimpleImputer(), StandardScaler()), ["alpha"])], SimpleImputer()), cls(102, missing=0.15), True),
        # Some columns imputed, the others passed to an estimator that takes no NaN: a missing alpha or
        # beta is answered, a missing gamma (never missing in training) refused.
        (
            "imputed-partly",
            ct([("a", SimpleImputer(), ["alpha", "beta"])], "passthrough"),
            lambda: _missing_in(data.classification(3, "int", seed=103), ["alpha", "beta"], test_only=["gamma"]),
            True,
        ),
        (
            "imputed-partly-arrays",
            ct([("a", SimpleImputer(strategy="median"), [3]), ("b", StandardScaler(), [0, 1, 2, 4])], final=lambda: Ridge()),
            lambda: _missing_in(data.regression(seed=104), ["delta"], test_only=["alpha"]),
            False,
        ),
    ]
    return [Case(f"columns-{name}", "ColumnTransformer", make, dataset, frame) for name, make, dataset, frame in out]


def function_transformers() -> list[Case]:
    return [
        Case(
            "function-identity-logreg",
            "FunctionTransformer",
            lambda: make_pipeline(FunctionTransformer(), StandardScaler(), logreg()),
            lambda: data.classification(3, "str", seed=110),
        ),
        Case(
            "function-identity-validate-ridge",
            "FunctionTransformer",
            lambda: make_pipeline(FunctionTransformer(validate=True), Ridge()),
            lambda: data.regression(seed=111),
            frame=False,
        ),
        Case(
            "function-identity-in-columns",
            "FunctionTransformer",
            lambda: make_pipeline(
                ColumnTransformer([("f", FunctionTransformer(), ["alpha", "beta"]), ("s", StandardScaler(), ["gamma"])]),
                logreg(),
            ),
            lambda: data.classification(2, "int", seed=112),
        ),
        Case(
            "function-numpy-abs",
            "FunctionTransformer",
            lambda: make_pipeline(FunctionTransformer(np.abs), Ridge()),
            lambda: data.regression(seed=113),
        ),
    ]


def pipelines() -> list[Case]:
    return [
        Case(
            "pipeline-impute-scale-logreg",
            "Pipeline",
            lambda: make_pipeline(SimpleImputer(), StandardScaler(), logreg()),
            lambda: data.classification(3, "sparse", missing=0.1, seed=120),
        ),
        Case(
            "pipeline-impute-robust-mlp",
            "Pipeline",
            lambda: make_pipeline(
                SimpleImputer(strategy="median"),
                RobustScaler(),
                MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0),
            ),
            lambda: data.classification(3, "str", missing=0.1, seed=121),
        ),
        Case(
            "pipeline-impute-minmax-svc",
            "Pipeline",
            lambda: make_pipeline(
                SimpleImputer(strategy="most_frequent"), MinMaxScaler(), SVC(probability=True, random_state=0)
            ),
            lambda: data.classification(2, "int", missing=0.1, seed=122),
        ),
        Case(
            "pipeline-columns-scale-logreg",
            "Pipeline",
            lambda: make_pipeline(
                ColumnTransformer([("a", MinMaxScaler(), ["alpha", "beta"]), ("b", "passthrough", ["gamma"])]),
                StandardScaler(),
                logreg(),
            ),
            lambda: data.classification(3, "int", seed=123),
        ),
        Case(
            "pipeline-three-scalers-ridge",
            "Pipeline",
            lambda: make_pipeline(StandardScaler(), MinMaxScaler(), MaxAbsScaler(), Ridge()),
            lambda: data.regression(seed=124),
        ),
        Case(
            "pipeline-passthrough-and-none-steps",
            "Pipeline",
            lambda: Pipeline(
                [("a", "passthrough"), ("s", StandardScaler()), ("b", None), ("m", logreg())]
            ),
            lambda: data.classification(2, "str", seed=125),
        ),
        Case(
            "pipeline-nested",
            "Pipeline",
            lambda: make_pipeline(make_pipeline(SimpleImputer(), StandardScaler()), logreg()),
            lambda: data.classification(3, "int", missing=0.1, seed=126),
        ),
        Case(
            "pipeline-impute-scale-knn",
            "Pipeline",
            lambda: make_pipeline(SimpleImputer(), StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
            lambda: data.classification(3, "int", missing=0.1, seed=127),
        ),
        Case(
            "pipeline-impute-hgb",
            "Pipeline",
            lambda: make_pipeline(
                SimpleImputer(strategy="constant", fill_value=-1.0),
                HistGradientBoostingClassifier(max_iter=10, min_samples_leaf=5),
            ),
            lambda: data.classification(3, "int", missing=0.1, seed=128),
        ),
        Case(
            "pipeline-scale-tree-regressor",
            "Pipeline",
            lambda: make_pipeline(StandardScaler(), DecisionTreeRegressor(max_depth=5, random_state=0)),
            lambda: data.regression(seed=129),
            frame=False,
        ),
    ]


def cases() -> list[Case]:
    return imputers() + scalers() + encoders() + column_transformers() + function_transformers() + pipelines()
