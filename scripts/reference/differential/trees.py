"""Cases for the trees: single trees, random forests, extra trees, gradient boosting and histogram
gradient boosting, over criteria, depths, class weights, losses, inits and missing values. Ensembles
are kept to a few small trees so that each file stays a few kilobytes."""
from __future__ import annotations

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
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier, ExtraTreeRegressor

import data
from case import Case

cls = lambda classes=3, labels="int", seed=0, **kw: lambda: data.classification(classes, labels, seed=seed, **kw)  # noqa: E731
reg = lambda seed=0, **kw: lambda: data.regression(seed=seed, **kw)  # noqa: E731


def _table(prefix, family, make, table, frame_every=2):
    return [
        Case(f"{prefix}-{name}", family, lambda kw=kw: make(**kw), dataset, frame=i % frame_every == 0)
        for i, (name, (kw, dataset)) in enumerate(table.items())
    ]


def decision_trees() -> list[Case]:
    classifier = {
        "gini": (dict(max_depth=4), cls(3, seed=700)),
        "entropy": (dict(criterion="entropy", max_depth=4), cls(3, seed=701)),
        "log-loss": (dict(criterion="log_loss", max_depth=4), cls(2, seed=702)),
        "full-depth": (dict(), cls(3, "str", seed=703)),
        "min-samples-leaf": (dict(min_samples_leaf=7), cls(4, seed=704)),
        "max-leaf-nodes": (dict(max_leaf_nodes=6), cls(3, "sparse", seed=705)),
        "balanced": (dict(class_weight="balanced", max_depth=4), cls(3, seed=706)),
        "random-splitter": (dict(splitter="random", max_depth=5), cls(3, seed=707)),
        "pruned": (dict(ccp_alpha=0.02), cls(3, "float", seed=708)),
        "sqrt-features": (dict(max_features="sqrt", max_depth=5), cls(2, "bool", seed=709)),
        "missing": (dict(max_depth=5), cls(3, seed=710, missing=0.15)),
        "missing-binary": (dict(max_depth=5), cls(2, "str", seed=711, missing=0.15)),
        "monotonic": (dict(max_depth=4, monotonic_cst=[1, 0, 0, -1, 0]), cls(2, seed=712)),
        # Fitted without missing values, asked with some: scikit-learn sends them down the larger child.
        "missing-at-predict": (dict(max_depth=5), cls(3, seed=713, missing=0.15, where="test")),
        "midpoint-rows": (dict(), lambda: data.midpoints(data.classification(3, "int", seed=714), seed=1)),
        # Missing values at predict where the saving scikit-learn decides whether the tree takes them:
        # with monotonic constraints from 1.9 only, with the random splitter from 1.6 (1.6.1 refuses the
        # first's rows, answers the second's).
        "monotonic-missing-at-predict": (
            dict(max_depth=4, monotonic_cst=[1, 0, 0, -1, 0]),
            cls(2, seed=715, missing=0.15, where="test"),
        ),
        "random-splitter-missing-at-predict": (
            dict(splitter="random", max_depth=5),
            cls(3, seed=716, missing=0.15, where="test"),
        ),
    }
    out = _table(
        "tree", "decision trees", lambda **kw: DecisionTreeClassifier(random_state=0, **kw), classifier
    )
    regressor = {
        "squared-error": (dict(max_depth=5), reg(720)),
        "friedman-mse": (dict(criterion="friedman_mse", max_depth=5), reg(721)),
        "absolute-error": (dict(criterion="absolute_error", max_depth=4), reg(722)),
        "poisson": (dict(criterion="poisson", max_depth=4), reg(723, positive=True)),
        "full-depth": (dict(), reg(724)),
        "missing": (dict(max_depth=6), reg(725, missing=0.15)),
        "missing-at-predict": (dict(max_depth=6), reg(726, missing=0.15, where="test")),
        "midpoint-rows": (dict(), lambda: data.midpoints(data.regression(seed=727), seed=2)),
        # absolute_error takes missing values from scikit-learn 1.9 (1.6.1 refuses these rows).
        "absolute-error-missing-at-predict": (
            dict(criterion="absolute_error", max_depth=4),
            reg(728, missing=0.15, where="test"),
        ),
    }
    out += _table(
        "tree-regressor", "decision trees", lambda **kw: DecisionTreeRegressor(random_state=0, **kw), regressor
    )
    out += [
        Case("extra-tree", "decision trees", lambda: ExtraTreeClassifier(max_depth=6, random_state=0), cls(3, seed=730)),
        Case(
            "extra-tree-regressor",
            "decision trees",
            lambda: ExtraTreeRegressor(max_depth=6, random_state=0),
            reg(731),
            frame=False,
        ),
        Case(
            "tree-two-targets",
            "decision trees",
            lambda: DecisionTreeRegressor(max_depth=3, random_state=0),
            lambda: _two_targets(data.regression(seed=732)),
        ),
    ]
    return out


