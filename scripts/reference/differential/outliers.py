"""Cases for the outlier detectors: IsolationForest (trees, samples, feature subsets, contamination,
bootstrap, missing values), LocalOutlierFactor with novelty=True (metrics, searches, ties),
OneClassSVM (kernels, gamma), SGDOneClassSVM and EllipticEnvelope, alone and after a scaler. The
held-out rows are scattered around the training rows (data.cloud), so that both labels occur."""
from __future__ import annotations

from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import SGDOneClassSVM
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

import data
from case import Case

FAMILY = "outlier detectors"


def _scattered(seed: int, features: int = 5, missing: float = 0.0, rows: int = 48):
    return lambda: data.cloud(
        data.classification(3, "int", features=features, missing=missing, seed=seed), rows=rows, seed=seed, spread=0.6
    )


def _scaled(est):
    return make_pipeline(StandardScaler(), est)


def isolation_forest() -> list[Case]:
    table = {
        "default": dict(n_estimators=10),
        "max-samples-int": dict(n_estimators=8, max_samples=40),
        "max-samples-float": dict(n_estimators=8, max_samples=0.3),
        "max-samples-all": dict(n_estimators=6, max_samples=1.0),
        "max-features": dict(n_estimators=8, max_features=0.6),
        "max-features-int": dict(n_estimators=8, max_features=2, bootstrap=True),
        "contamination": dict(n_estimators=10, contamination=0.1),
        "contamination-high": dict(n_estimators=5, contamination=0.4, max_samples=16),
        "bootstrap": dict(n_estimators=8, bootstrap=True, contamination=0.2),
        "one-sample": dict(n_estimators=3, max_samples=1),
        "many-trees": dict(n_estimators=40, max_samples=16),
    }
    out = [
        Case(
            f"outliers-isolation-forest-{name}",
            FAMILY,
            lambda params=params: IsolationForest(random_state=0, **params),
            _scattered(1600 + i),
            frame=i % 2 == 0,
        )
        for i, (name, params) in enumerate(table.items())
    ]
    out += [
        # Missing values go down the trees as each split's missing_go_to_left says (scikit-learn 1.6+).
        Case(
            "outliers-isolation-forest-missing",
            FAMILY,
            lambda: IsolationForest(n_estimators=10, random_state=0),
            _scattered(1620, missing=0.1),
            versions=((1, 6), (99, 0)),
        ),
        Case(
            "outliers-isolation-forest-scaled",
            FAMILY,
            lambda: _scaled(IsolationForest(n_estimators=10, contamination=0.15, random_state=0)),
            _scattered(1621),
        ),
        # The trees compare float32 features: held-out cells on their thresholds' midpoints.
        Case(
            "outliers-isolation-forest-midpoints",
            FAMILY,
            lambda: IsolationForest(n_estimators=10, max_samples=64, random_state=0),
            lambda: data.midpoints(data.classification(3, "int", seed=1622), seed=1622),
        ),
    ]
    return out


def local_outlier_factor() -> list[Case]:
    table = {
        "default": (dict(), 1630),
        "few-neighbours": (dict(n_neighbors=3, contamination=0.1), 1631),
        "manhattan": (dict(n_neighbors=6, metric="manhattan"), 1632),
        "chebyshev": (dict(n_neighbors=6, metric="chebyshev"), 1633),
        "minkowski-p3": (dict(n_neighbors=6, p=3), 1634),
        "kd-tree": (dict(n_neighbors=7, algorithm="kd_tree", leaf_size=8), 1635),
        "ball-tree": (dict(n_neighbors=7, algorithm="ball_tree", leaf_size=8, metric="manhattan"), 1636),
        "contamination": (dict(n_neighbors=10, contamination=0.25), 1637),
    }
    out = [
        Case(
            f"outliers-lof-{name}",
            FAMILY,
            lambda params=params: _scaled(LocalOutlierFactor(novelty=True, **params)),
            _scattered(seed),
            frame=seed % 2 == 0,
        )
        for name, (params, seed) in table.items()
    ]
    # Integer grids: many training rows as far from a held-out row as its k-th neighbour.
    out += [
        Case(
            f"outliers-lof-ties-{algorithm.replace('_', '-')}",
            FAMILY,
            lambda algorithm=algorithm: LocalOutlierFactor(
                n_neighbors=5, novelty=True, algorithm=algorithm, leaf_size=6, contamination=0.2
            ),
            lambda i=i: data.ties(seed=1640 + i),
        )
        for i, algorithm in enumerate(["brute", "kd_tree", "ball_tree"])
    ]
    out.append(
        Case(
            "outliers-lof-cosine",
            FAMILY,
            lambda: LocalOutlierFactor(n_neighbors=5, novelty=True, metric="cosine"),
            _scattered(1646),
        )
    )
    return out


def one_class_svm() -> list[Case]:
    table = {
        "rbf": dict(),
        "rbf-gamma-auto": dict(gamma="auto", nu=0.2),
        "rbf-gamma-float": dict(gamma=0.3, nu=0.1),
        "linear": dict(kernel="linear", nu=0.3),
        "poly": dict(kernel="poly", degree=2, gamma=0.5, coef0=1.0),
        "sigmoid": dict(kernel="sigmoid", gamma=0.05, coef0=0.1),
    }
    return [
        Case(
            f"outliers-one-class-svm-{name}",
            FAMILY,
            lambda params=params: _scaled(OneClassSVM(**params)),
            _scattered(1650 + i),
            frame=i % 2 == 0,
        )
        for i, (name, params) in enumerate(table.items())
    ] + [
        Case("outliers-one-class-svm-unscaled", FAMILY, lambda: OneClassSVM(gamma="scale"), _scattered(1657))
    ]


def linear_and_covariance() -> list[Case]:
    return [
        Case("outliers-sgd-one-class-svm", FAMILY, lambda: _scaled(SGDOneClassSVM(nu=0.2, random_state=0)), _scattered(1660)),
        Case(
            "outliers-sgd-one-class-svm-no-intercept",
            FAMILY,
            lambda: _scaled(SGDOneClassSVM(nu=0.3, fit_intercept=False, random_state=0)),
            _scattered(1661),
            frame=False,
        ),
        Case(
            "outliers-sgd-one-class-svm-averaged",
            FAMILY,
            lambda: _scaled(SGDOneClassSVM(nu=0.1, average=True, learning_rate="constant", eta0=0.01, random_state=0)),
            _scattered(1662),
        ),
        Case("outliers-elliptic-envelope", FAMILY, lambda: EllipticEnvelope(random_state=0), _scattered(1670)),
        Case(
            "outliers-elliptic-envelope-contamination",
            FAMILY,
            lambda: _scaled(EllipticEnvelope(contamination=0.25, support_fraction=0.8, random_state=0)),
            _scattered(1671),
            frame=False,
        ),
        Case(
            "outliers-elliptic-envelope-centered",
            FAMILY,
            lambda: _scaled(EllipticEnvelope(assume_centered=True, random_state=0)),
            _scattered(1672),
        ),
        Case(
            "outliers-elliptic-envelope-no-precision",
            FAMILY,
            lambda: EllipticEnvelope(store_precision=False, random_state=0),
            _scattered(1673),
        ),
    ]


def cases() -> list[Case]:
    return isolation_forest() + local_outlier_factor() + one_class_svm() + linear_and_covariance()
