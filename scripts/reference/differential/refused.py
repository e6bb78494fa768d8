"""Estimators modelgate does not convert, to show that each is refused with a message (never imported
into something that answers differently)."""
from __future__ import annotations

from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import AdaBoostClassifier, BaggingRegressor, IsolationForest, VotingClassifier
from sklearn.linear_model import LogisticRegression, Perceptron, RidgeClassifier, SGDRegressor
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR, NuSVR, OneClassSVM
from sklearn.tree import DecisionTreeClassifier

import data
from case import Case

cls = lambda seed, classes=3: lambda: data.classification(classes, "int", seed=seed)  # noqa: E731
reg = lambda seed: lambda: data.regression(seed=seed)  # noqa: E731


def cases() -> list[Case]:
    table = [
        ("gaussian-nb", lambda: GaussianNB(), cls(900)),
        ("lda", lambda: LinearDiscriminantAnalysis(), cls(901)),
        ("ridge-classifier", lambda: RidgeClassifier(), cls(902)),
        ("perceptron", lambda: make_pipeline(StandardScaler(), Perceptron(random_state=0)), cls(903)),
        ("sgd-regressor", lambda: make_pipeline(StandardScaler(), SGDRegressor(random_state=0)), reg(904)),
        ("nusvr", lambda: make_pipeline(StandardScaler(), NuSVR()), reg(905)),
        ("one-class-svm", lambda: OneClassSVM(), cls(906)),
        ("isolation-forest", lambda: IsolationForest(n_estimators=5, random_state=0), cls(907)),
        ("adaboost", lambda: AdaBoostClassifier(n_estimators=3, random_state=0), cls(908)),
        ("bagging", lambda: BaggingRegressor(SVR(), n_estimators=2, random_state=0), reg(909)),
        (
            "voting",
            lambda: VotingClassifier([("lr", LogisticRegression(max_iter=2000)), ("dt", DecisionTreeClassifier())]),
            cls(910),
        ),
        ("one-vs-rest", lambda: OneVsRestClassifier(LogisticRegression(max_iter=2000)), cls(911)),
    ]
    return [Case(f"refused-{name}", "not converted", make, dataset) for name, make, dataset in table]