def _two_targets(d: data.Dataset) -> data.Dataset:
    import numpy as np

    return data.Dataset(d.X, np.column_stack([d.y, d.y**2]), d.Xt, d.task)


def forests() -> list[Case]:
    small = dict(n_estimators=4, max_depth=4, random_state=0)
    classifier = {
        "default": (dict(), cls(3, seed=740)),
        "binary": (dict(), cls(2, "str", seed=741)),
        "balanced": (dict(class_weight="balanced"), cls(3, seed=742)),
        "balanced-subsample": (dict(class_weight="balanced_subsample"), cls(3, "sparse", seed=743)),
        "no-bootstrap": (dict(bootstrap=False, max_features=None), cls(3, seed=744)),
        "max-samples": (dict(max_samples=0.5), cls(4, seed=745)),
        "entropy": (dict(criterion="entropy"), cls(3, "float", seed=746)),
        "missing": (dict(), cls(3, seed=747, missing=0.15)),
        "bool": (dict(), cls(2, "bool", seed=748)),
        "unicode": (dict(), cls(4, "unicode", seed=738)),
        "missing-at-predict": (dict(), cls(3, seed=749, missing=0.15, where="test")),
        "midpoint-rows": (dict(max_depth=None), lambda: data.midpoints(data.classification(3, "int", seed=739), seed=3)),
        "monotonic-missing-at-predict": (
            dict(monotonic_cst=[1, 0, 0, -1, 0]),
            cls(2, seed=737, missing=0.15, where="test"),
        ),
    }
    out = _table(
        "forest", "random forests", lambda **kw: RandomForestClassifier(**(small | kw)), classifier
    )
    regressor = {
        "squared-error": (dict(), reg(750)),
        "absolute-error": (dict(criterion="absolute_error"), reg(751)),
        "poisson": (dict(criterion="poisson"), reg(752, positive=True)),
        "sqrt-features": (dict(max_features="sqrt"), reg(753)),
        "missing": (dict(), reg(754, missing=0.15)),
        "absolute-error-missing-at-predict": (dict(criterion="absolute_error"), reg(755, missing=0.15, where="test")),
    }
    out += _table(
        "forest-regressor", "random forests", lambda **kw: RandomForestRegressor(**(small | kw)), regressor
    )
    return out


def extra_trees() -> list[Case]:
    small = dict(n_estimators=4, max_depth=5, random_state=0)
    classifier = {
        "default": (dict(), cls(3, seed=760)),
        "binary": (dict(), cls(2, "str", seed=761)),
        "balanced": (dict(class_weight="balanced"), cls(3, seed=762)),
        "bootstrap": (dict(bootstrap=True, max_samples=0.7), cls(3, seed=763)),
        "entropy": (dict(criterion="entropy", max_features=None), cls(4, "sparse", seed=764)),
        "missing": (dict(), cls(3, seed=765, missing=0.15)),
        "missing-at-predict": (dict(), cls(2, seed=766, missing=0.15, where="test")),
    }
    out = _table(
        "extratrees", "extra trees", lambda **kw: ExtraTreesClassifier(**(small | kw)), classifier
    )
    regressor = {
        "squared-error": (dict(), reg(770)),
        "absolute-error": (dict(criterion="absolute_error"), reg(771)),
        "missing": (dict(), reg(772, missing=0.15)),
        "full-features": (dict(max_features=1.0), reg(773)),
        "absolute-error-missing-at-predict": (dict(criterion="absolute_error"), reg(774, missing=0.15, where="test")),
    }
    out += _table(
        "extratrees-regressor", "extra trees", lambda **kw: ExtraTreesRegressor(**(small | kw)), regressor
    )
    return out


