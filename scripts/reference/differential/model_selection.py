"""Cases for the searches and frozen estimators: a fitted GridSearchCV, RandomizedSearchCV or
HalvingGridSearchCV serves its best_estimator_, a FrozenEstimator the estimator it wraps; their search
state (cv_results_ with its masked arrays, the scorers, the splitters) is read as data."""
from __future__ import annotations

from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    KFold,
    RandomizedSearchCV,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    TimeSeriesSplit,
    TunedThresholdClassifierCV,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import data
from case import Case

FAMILY = "model selection"
cls = lambda seed, classes=3, labels="int": lambda: data.classification(classes, labels, seed=seed)  # noqa: E731
reg = lambda seed: lambda: data.regression(seed=seed)  # noqa: E731


def _logreg_grid(**kw):
    return GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        {"logisticregression__C": [0.1, 1.0, 10.0]},
        **kw,
    )


def _self_training():
    from sklearn.semi_supervised import SelfTrainingClassifier

    return SelfTrainingClassifier(LogisticRegression(max_iter=2000))


def _partly_labelled(seed):
    # a third of the training labels unknown (-1), as self-training is fitted
    def make():
        import dataclasses

        import numpy as np

        d = data.classification(3, "int", seed=seed)
        y = np.array(d.y).copy()
        y[::3] = -1
        return dataclasses.replace(d, y=y)

    return make


def _frozen():
    from sklearn.frozen import FrozenEstimator

    d = data.classification(3, "str", seed=1007)
    return FrozenEstimator(LogisticRegression(max_iter=2000).fit(d.X, d.y))


def cases() -> list[Case]:
    return [
        Case("grid-pipeline-logreg", FAMILY, lambda: _logreg_grid(cv=3), cls(1000)),
        Case("grid-roc-auc-kfold", FAMILY, lambda: _logreg_grid(scoring="roc_auc", cv=KFold(3)), cls(1001, 2)),
        Case(
            "grid-multimetric",
            FAMILY,
            lambda: _logreg_grid(scoring=["accuracy", "f1_macro"], refit="f1_macro", cv=StratifiedKFold(3)),
            cls(1002, 3, "str"),
            frame=False,
        ),
        Case(
            "grid-tree-shuffle",
            FAMILY,
            lambda: GridSearchCV(
                DecisionTreeClassifier(random_state=0),
                {"max_depth": [2, 4]},
                cv=ShuffleSplit(3, random_state=0),
            ),
            cls(1003),
        ),
        Case(
            "randomized-ridge",
            FAMILY,
            lambda: RandomizedSearchCV(
                Ridge(),
                {"alpha": [0.01, 0.1, 1.0, 10.0]},
                n_iter=3,
                scoring="neg_mean_squared_error",
                cv=3,
                random_state=0,
            ),
            reg(1004),
        ),
        Case(
            "halving-grid-ridge",
            FAMILY,
            lambda: HalvingGridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, scoring="r2", cv=3, random_state=0),
            reg(1005),
        ),
        Case(
            "halving-random-tree",
            FAMILY,
            lambda: HalvingRandomSearchCV(
                DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3, 4, 5]}, cv=3, random_state=0
            ),
            cls(1008),
        ),
        *[
            Case(
                f"grid-tree-{name}",
                FAMILY,
                lambda splitter=splitter: GridSearchCV(
                    DecisionTreeClassifier(random_state=0), {"max_depth": [2, 3]}, cv=splitter
                ),
                cls(1010 + i),
            )
            for i, (name, splitter) in enumerate(
                [
                    ("repeated-kfold", RepeatedKFold(n_splits=2, n_repeats=2, random_state=0)),
                    ("repeated-stratified", RepeatedStratifiedKFold(n_splits=2, n_repeats=2, random_state=0)),
                    ("stratified-shuffle", StratifiedShuffleSplit(n_splits=2, random_state=0)),
                    ("time-series", TimeSeriesSplit(n_splits=3)),
                ]
            )
        ],
        Case(
            "self-training-logreg",
            FAMILY,
            lambda: _self_training(),
            _partly_labelled(1020),
        ),
        Case(
            "tuned-threshold-f1-tree",
            FAMILY,
            lambda: TunedThresholdClassifierCV(
                DecisionTreeClassifier(max_depth=3, random_state=0), scoring="f1", cv=3, random_state=0
            ),
            cls(1022, 2),
            versions=((1, 5), (99, 0)),
        ),
        Case("frozen-logreg", FAMILY, _frozen, cls(1007, 3, "str"), versions=((1, 6), (99, 0))),
    ]
