"""Cases for regressors of several targets: the linear models fitted on a [rows, targets] y (and the
multi-task ones), trees and forests with one value per target in their leaves, and MultiOutputRegressor
with one regressor per target."""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    MultiTaskElasticNet,
    MultiTaskElasticNetCV,
    MultiTaskLasso,
    MultiTaskLassoCV,
    Ridge,
)
from sklearn.neighbors import KNeighborsRegressor
from sklearn.multioutput import MultiOutputRegressor, RegressorChain
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.tree import DecisionTreeRegressor, ExtraTreeRegressor

import data
from case import Case

FAMILY = "multi-output regression"


def targets(d: data.Dataset, count: int = 2) -> data.Dataset:
    """The same rows with `count` targets: the original, then curves of it and of the first feature."""
    y = np.asarray(d.y, dtype=float)
    x0 = np.nan_to_num(d.X.iloc[:, 0].to_numpy(dtype=float))
    extra = [np.sin(y / (np.std(y) + 1e-12)) * 10 + x0, 0.5 * y - 3 * x0 + 7, np.abs(y) ** 0.5]
    return data.Dataset(d.X, np.column_stack([y, *extra[: count - 1]]), d.Xt, d.task)


def cases() -> list[Case]:
    reg = lambda seed, count=2, **kw: lambda: targets(data.regression(seed=seed, **kw), count)  # noqa: E731
    made = [
        ("linear-2", lambda: LinearRegression(), reg(1100), True),
        ("linear-no-intercept-3", lambda: LinearRegression(fit_intercept=False), reg(1101, 3), False),
        ("ridge-3", lambda: Ridge(alpha=2.0), reg(1102, 3), True),
        ("lasso-2", lambda: Lasso(alpha=0.5), reg(1103), False),
        ("elastic-net-2", lambda: ElasticNet(alpha=0.3, l1_ratio=0.4), reg(1104), True),
        ("multitask-lasso", lambda: MultiTaskLasso(alpha=0.5), reg(1105, 3), True),
        ("multitask-elastic-net-cv", lambda: MultiTaskElasticNetCV(cv=3), reg(1106), False),
        ("multitask-lasso-cv", lambda: MultiTaskLassoCV(cv=3), reg(1108, 3), True),
        ("multitask-elastic-net", lambda: MultiTaskElasticNet(alpha=0.4, l1_ratio=0.7, fit_intercept=False), reg(1109), False),
        ("scaled-ridge-2", lambda: make_pipeline(StandardScaler(), Ridge()), reg(1107), True),
        ("tree-2", lambda: DecisionTreeRegressor(max_depth=4, random_state=0), reg(1110), True),
        ("tree-3-missing", lambda: DecisionTreeRegressor(max_depth=5, random_state=0), reg(1111, 3, missing=0.15), True),
        ("extra-tree-2", lambda: ExtraTreeRegressor(max_depth=4, random_state=0), reg(1112), False),
        ("forest-2", lambda: RandomForestRegressor(n_estimators=6, max_depth=4, random_state=0), reg(1113), True),
        ("forest-3-missing", lambda: RandomForestRegressor(n_estimators=4, max_depth=5, random_state=0), reg(1114, 3, missing=0.15), False),
        ("extra-trees-2", lambda: ExtraTreesRegressor(n_estimators=5, max_depth=4, random_state=0), reg(1115), True),
        ("multioutput-ridge-3", lambda: MultiOutputRegressor(Ridge()), reg(1120, 3), True),
        ("multioutput-svr", lambda: make_pipeline(StandardScaler(), MultiOutputRegressor(SVR(C=10.0))), reg(1121), False),
        ("multioutput-hgb-missing", lambda: MultiOutputRegressor(HistGradientBoostingRegressor(max_iter=8)), reg(1122, 2, missing=0.15), True),
        ("multioutput-pipelines", lambda: MultiOutputRegressor(make_pipeline(StandardScaler(), Lasso(alpha=0.2))), reg(1123), True),
        ("knn-3", lambda: make_pipeline(StandardScaler(), KNeighborsRegressor(n_neighbors=4)), reg(1130, 3), True),
        ("knn-distance-manhattan", lambda: KNeighborsRegressor(n_neighbors=3, weights="distance", metric="manhattan"), reg(1131), False),
        ("knn-ties-kd-tree", lambda: KNeighborsRegressor(n_neighbors=3, algorithm="kd_tree"), lambda: targets(data.ties("regression", seed=1132), 2), True),
        ("chain-ridge-3", lambda: RegressorChain(Ridge()), reg(1125, 3), True),
        ("chain-tree-ordered", lambda: RegressorChain(DecisionTreeRegressor(max_depth=4, random_state=0), order=[2, 0, 1]), reg(1126, 3), False),
        ("chain-svr-random-order", lambda: RegressorChain(make_pipeline(StandardScaler(), SVR(C=10.0)), order="random", random_state=0), reg(1127, 3), True),
        ("chain-missing-refused", lambda: RegressorChain(HistGradientBoostingRegressor(max_iter=5)), reg(1128, 2, missing=0.15, where="test"), True),
    ]
    out = [Case(f"multi-output-{name}", FAMILY, make, d, frame=frame) for name, make, d, frame in made]
    # One target through MultiOutputRegressor: scikit-learn answers [rows, 1], served as one value.
    out.append(
        Case(
            "multi-output-multioutput-one-target",
            FAMILY,
            lambda: MultiOutputRegressor(Ridge()),
            lambda: targets(data.regression(seed=1124), 1),
        )
    )
    return out
