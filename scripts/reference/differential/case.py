"""What one differential case is: a named estimator, the data it is fitted on, and the family it counts
under in docs/importing.md's coverage table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from data import Dataset

# The families of the coverage table, in its order.
FAMILIES = [
    "SimpleImputer",
    "scalers",
    "OneHotEncoder",
    "ColumnTransformer",
    "FunctionTransformer",
    "decomposition",
    "preprocessing",
    "text",
    "feature selection",
    "Pipeline",
    "LogisticRegression",
    "linear regressors",
    "LinearSVC, LinearSVR",
    "SGDClassifier",
    "LogisticRegressionCV",
    "RidgeClassifier, Perceptron, PassiveAggressive",
    "linear regressors, more",
    "generalized linear models",
    "naive Bayes",
    "discriminant analysis",
    "MLP",
    "SVC, SVR, NuSVC",
    "k-nearest neighbours",
    "decision trees",
    "random forests",
    "extra trees",
    "gradient boosting",
    "histogram gradient boosting",
    "model selection",
    "dummy baselines",
    "cross decomposition",
    "kernel ridge",
    "Gaussian processes",
    "voting",
    "stacking",
    "bagging",
    "AdaBoost",
    "one-vs-rest, one-vs-one",
    "calibration",
    "TransformedTargetRegressor",
    "multi-output regression",
    "semi-supervised",
    "k-means",
    "mixtures",
    "clusterers, other",
    "outlier detectors",
    "not converted",
]


@dataclass
class Case:
    name: str
    family: str
    make: Callable[[], object]
    data: Callable[[], Dataset]
    # Fitted on a pandas DataFrame (feature names in the file) or on a plain array.
    frame: bool = True
    # The scikit-learn versions the case exists in (a parameter added or removed), as (major, minor)
    # bounds, both inclusive; the generator leaves it out elsewhere.
    versions: tuple = ((0, 0), (99, 0))
    # Fitted on this one column as a Series, not the frame: a text vectorizer at the top of a Pipeline
    # reads a 1-D list of documents (a DataFrame would give it the column names).
    column: str | None = None

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.name}: unknown family {self.family!r}")

