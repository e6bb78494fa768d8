"""Cases for the transformers of issue 16: the decompositions (PCA and its kin), the per-column and
per-row preprocessing steps (PolynomialFeatures ... KNNImputer, MissingIndicator) and feature selection,
each in a Pipeline before a final estimator modelgate converts (a logistic regression, a ridge, a tree),
and some inside a ColumnTransformer."""
from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, FactorAnalysis, FastICA, IncrementalPCA, TruncatedSVD
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import data
from case import Case


def logreg():
    return LogisticRegression(max_iter=1000)


def tree_cls():
    return DecisionTreeClassifier(max_depth=4, random_state=0)


def tree_reg():
    return DecisionTreeRegressor(max_depth=4, random_state=0)


FINALS = {
    "logreg": (logreg, lambda seed: data.classification(3, "str", seed=seed)),
    "logreg2": (logreg, lambda seed: data.classification(2, "int", seed=seed)),
    "ridge": (lambda: Ridge(alpha=1.0), lambda seed: data.regression(seed=seed)),
    "tree": (tree_cls, lambda seed: data.classification(3, "int", seed=seed)),
    "tree-reg": (tree_reg, lambda seed: data.regression(seed=seed)),
}


def over_finals(prefix: str, family: str, make_step, finals, seed: int) -> list[Case]:
    """The step before each named final estimator, alternating frames and arrays."""
    out = []
    for j, fname in enumerate(finals):
        final, dataset = FINALS[fname]
        out.append(
            Case(
                f"{prefix}-{fname}",
                family,
                lambda final=final: make_pipeline(make_step(), final()),
                lambda dataset=dataset, s=seed + j: dataset(s),
                frame=j % 2 == 0,
            )
        )
    return out


def _test_missing(d: data.Dataset, rate: float = 0.2, seed: int = 0) -> data.Dataset:
    """NaN in the held-out rows only (a step that refuses NaN: scikit-learn refuses those rows)."""
    import numpy as np

    rng = np.random.default_rng(seed + 8000)
    Xt = d.Xt.copy()
    Xt = Xt.mask(rng.random(Xt.shape) < rate)
    return data.Dataset(d.X, d.y, Xt, d.task)


def decompositions() -> list[Case]:
    fam = "decomposition"
    out: list[Case] = []
    settings = {
        "pca-2": lambda: PCA(n_components=2),
        "pca-whiten": lambda: PCA(n_components=3, whiten=True),
        "pca-float": lambda: PCA(n_components=0.9, svd_solver="full"),
        "pca-mle": lambda: PCA(n_components="mle", svd_solver="full"),
        "pca-all": lambda: PCA(),
        "pca-arpack": lambda: PCA(n_components=2, svd_solver="arpack", random_state=0),
        "pca-randomized-whiten": lambda: PCA(n_components=3, svd_solver="randomized", whiten=True, random_state=0),
        "pca-covariance-eigh": lambda: PCA(n_components=3, svd_solver="covariance_eigh"),
        "incremental-pca": lambda: IncrementalPCA(n_components=3, batch_size=30),
        "incremental-pca-whiten": lambda: IncrementalPCA(n_components=2, whiten=True),
        "truncated-svd": lambda: TruncatedSVD(n_components=3, random_state=0),
        "truncated-svd-arpack": lambda: TruncatedSVD(n_components=2, algorithm="arpack"),
        "factor-analysis": lambda: FactorAnalysis(n_components=2, random_state=0),
        "factor-analysis-lapack": lambda: FactorAnalysis(n_components=3, svd_method="lapack"),
        "fast-ica": lambda: FastICA(n_components=3, random_state=0, max_iter=400),
        # Unwhitened sources of raw features are ill-conditioned (a ridge over them answers 1e16): scaled.
        "fast-ica-no-whiten": lambda: make_pipeline(StandardScaler(), FastICA(whiten=False, random_state=0, max_iter=400)),
        "fast-ica-arbitrary": lambda: FastICA(n_components=2, whiten="arbitrary-variance", random_state=0),
        "gaussian-projection": lambda: GaussianRandomProjection(n_components=3, random_state=0),
    }
    finals = [["logreg", "ridge"], ["logreg2", "tree"], ["tree-reg", "logreg"]]
    for i, (name, make) in enumerate(settings.items()):
        # Scaled first where the projection is scale-sensitive, raw elsewhere: both must match.
        scaled = i % 2 == 0
        step = (lambda make=make: make_pipeline(StandardScaler(), make())) if scaled else make

        def make_step(step=step):
            s = step()
            return s

        for c in over_finals(name, fam, make_step, finals[i % 3], 200 + 3 * i):
            out.append(c)
    out += [
        Case(
            "pca-imputed-missing-logreg",
            fam,
            lambda: make_pipeline(SimpleImputer(), PCA(n_components=3), logreg()),
            lambda: data.classification(3, "int", missing=0.15, seed=260),
        ),
        # NaN reaches the PCA: scikit-learn refuses the rows, modelgate's card must too.
        Case(
            "pca-missing-refused-tree",
            fam,
            lambda: make_pipeline(PCA(n_components=3), tree_cls()),
            lambda: _test_missing(data.classification(3, "int", seed=261)),
        ),
        Case(
            "pca-in-columns-logreg",
            fam,
            lambda: make_pipeline(
                ColumnTransformer(
                    [("pca", make_pipeline(StandardScaler(), PCA(n_components=2)), ["alpha", "beta", "gamma"]),
                     ("rest", "passthrough", ["delta", "epsilon"])]
                ),
                logreg(),
            ),
            lambda: data.classification(3, "int", seed=262),
        ),
        Case(
            "sparse-projection-refused",
            fam,
            lambda: make_pipeline(SparseRandomProjection(n_components=3, random_state=0), Ridge()),
            lambda: data.regression(seed=263),
        ),
    ]
    return out


def cases() -> list[Case]:
    return decompositions()
