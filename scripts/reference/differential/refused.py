"""Estimators modelgate does not convert, to show that each is refused with a message (never imported
into something that answers differently)."""
from __future__ import annotations

from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, QuantileTransformer, StandardScaler
from sklearn.svm import SVR, NuSVR, OneClassSVM

import data
from case import Case

cls = lambda seed, classes=3: lambda: data.classification(classes, "int", seed=seed)  # noqa: E731
reg = lambda seed: lambda: data.regression(seed=seed)  # noqa: E731


def cases() -> list[Case]:
    table = [
        ("nusvr", lambda: make_pipeline(StandardScaler(), NuSVR()), reg(905)),
        ("one-class-svm", lambda: OneClassSVM(), cls(906)),
        ("isolation-forest", lambda: IsolationForest(n_estimators=5, random_state=0), cls(907)),
        ("pca-logreg", lambda: make_pipeline(PCA(n_components=3), LogisticRegression(max_iter=2000)), cls(912)),
        ("polynomial-ridge", lambda: make_pipeline(PolynomialFeatures(2), StandardScaler(), SVR()), reg(913)),
        ("quantile-logreg", lambda: make_pipeline(QuantileTransformer(n_quantiles=20), LogisticRegression()), cls(914)),
    ]
    return [Case(f"refused-{name}", "not converted", make, dataset) for name, make, dataset in table]
