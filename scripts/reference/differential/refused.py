"""Estimators modelgate does not convert, to show that each is refused with a message (never imported
into something that answers differently)."""
from __future__ import annotations

from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import OneClassSVM

import data
from case import Case

cls = lambda seed, classes=3: lambda: data.classification(classes, "int", seed=seed)  # noqa: E731


def cases() -> list[Case]:
    table = [
        ("one-class-svm", lambda: OneClassSVM(), cls(906)),
        ("isolation-forest", lambda: IsolationForest(n_estimators=5, random_state=0), cls(907)),
    ]
    return [Case(f"refused-{name}", "not converted", make, dataset) for name, make, dataset in table]
