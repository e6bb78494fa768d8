"""Cases for the networks, support vector machines and nearest neighbours: activations, solvers,
kernels, probability calibration, metrics, weights and neighbour searches."""
from __future__ import annotations

from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestCentroid,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, NuSVC, NuSVR

import data
from case import Case


def _scaled(est):
    return make_pipeline(StandardScaler(), est)


def mlp() -> list[Case]:
    out = []
    for i, activation in enumerate(["relu", "tanh", "logistic", "identity"]):
        for classes in (2, 3):
            out.append(
                Case(
                    f"mlp-{activation}-{'binary' if classes == 2 else 'multi'}",
                    "MLP",
                    lambda activation=activation: _scaled(
                        MLPClassifier(hidden_layer_sizes=(10,), activation=activation, max_iter=400, random_state=0)
                    ),
                    lambda i=i, classes=classes: data.classification(classes, "int", seed=400 + 2 * i + classes),
                    frame=(i + classes) % 2 == 0,
                )
            )
        out.append(
            Case(
                f"mlp-regressor-{activation}",
                "MLP",
                lambda activation=activation: _scaled(
                    MLPRegressor(hidden_layer_sizes=(12,), activation=activation, max_iter=600, random_state=0)
                ),
                lambda i=i: data.regression(seed=420 + i),
                frame=i % 2 == 1,
            )
        )
    params = {
        "lbfgs": (dict(solver="lbfgs", max_iter=300), 3, "str"),
        "sgd": (dict(solver="sgd", learning_rate="adaptive", max_iter=300), 3, "int"),
        "deep": (dict(hidden_layer_sizes=(12, 8, 6), max_iter=400), 4, "sparse"),
        "regularized": (dict(alpha=1.0, max_iter=400), 2, "bool"),
        "early-stopping": (dict(early_stopping=True, max_iter=400), 3, "float"),
    }
    out += [
        Case(
            f"mlp-{name}",
            "MLP",
            lambda kw=kw: _scaled(MLPClassifier(random_state=0, **({"hidden_layer_sizes": (10,)} | kw))),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=430 + i),
        )
        for i, (name, (kw, classes, labels)) in enumerate(params.items())
    ]
    out += [
        Case(
            "mlp-regressor-lbfgs-deep",
            "MLP",
            lambda: _scaled(MLPRegressor(hidden_layer_sizes=(10, 10), solver="lbfgs", max_iter=500, random_state=0)),
            lambda: data.regression(seed=440),
        ),
        Case(
            "mlp-missing-rows",
            "MLP",
            lambda: _scaled(MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0)),
            lambda: data.regression(seed=442, missing=0.1, where="test"),
        ),
        Case(
            "mlp-regressor-unscaled",
            "MLP",
            lambda: MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0),
            lambda: data.regression(seed=441),
            frame=False,
        ),
    ]
    return out