def gradient_boosting() -> list[Case]:
    small = dict(n_estimators=8, max_depth=3, random_state=0)
    classifier = {
        "binary": (dict(), cls(2, seed=780)),
        "multi": (dict(), cls(3, "str", seed=781)),
        "fast": (dict(learning_rate=0.5), cls(3, seed=782)),
        "subsample": (dict(subsample=0.7), cls(2, "bool", seed=783)),
        "stumps-sqrt": (dict(max_depth=1, max_features="sqrt"), cls(4, "sparse", seed=784)),
        "init-zero-binary": (dict(init="zero"), cls(2, seed=785)),
        "init-zero-multi": (dict(init="zero"), cls(3, seed=786)),
        "init-prior": (dict(init=DummyClassifier(strategy="prior")), cls(3, seed=787)),
        "init-most-frequent": (dict(init=DummyClassifier(strategy="most_frequent")), cls(3, seed=788)),
        "init-uniform": (dict(init=DummyClassifier(strategy="uniform")), cls(3, seed=789)),
        "init-constant": (dict(init=DummyClassifier(strategy="constant", constant=1)), cls(2, seed=790)),
        "init-prior-binary": (dict(init=DummyClassifier(strategy="prior")), cls(2, seed=791)),
        "exponential": (dict(loss="exponential"), cls(2, seed=792)),
        # scikit-learn's GradientBoosting takes no missing values: the rows with one are refused.
        "missing-rows": (dict(), cls(3, seed=793, missing=0.1, where="test")),
    }
    out = _table(
        "gb", "gradient boosting", lambda **kw: GradientBoostingClassifier(**(small | kw)), classifier
    )
    regressor = {
        "squared-error": (dict(), reg(800)),
        "absolute-error": (dict(loss="absolute_error"), reg(801)),
        "huber": (dict(loss="huber", alpha=0.8), reg(802)),
        "quantile": (dict(loss="quantile", alpha=0.2), reg(803)),
        "fast-subsample": (dict(learning_rate=0.4, subsample=0.6), reg(804)),
        "init-zero": (dict(init="zero"), reg(805)),
        "init-median": (dict(init=DummyRegressor(strategy="median")), reg(806)),
        "init-quantile": (dict(init=DummyRegressor(strategy="quantile", quantile=0.8)), reg(807)),
        "init-constant": (dict(init=DummyRegressor(strategy="constant", constant=3.0)), reg(808)),
        "init-linear": (dict(init=LinearRegression()), reg(809)),
        "midpoint-rows": (dict(max_depth=4), lambda: data.midpoints(data.regression(seed=810), seed=4)),
    }
    out += _table(
        "gb-regressor", "gradient boosting", lambda **kw: GradientBoostingRegressor(**(small | kw)), regressor
    )
    return out


def hist_gradient_boosting() -> list[Case]:
    small = dict(max_iter=8, min_samples_leaf=5, random_state=0)
    classifier = {
        "binary": (dict(), cls(2, seed=820)),
        "multi": (dict(), cls(3, "str", seed=821)),
        "depth": (dict(max_depth=2, learning_rate=0.3), cls(3, seed=822)),
        "l2": (dict(l2_regularization=5.0), cls(2, "bool", seed=823)),
        "balanced": (dict(class_weight="balanced"), cls(3, "sparse", seed=824)),
        "missing-binary": (dict(), cls(2, seed=825, missing=0.2)),
        "missing-multi": (dict(), cls(3, seed=826, missing=0.2)),
        "missing-at-predict": (dict(), cls(3, seed=832, missing=0.2, where="test")),
        "midpoint-rows": (dict(min_samples_leaf=2), lambda: data.midpoints(data.classification(3, "int", seed=833), seed=5, precision="float64")),
        "few-bins": (dict(max_bins=8), cls(3, "float", seed=827)),
        "early-stopping": (dict(early_stopping=True, max_iter=30, validation_fraction=0.2), cls(3, seed=828)),
        "categorical": (dict(categorical_features=[3]), lambda: _coded(data.classification(3, "int", seed=829))),
        "monotonic": (dict(monotonic_cst=[1, 0, -1, 0, 0]), cls(2, seed=830)),
        "interactions": (dict(interaction_cst=[[0, 1], [2, 3, 4]]), cls(3, seed=831)),
    }
    out = _table(
        "hgb", "histogram gradient boosting", lambda **kw: HistGradientBoostingClassifier(**(small | kw)), classifier
    )
    regressor = {
        "squared-error": (dict(), reg(840)),
        "absolute-error": (dict(loss="absolute_error"), reg(841)),
        "poisson": (dict(loss="poisson"), reg(842, positive=True)),
        "gamma": (dict(loss="gamma"), reg(843, positive=True)),
        "quantile": (dict(loss="quantile", quantile=0.7), reg(844)),
        "missing": (dict(), reg(845, missing=0.2)),
        "leaves": (dict(max_leaf_nodes=5, learning_rate=0.5), reg(846)),
        "midpoint-rows": (dict(min_samples_leaf=2), lambda: data.midpoints(data.regression(seed=847), seed=6, precision="float64")),
    }
    out += _table(
        "hgb-regressor",
        "histogram gradient boosting",
        lambda **kw: HistGradientBoostingRegressor(**(small | kw)),
        regressor,
    )
    return out


def _coded(d: data.Dataset) -> data.Dataset:
    """Column 'delta' as small integer codes (a categorical feature)."""
    X, Xt = d.X.copy(), d.Xt.copy()
    X["delta"] = (X["delta"].rank(pct=True) * 3.999).astype(int).astype(float)
    Xt["delta"] = Xt["delta"].clip(X["delta"].min(), X["delta"].max()).round() % 4
    return data.Dataset(X, d.y, Xt, d.task)


def cases() -> list[Case]:
    return decision_trees() + forests() + extra_trees() + gradient_boosting() + hist_gradient_boosting()
