"""Cases for the clusterers and the mixtures: KMeans and MiniBatchKMeans (labels and distances) over the
settings that change their arithmetic (cluster counts, algorithm lloyd or elkan, float32 or float64
fitted data, init), BisectingKMeans (its predict walks the bisecting tree), GaussianMixture and
BayesianGaussianMixture over every covariance_type (and both weight priors of the Bayesian one), the
nearest-center clusterers (AffinityPropagation, MeanShift), each alone, after a scaler and in a
ColumnTransformer; KMeans and FeatureAgglomeration also as a transformer before a final estimator. The
clusterers without a predict for new rows are refused by name, Birch for its fitted state (a cycle)."""
from __future__ import annotations

import numpy as np
from sklearn.cluster import (
    Birch,
    AffinityPropagation,
    BisectingKMeans,
    FeatureAgglomeration,
    KMeans,
    MeanShift,
    MiniBatchKMeans,
)
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier

import data
from case import Case


def _float32(d: data.Dataset) -> data.Dataset:
    """The same rows in float32 columns: a KMeans fitted on them keeps float32 centers, and its predict
    takes float32 rows only (scikit-learn 1.9 fails on float64 ones: a buffer dtype mismatch)."""
    return data.Dataset(d.X.astype(np.float32), d.y, d.Xt.astype(np.float32), d.task)


def _blobs(seed: int, classes: int = 3, features: int = 5) -> data.Dataset:
    return data.classification(classes, "int", features=features, seed=seed, separation=2.0)


def _cloud(seed: int, classes: int = 3) -> data.Dataset:
    """160 held-out rows scattered around the training ones: many fall near the boundaries between
    clusters, where a bisecting tree's answer and the nearest center's differ."""
    return data.cloud(_blobs(seed, classes), seed=seed)


def _columns(final):
    """Scaled numeric columns and min-max ones, the rest dropped: the clusterer sees 4 of 5 columns."""
    return make_pipeline(
        ColumnTransformer(
            [
                ("scaled", StandardScaler(), ["alpha", "beta"]),
                ("ranged", MinMaxScaler(), ["gamma", "delta"]),
            ]
        ),
        final,
    )


def kmeans() -> list[Case]:
    fam = "k-means"
    table = {
        "kmeans-lloyd": (lambda: KMeans(3, n_init=3), lambda: _cloud(1600), True),
        "kmeans-elkan": (lambda: KMeans(3, algorithm="elkan", n_init=3), lambda: _blobs(1601), False),
        "kmeans-two": (lambda: KMeans(2, n_init=2), lambda: _blobs(1602, 2), True),
        "kmeans-eight": (lambda: KMeans(8, n_init=2), lambda: _blobs(1603, 4), False),
        "kmeans-one": (lambda: KMeans(1, n_init=1), lambda: _blobs(1604), True),
        "kmeans-random-init": (lambda: KMeans(4, init="random", n_init=4), lambda: _blobs(1605), False),
        "kmeans-float32": (lambda: KMeans(3, n_init=3), lambda: _float32(_blobs(1606)), True),
        "kmeans-float32-elkan": (
            lambda: KMeans(5, algorithm="elkan", n_init=2),
            lambda: _float32(_blobs(1607)),
            False,
        ),
        "kmeans-one-feature": (lambda: KMeans(3, n_init=2), lambda: _blobs(1608, 2, features=1), True),
        "kmeans-scaled": (lambda: make_pipeline(StandardScaler(), KMeans(4, n_init=3)), lambda: _blobs(1609), True),
        "kmeans-columns": (lambda: _columns(KMeans(3, n_init=3)), lambda: _blobs(1610), True),
        # Integer points on a small grid: rows repeat and centers sit on simple fractions.
        "kmeans-grid": (lambda: KMeans(4, n_init=2), lambda: data.ties(seed=1611), False),
        "minibatch": (lambda: MiniBatchKMeans(3, batch_size=32, n_init=3), lambda: _blobs(1620), True),
        "minibatch-many": (lambda: MiniBatchKMeans(6, batch_size=16, n_init=2), lambda: _blobs(1621), False),
        "minibatch-float32": (lambda: MiniBatchKMeans(4, n_init=2), lambda: _float32(_blobs(1622)), True),
        "minibatch-scaled": (
            lambda: make_pipeline(StandardScaler(), MiniBatchKMeans(3, init="random", n_init=3)),
            lambda: _blobs(1623),
            False,
        ),
        "bisecting": (lambda: BisectingKMeans(4), lambda: _cloud(1630), True),
        "bisecting-largest": (
            lambda: BisectingKMeans(5, bisecting_strategy="largest_cluster"),
            lambda: _cloud(1631),
            False,
        ),
        "bisecting-elkan": (lambda: BisectingKMeans(3, algorithm="elkan", n_init=2), lambda: _cloud(1632), True),
        "bisecting-two": (lambda: BisectingKMeans(2), lambda: _cloud(1633, 2), False),
        "bisecting-float32": (lambda: BisectingKMeans(6), lambda: _float32(_cloud(1634)), True),
        "bisecting-scaled": (lambda: make_pipeline(StandardScaler(), BisectingKMeans(7)), lambda: _cloud(1635), False),
        # KMeans.transform (the distances to the centers) as a step before a classifier.
        "kmeans-step-logreg": (
            lambda: make_pipeline(StandardScaler(), KMeans(5, n_init=2), LogisticRegression(max_iter=1000)),
            lambda: data.classification(3, "str", seed=1640),
            True,
        ),
        "minibatch-step-logreg": (
            lambda: make_pipeline(MiniBatchKMeans(4, n_init=2), LogisticRegression(max_iter=1000)),
            lambda: data.classification(2, "int", seed=1641),
            False,
        ),
    }
    return [Case(name, fam, make, dataset, frame=frame) for name, (make, dataset, frame) in table.items()]