def svm() -> list[Case]:
    out = []
    for i, kernel in enumerate(["linear", "rbf", "poly", "sigmoid"]):
        for classes in (2, 3):
            for probability in (False, True):
                out.append(
                    Case(
                        f"svc-{kernel}-{'binary' if classes == 2 else 'multi'}{'-proba' if probability else ''}",
                        "SVC, SVR, NuSVC",
                        lambda kernel=kernel, probability=probability: _scaled(
                            SVC(kernel=kernel, probability=probability, random_state=0)
                        ),
                        lambda i=i, classes=classes: data.classification(classes, "int", seed=500 + 2 * i + classes),
                        frame=(i + classes) % 2 == 0,
                    )
                )
    params = {
        "gamma-auto": (dict(gamma="auto"), 3, "str"),
        "gamma-number": (dict(gamma=0.5, probability=True), 3, "int"),
        "poly-degree-coef0": (dict(kernel="poly", degree=4, coef0=1.0, gamma=0.3), 3, "int"),
        "sigmoid-coef0": (dict(kernel="sigmoid", coef0=-0.5, gamma=0.1), 2, "sparse"),
        "balanced": (dict(class_weight="balanced", probability=True), 3, "int"),
        "weights-dict": (dict(class_weight={0: 3.0, 1: 1.0}), 2, "int"),
        "ovo-shape": (dict(decision_function_shape="ovo"), 4, "int"),
        "four-classes-proba": (dict(probability=True), 4, "str"),
        "digits-labels": (dict(), 4, "digits"),
        "bool-proba": (dict(probability=True), 2, "bool"),
        "strong-c": (dict(C=100.0), 3, "float"),
    }
    out += [
        Case(
            f"svc-{name}",
            "SVC, SVR, NuSVC",
            lambda kw=kw: _scaled(SVC(random_state=0, **kw)),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=520 + i, separation=0.7),
            frame=i % 2 == 0,
        )
        for i, (name, (kw, classes, labels)) in enumerate(params.items())
    ]
    # Held-out rows between the classes, where one-vs-one votes tie: libsvm gives the tie to the first
    # class; break_ties=True takes the argmax of the one-vs-rest decision function instead.
    ties = {
        "vote-ties-linear": dict(kernel="linear"),
        "vote-ties-rbf": dict(),
        "break-ties-linear": dict(kernel="linear", break_ties=True),
        "break-ties-rbf": dict(break_ties=True),
        "break-ties-poly-proba": dict(kernel="poly", break_ties=True, probability=True),
    }
    out += [
        Case(
            f"svc-{name}",
            "SVC, SVR, NuSVC",
            lambda kw=kw: _scaled(SVC(random_state=0, **kw)),
            lambda i=i: data.cloud(data.classification(4, "int", seed=527, separation=0.7), seed=i),
            frame=i % 2 == 0,
        )
        for i, (name, kw) in enumerate(ties.items())
    ]
    svr = {
        "linear": dict(kernel="linear"),
        "rbf": dict(C=100.0),
        "poly": dict(kernel="poly", degree=2, C=10.0),
        "sigmoid": dict(kernel="sigmoid", gamma=0.05, C=10.0),
        "epsilon": dict(epsilon=10.0, C=50.0),
        "gamma-number": dict(gamma=0.2, C=50.0),
    }
    out += [
        Case(
            f"svr-{name}",
            "SVC, SVR, NuSVC",
            lambda kw=kw: _scaled(SVR(**kw)),
            lambda i=i: data.regression(seed=540 + i),
            frame=i % 2 == 1,
        )
        for i, (name, kw) in enumerate(svr.items())
    ]
    out += [
        Case(
            "svc-missing-rows",
            "SVC, SVR, NuSVC",
            lambda: _scaled(SVC(probability=True, random_state=0)),
            lambda: data.classification(3, "int", seed=549, missing=0.1, where="test"),
        ),
        Case(
            "nusvc-rbf",
            "SVC, SVR, NuSVC",
            lambda: _scaled(NuSVC(nu=0.3)),
            lambda: data.classification(3, "int", seed=550),
        ),
        Case(
            "nusvc-proba",
            "SVC, SVR, NuSVC",
            lambda: _scaled(NuSVC(nu=0.3, probability=True, random_state=0)),
            lambda: data.classification(2, "str", seed=551),
        ),
        Case(
            "nusvr",
            "SVC, SVR, NuSVC",
            lambda: _scaled(NuSVR()),
            lambda: data.regression(seed=905),
        ),
    ]
    return out