def mixtures() -> list[Case]:
    fam = "mixtures"
    out: list[Case] = []
    for i, cov in enumerate(["full", "tied", "diag", "spherical"]):
        seed = 1700 + 10 * i
        out += [
            Case(f"gmm-{cov}", fam, lambda cov=cov: GaussianMixture(3, covariance_type=cov), lambda s=seed: _cloud(s), frame=i % 2 == 0),
            Case(
                f"gmm-{cov}-four",
                fam,
                lambda cov=cov: GaussianMixture(4, covariance_type=cov, n_init=2, reg_covar=1e-4),
                lambda s=seed + 1: _blobs(s, 4),
                frame=i % 2 == 1,
            ),
            Case(
                f"gmm-{cov}-scaled",
                fam,
                lambda cov=cov: make_pipeline(StandardScaler(), GaussianMixture(2, covariance_type=cov, init_params="random")),
                lambda s=seed + 2: _blobs(s, 2),
            ),
            Case(
                f"bgmm-{cov}",
                fam,
                lambda cov=cov: BayesianGaussianMixture(n_components=4, covariance_type=cov, max_iter=200),
                lambda s=seed + 3: _blobs(s),
                frame=i % 2 == 0,
            ),
            Case(
                f"bgmm-{cov}-dirichlet",
                fam,
                lambda cov=cov: make_pipeline(
                    StandardScaler(),
                    BayesianGaussianMixture(
                        n_components=3,
                        covariance_type=cov,
                        weight_concentration_prior_type="dirichlet_distribution",
                        weight_concentration_prior=0.5,
                        max_iter=200,
                    ),
                ),
                lambda s=seed + 4: _blobs(s),
                frame=i % 2 == 1,
            ),
        ]
    out += [
        Case("gmm-columns", fam, lambda: _columns(GaussianMixture(3, covariance_type="full")), lambda: _blobs(1750)),
        Case(
            "bgmm-columns",
            fam,
            lambda: _columns(BayesianGaussianMixture(n_components=3, covariance_type="diag", max_iter=200)),
            lambda: _blobs(1751),
        ),
        Case("gmm-one-feature", fam, lambda: GaussianMixture(2), lambda: _blobs(1752, 2, features=1), frame=False),
        Case("gmm-one", fam, lambda: GaussianMixture(1, covariance_type="diag"), lambda: _blobs(1753)),
    ]
    return out


def others() -> list[Case]:
    fam = "clusterers, other"
    table = {
        "affinity-propagation": (lambda: AffinityPropagation(), lambda: _blobs(1800), True),
        "affinity-propagation-scaled": (
            lambda: make_pipeline(StandardScaler(), AffinityPropagation(damping=0.8)),
            lambda: _blobs(1801),
            False,
        ),
        "mean-shift": (lambda: make_pipeline(StandardScaler(), MeanShift(bandwidth=1.2)), lambda: _blobs(1810), True),
        "mean-shift-bandwidth": (
            lambda: make_pipeline(StandardScaler(), MeanShift(bandwidth=1.5, cluster_all=False)),
            lambda: _blobs(1811),
            False,
        ),
        # Refused: the fitted clustering-feature tree links its leaves both ways (a cycle).
        "birch": (lambda: make_pipeline(StandardScaler(), Birch(n_clusters=3)), lambda: _blobs(1820), True),
        "birch-step-logreg": (
            lambda: make_pipeline(StandardScaler(), Birch(n_clusters=None, threshold=1.0), LogisticRegression(max_iter=1000)),
            lambda: data.classification(3, "int", seed=1823),
            False,
        ),
        # FeatureAgglomeration's transform, the mean of each cluster of features, before a final estimator.
        "feature-agglomeration-logreg": (
            lambda: make_pipeline(StandardScaler(), FeatureAgglomeration(n_clusters=3), LogisticRegression(max_iter=1000)),
            lambda: data.classification(3, "int", seed=1830),
            True,
        ),
        "feature-agglomeration-average-ridge": (
            lambda: make_pipeline(
                StandardScaler(), FeatureAgglomeration(n_clusters=2, linkage="average", metric="manhattan"), Ridge()
            ),
            lambda: data.regression(seed=1831),
            False,
        ),
        "feature-agglomeration-threshold-tree": (
            lambda: make_pipeline(
                FeatureAgglomeration(n_clusters=None, distance_threshold=200.0, linkage="single"),
                DecisionTreeClassifier(max_depth=4),
            ),
            lambda: data.classification(2, "str", seed=1832),
            True,
        ),
        # Refused: a pooling function other than numpy's mean (the file names numpy.median).
        "feature-agglomeration-median-refused": (
            lambda: make_pipeline(FeatureAgglomeration(n_clusters=2, pooling_func=np.median), Ridge()),
            lambda: data.regression(seed=1833),
            False,
        ),
    }
    return [Case(name, fam, make, dataset, frame=frame) for name, (make, dataset, frame) in table.items()]


def cases() -> list[Case]:
    return kmeans() + mixtures() + others()