def neighbours() -> list[Case]:
    out = []
    for i, k in enumerate([1, 3, 4, 15]):
        for weights in ("uniform", "distance"):
            out.append(
                Case(
                    f"knn-{k}-{weights}",
                    "k-nearest neighbours",
                    lambda k=k, weights=weights: _scaled(KNeighborsClassifier(n_neighbors=k, weights=weights)),
                    lambda i=i: data.classification(3, "int", seed=600 + i),
                    frame=i % 2 == 0,
                )
            )
    for i, algorithm in enumerate(["brute", "kd_tree", "ball_tree"]):
        out.append(
            Case(
                f"knn-{algorithm.replace('_', '-')}",
                "k-nearest neighbours",
                lambda algorithm=algorithm: KNeighborsClassifier(n_neighbors=5, algorithm=algorithm),
                lambda i=i: data.classification(2, "str", seed=610 + i),
            )
        )
    metrics = {
        "euclidean": dict(metric="euclidean"),
        "minkowski-2": dict(metric="minkowski", p=2),
        "manhattan": dict(metric="manhattan"),
        "minkowski-1": dict(metric="minkowski", p=1),
        "minkowski-3": dict(metric="minkowski", p=3),
        "chebyshev": dict(metric="chebyshev"),
        "cosine": dict(metric="cosine"),
        "cosine-distance": dict(metric="cosine", weights="distance"),
        "manhattan-distance": dict(metric="manhattan", weights="distance"),
        "minkowski-3-distance": dict(metric="minkowski", p=3, weights="distance"),
        "minkowski-1.5-kd-tree": dict(metric="minkowski", p=1.5, algorithm="kd_tree"),
        "manhattan-kd-tree": dict(metric="manhattan", algorithm="kd_tree"),
        "chebyshev-kd-tree": dict(metric="chebyshev", algorithm="kd_tree", weights="distance"),
        "manhattan-ball-tree": dict(metric="manhattan", algorithm="ball_tree"),
        "minkowski-3-ball-tree": dict(metric="minkowski", p=3, algorithm="ball_tree", weights="distance"),
        "chebyshev-ball-tree": dict(metric="chebyshev", algorithm="ball_tree"),
        "chebyshev-brute": dict(metric="chebyshev", algorithm="brute"),
        "minkowski-3-brute": dict(metric="minkowski", p=3, algorithm="brute"),
    }
    out += [
        Case(
            f"knn-metric-{name}",
            "k-nearest neighbours",
            lambda kw=kw: _scaled(KNeighborsClassifier(n_neighbors=5, **kw)),
            lambda i=i: data.classification(3, "sparse", seed=620 + i),
            frame=i % 2 == 1,
        )
        for i, (name, kw) in enumerate(metrics.items())
    ]
    for i, k in enumerate([1, 5, 10]):
        for weights in ("uniform", "distance"):
            out.append(
                Case(
                    f"knn-regressor-{k}-{weights}",
                    "k-nearest neighbours",
                    lambda k=k, weights=weights: _scaled(KNeighborsRegressor(n_neighbors=k, weights=weights)),
                    lambda i=i: data.regression(seed=630 + i),
                    frame=i % 2 == 1,
                )
            )
    out += [
        Case(
            "knn-regressor-manhattan",
            "k-nearest neighbours",
            lambda: KNeighborsRegressor(n_neighbors=5, metric="manhattan"),
            lambda: data.regression(seed=640),
        ),
        Case(
            "knn-4-uniform-between",
            "k-nearest neighbours",
            lambda: _scaled(KNeighborsClassifier(n_neighbors=4)),
            lambda: data.cloud(data.classification(4, "int", seed=643), seed=7),
        ),
        Case(
            "knn-missing-rows",
            "k-nearest neighbours",
            lambda: _scaled(KNeighborsClassifier(n_neighbors=5)),
            lambda: data.classification(3, "int", seed=642, missing=0.1, where="test"),
        ),
        # Integer rows on a grid: many in one direction, so equally far by cosine distance.
        Case(
            "knn-cosine-ties",
            "k-nearest neighbours",
            lambda: KNeighborsClassifier(n_neighbors=3, metric="cosine"),
            lambda: data.ties("classification", 3, "int", seed=650),
        ),
        Case(
            "knn-cosine-ties-distance-regressor",
            "k-nearest neighbours",
            lambda: KNeighborsRegressor(n_neighbors=4, metric="cosine", weights="distance"),
            lambda: data.ties("regression", seed=651),
            frame=False,
        ),
        Case(
            "knn-bool",
            "k-nearest neighbours",
            lambda: _scaled(KNeighborsClassifier(n_neighbors=5, weights="distance")),
            lambda: data.classification(2, "bool", seed=641),
        ),
    ]
    # Every training row within the radius; rows with none take outlier_label (where there is one).
    radius = {
        "radius": (lambda: _scaled(RadiusNeighborsClassifier(radius=3.0)), 3, "int"),
        "radius-distance": (lambda: _scaled(RadiusNeighborsClassifier(radius=3.0, weights="distance")), 2, "str"),
        "radius-outliers-most-frequent": (
            lambda: _scaled(RadiusNeighborsClassifier(radius=0.8, outlier_label="most_frequent")),
            3,
            "sparse",
        ),
        "radius-outliers-label": (lambda: _scaled(RadiusNeighborsClassifier(radius=0.8, outlier_label="bee")), 3, "str"),
        "radius-outlier-label-unknown": (lambda: _scaled(RadiusNeighborsClassifier(radius=0.8, outlier_label=99)), 3, "int"),
        "radius-manhattan-kd-tree": (
            lambda: _scaled(RadiusNeighborsClassifier(radius=4.0, metric="manhattan", algorithm="kd_tree")),
            4,
            "int",
        ),
        "radius-ball-tree": (lambda: _scaled(RadiusNeighborsClassifier(radius=3.0, algorithm="ball_tree", weights="distance")), 3, "int"),
    }
    out += [
        Case(name, "k-nearest neighbours", make, lambda i=i, c=c, labels=labels: data.classification(c, labels, seed=680 + i), frame=i % 2 == 0)
        for i, (name, (make, c, labels)) in enumerate(radius.items())
    ]
    out += [
        Case("radius-regressor", "k-nearest neighbours", lambda: _scaled(RadiusNeighborsRegressor(radius=3.0)), lambda: data.regression(seed=690)),
        Case(
            "radius-regressor-distance-kd-tree",
            "k-nearest neighbours",
            lambda: _scaled(RadiusNeighborsRegressor(radius=3.0, weights="distance", algorithm="kd_tree")),
            lambda: data.regression(seed=691),
            frame=False,
        ),
        Case("nearest-centroid", "k-nearest neighbours", lambda: NearestCentroid(), lambda: data.classification(3, "int", seed=692)),
        Case(
            "nearest-centroid-priors",
            "k-nearest neighbours",
            lambda: NearestCentroid(priors="empirical"),
            lambda: data.classification(4, "str", seed=693),
            frame=False,
            versions=((1, 5), (99, 0)),
        ),
        Case(
            "nearest-centroid-shrink",
            "k-nearest neighbours",
            lambda: _scaled(NearestCentroid(shrink_threshold=0.3)),
            lambda: data.classification(2, "str", seed=694),
        ),
        Case(
            "nearest-centroid-manhattan",
            "k-nearest neighbours",
            lambda: NearestCentroid(metric="manhattan"),
            lambda: data.classification(3, "sparse", seed=695),
            frame=False,
        ),
    ]
    # Exact ties under the other metrics: the heap's order decides which tied rows are kept.
    for i, (name, kw) in enumerate(
        {
            "manhattan-brute": dict(metric="manhattan", algorithm="brute"),
            "manhattan-kd-tree": dict(metric="manhattan", algorithm="kd_tree"),
            "chebyshev-ball-tree": dict(metric="chebyshev", algorithm="ball_tree"),
            "minkowski-3-kd-tree": dict(metric="minkowski", p=3, algorithm="kd_tree", weights="distance"),
        }.items()
    ):
        out.append(
            Case(
                f"knn-ties-{name}",
                "k-nearest neighbours",
                lambda kw=kw: KNeighborsClassifier(n_neighbors=4, **kw),
                lambda i=i: data.ties("classification", 3, "int", seed=670 + i),
            )
        )
    out.append(
        Case(
            "knn-ties-regressor-chebyshev",
            "k-nearest neighbours",
            lambda: KNeighborsRegressor(n_neighbors=5, metric="chebyshev"),
            lambda: data.ties("regression", seed=675),
        )
    )
    # Exact ties between neighbours: integer features on a small grid, repeated points.
    for i, weights in enumerate(("uniform", "distance")):
        for k in (3, 6):
            out.append(
                Case(
                    f"knn-ties-{k}-{weights}",
                    "k-nearest neighbours",
                    lambda k=k, weights=weights: KNeighborsClassifier(n_neighbors=k, weights=weights),
                    lambda i=i, k=k: data.ties("classification", 3, "int", seed=650 + i + k),
                )
            )
        out.append(
            Case(
                f"knn-ties-regressor-{weights}",
                "k-nearest neighbours",
                lambda weights=weights: KNeighborsRegressor(n_neighbors=4, weights=weights),
                lambda i=i: data.ties("regression", seed=660 + i),
            )
        )
    return out


def cases() -> list[Case]:
    return mlp() + svm() + neighbours()
