"""Cases for the transformers of issue 16: the decompositions (PCA and its kin), the per-column and
per-row preprocessing steps (PolynomialFeatures ... KNNImputer, MissingIndicator) and feature selection,
each in a Pipeline before a final estimator modelgate converts (a logistic regression, a ridge, a tree),
and some inside a ColumnTransformer."""
from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.decomposition import (
    PCA,
    FactorAnalysis,
    FastICA,
    IncrementalPCA,
    KernelPCA,
    NMF,
    MiniBatchSparsePCA,
    SparsePCA,
    TruncatedSVD,
)
from sklearn.kernel_approximation import AdditiveChi2Sampler, Nystroem, RBFSampler, SkewedChi2Sampler
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, MissingIndicator, SimpleImputer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.feature_selection import (
    RFE,
    RFECV,
    GenericUnivariateSelect,
    SelectFdr,
    SelectFpr,
    SelectFromModel,
    SelectFwe,
    SelectKBest,
    SelectPercentile,
    SequentialFeatureSelector,
    VarianceThreshold,
    chi2,
    f_regression,
    mutual_info_classif,
    mutual_info_regression,
    r_regression,
)
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.pipeline import FeatureUnion, make_union
from sklearn.preprocessing import (
    Binarizer,
    KBinsDiscretizer,
    MinMaxScaler,
    Normalizer,
    PolynomialFeatures,
    PowerTransformer,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)
from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection
from sklearn.svm import LinearSVC
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
        "kernel-pca-rbf": lambda: make_pipeline(StandardScaler(), KernelPCA(n_components=4, kernel="rbf", gamma=0.2)),
        "kernel-pca-linear": lambda: KernelPCA(n_components=3),
        "kernel-pca-poly": lambda: make_pipeline(StandardScaler(), KernelPCA(n_components=3, kernel="poly", degree=2)),
        "kernel-pca-sigmoid": lambda: make_pipeline(StandardScaler(), KernelPCA(n_components=3, kernel="sigmoid", gamma=0.05, coef0=0.5)),
        "kernel-pca-cosine": lambda: make_pipeline(StandardScaler(), KernelPCA(n_components=3, kernel="cosine")),
        "sparse-pca": lambda: make_pipeline(StandardScaler(), SparsePCA(n_components=3, random_state=0)),
        "minibatch-sparse-pca": lambda: make_pipeline(StandardScaler(), MiniBatchSparsePCA(n_components=2, ridge_alpha=0.5, max_iter=20, random_state=0)),
        "rbf-sampler": lambda: make_pipeline(StandardScaler(), RBFSampler(gamma=0.3, n_components=20, random_state=0)),
        "skewed-chi2": lambda: make_pipeline(MinMaxScaler(), SkewedChi2Sampler(skewedness=0.5, n_components=15, random_state=0)),
        "nystroem-rbf": lambda: make_pipeline(StandardScaler(), Nystroem(n_components=30, random_state=0)),
        "nystroem-poly": lambda: make_pipeline(StandardScaler(), Nystroem(kernel="polynomial", degree=2, gamma=0.2, n_components=20, random_state=0)),
        "nystroem-sigmoid": lambda: make_pipeline(StandardScaler(), Nystroem(kernel="sigmoid", gamma=0.05, coef0=0.1, n_components=20, random_state=0)),
        "nystroem-cosine": lambda: make_pipeline(StandardScaler(), Nystroem(kernel="cosine", n_components=25, random_state=0)),
        "kernel-pca-arpack": lambda: make_pipeline(StandardScaler(), KernelPCA(n_components=2, kernel="rbf", eigen_solver="arpack")),
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
            "additive-chi2-logreg",
            fam,
            lambda: make_pipeline(MinMaxScaler(clip=True), AdditiveChi2Sampler(), logreg()),
            lambda: data.classification(3, "int", seed=265),
        ),
        Case(
            "additive-chi2-steps-ridge",
            fam,
            lambda: make_pipeline(MinMaxScaler(clip=True), AdditiveChi2Sampler(sample_steps=3), Ridge()),
            lambda: data.regression(seed=266),
            frame=False,
        ),
        Case(
            "nmf-refused",
            fam,
            lambda: make_pipeline(MinMaxScaler(), NMF(n_components=2, max_iter=500, random_state=0), logreg()),
            lambda: data.classification(3, "int", seed=267),
        ),
        Case(
            "sparse-projection-ridge",
            fam,
            lambda: make_pipeline(SparseRandomProjection(n_components=3, random_state=0), Ridge()),
            lambda: data.regression(seed=263),
        ),
        Case(
            "sparse-projection-dense-logreg",
            fam,
            lambda: make_pipeline(StandardScaler(), SparseRandomProjection(n_components=4, density=0.5, dense_output=True, random_state=0), logreg()),
            lambda: data.classification(3, "str", seed=264),
            frame=False,
        ),
    ]
    return out


def _wider(d: data.Dataset, factor: float = 1.8) -> data.Dataset:
    """Held-out rows spread wider than the training rows: many beyond the first and last quantile."""
    mean = d.X.mean()
    return data.Dataset(d.X, d.y, (d.Xt - mean) * factor + mean, d.task)


def _positive(d: data.Dataset) -> data.Dataset:
    """Every value above zero (Box-Cox's domain), held out too."""
    low = min(d.X.min().min(), d.Xt.min().min())
    return data.Dataset(d.X - low + 0.5, d.y, d.Xt - low + 0.5, d.task)


def _nonpositive(d: data.Dataset, by: float = 0.0) -> data.Dataset:
    """Held-out rows with some values at or below zero (every ninth row's first feature, and every
    seventh's second, moved below its training minimum by `by` times its spread plus its value)."""
    Xt = d.Xt.copy()
    first, second = Xt.columns[0], Xt.columns[1]
    Xt.iloc[::9, 0] = -Xt.iloc[::9, 0].abs() - by * float(d.X[first].std())
    Xt.iloc[3::7, 1] = 0.0 if by == 0.0 else float(d.X[second].min()) - by * float(d.X[second].std())
    return data.Dataset(d.X, d.y, Xt, d.task)


def _repeated(d: data.Dataset) -> data.Dataset:
    """Values rounded to a coarse grid, in training and held out: repeated quantiles, values on them."""
    step = d.X.std() / 2.0
    return data.Dataset((d.X / step).round() * step, d.y, (d.Xt / step).round() * step, d.task)


def preprocessing() -> list[Case]:
    fam = "preprocessing"
    settings = {
        "polynomial-2": lambda: make_pipeline(StandardScaler(), PolynomialFeatures(2)),
        "polynomial-3-interaction": lambda: make_pipeline(StandardScaler(), PolynomialFeatures(3, interaction_only=True)),
        "polynomial-no-bias": lambda: make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False)),
        "polynomial-range": lambda: make_pipeline(StandardScaler(), PolynomialFeatures((2, 3), order="F")),
        "polynomial-raw": lambda: PolynomialFeatures(2),
        "normalizer-l2": lambda: Normalizer(),
        "normalizer-l1": lambda: Normalizer(norm="l1"),
        "normalizer-max": lambda: make_pipeline(StandardScaler(), Normalizer(norm="max")),
        "binarizer": lambda: make_pipeline(StandardScaler(), Binarizer()),
        "binarizer-threshold": lambda: Binarizer(threshold=5.0),
        "kbins-onehot-quantile": lambda: KBinsDiscretizer(n_bins=4, encode="onehot", strategy="quantile"),
        "kbins-dense-uniform": lambda: KBinsDiscretizer(n_bins=5, encode="onehot-dense", strategy="uniform"),
        "kbins-ordinal-kmeans": lambda: KBinsDiscretizer(n_bins=3, encode="ordinal", strategy="kmeans"),
        "kbins-ordinal-quantile": lambda: KBinsDiscretizer(n_bins=6, encode="ordinal", strategy="quantile"),
        "quantile-uniform": lambda: QuantileTransformer(n_quantiles=30),
        "quantile-uniform-few": lambda: QuantileTransformer(n_quantiles=7),
        "power-yeo-johnson": lambda: PowerTransformer(),
        "power-yeo-johnson-raw": lambda: PowerTransformer(standardize=False),
        "spline-constant": lambda: make_pipeline(StandardScaler(), SplineTransformer()),
        "spline-linear": lambda: make_pipeline(StandardScaler(), SplineTransformer(n_knots=4, degree=2, extrapolation="linear")),
        "spline-continue": lambda: make_pipeline(StandardScaler(), SplineTransformer(n_knots=5, extrapolation="continue")),
        "spline-periodic": lambda: make_pipeline(StandardScaler(), SplineTransformer(n_knots=4, extrapolation="periodic")),
        "spline-quantile-knots": lambda: SplineTransformer(n_knots=4, knots="quantile", include_bias=False),
        "spline-degree-1": lambda: make_pipeline(StandardScaler(), SplineTransformer(n_knots=3, degree=1, extrapolation="linear")),
    }
    finals = [["logreg", "ridge"], ["logreg2", "tree"], ["tree-reg", "logreg"]]
    out: list[Case] = []
    for i, (name, make) in enumerate(settings.items()):
        out += over_finals(name, fam, make, finals[i % 3], 300 + 3 * i)
    cls = lambda seed, **kw: lambda: data.classification(3, "int", seed=seed, **kw)  # noqa: E731
    reg = lambda seed, **kw: lambda: data.regression(seed=seed, **kw)  # noqa: E731
    more = [
        ("kbins-quantile-method", lambda: make_pipeline(
            KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile", quantile_method="averaged_inverted_cdf"),
            logreg()), cls(360), True, ((1, 7), (99, 0))),
        ("kbins-repeated-edges", lambda: make_pipeline(KBinsDiscretizer(n_bins=5, encode="onehot"), logreg()),
         lambda: _repeated(data.classification(3, "int", seed=361)), False, None),
        ("quantile-repeated", lambda: make_pipeline(QuantileTransformer(n_quantiles=40), logreg()),
         lambda: _repeated(data.classification(3, "int", seed=362)), True, None),
        ("quantile-repeated-ridge", lambda: make_pipeline(QuantileTransformer(n_quantiles=15), Ridge()),
         lambda: _repeated(data.regression(seed=363)), False, None),
        ("quantile-missing-tree", lambda: make_pipeline(QuantileTransformer(n_quantiles=20), tree_cls()),
         cls(364, missing=0.15), True, None),
        ("quantile-normal-logreg", lambda: make_pipeline(QuantileTransformer(n_quantiles=20, output_distribution="normal"), logreg()),
         cls(365), True, None),
        ("quantile-normal-wide-ridge", lambda: make_pipeline(QuantileTransformer(n_quantiles=50, output_distribution="normal"), Ridge()),
         lambda: _wider(data.regression(seed=376)), False, None),
        ("quantile-normal-repeated-tree", lambda: make_pipeline(QuantileTransformer(n_quantiles=30, output_distribution="normal"), tree_reg()),
         lambda: _repeated(data.regression(seed=377)), True, None),
        ("quantile-normal-missing-hgb", lambda: make_pipeline(QuantileTransformer(n_quantiles=25, output_distribution="normal"), HistGradientBoostingClassifier(max_iter=5)),
         cls(378, missing=0.15), False, None),
        ("power-box-cox", lambda: make_pipeline(PowerTransformer(method="box-cox"), Ridge()),
         lambda: _positive(data.regression(seed=366)), True, None),
        ("power-box-cox-logreg", lambda: make_pipeline(PowerTransformer(method="box-cox", standardize=False), logreg()),
         lambda: _positive(data.classification(2, "str", seed=367)), False, None),
        ("power-missing-imputed", lambda: make_pipeline(PowerTransformer(), SimpleImputer(), logreg()),
         cls(368, missing=0.15), True, None),
        ("polynomial-missing-refused", lambda: make_pipeline(PolynomialFeatures(2), tree_cls()),
         lambda: _test_missing(data.classification(3, "int", seed=369)), True, None),
        ("polynomial-in-columns", lambda: make_pipeline(
            ColumnTransformer([("poly", make_pipeline(StandardScaler(), PolynomialFeatures(2)), ["alpha", "beta"]),
                               ("bins", KBinsDiscretizer(n_bins=3), ["gamma"]),
                               ("q", QuantileTransformer(n_quantiles=20), ["delta", "epsilon"])]),
            logreg()), cls(370), True, None),
        ("missing-indicator-new-refused", lambda: make_pipeline(
            ColumnTransformer([("ind", MissingIndicator(), ["alpha", "beta", "gamma"]), ("imp", SimpleImputer(), ["alpha", "beta", "gamma", "delta", "epsilon"])]), logreg()),
         lambda: _missing_in(data.classification(3, "int", seed=372), ["alpha"], test_only=["beta"]), True, None),
        ("missing-indicator-all", lambda: make_pipeline(
            ColumnTransformer([("ind", MissingIndicator(features="all"), [0, 1, 2]), ("imp", SimpleImputer(), [0, 1, 2, 3, 4])]), Ridge()),
         lambda: _missing_in(data.regression(seed=373), [0, 3], test_only=[1]), False, None),
        ("spline-wide-constant", lambda: make_pipeline(SplineTransformer(n_knots=4), logreg()),
         lambda: _wider(data.classification(3, "int", seed=390)), True, None),
        ("spline-wide-linear-ridge", lambda: make_pipeline(SplineTransformer(n_knots=5, degree=3, extrapolation="linear"), Ridge()),
         lambda: _wider(data.regression(seed=391)), False, None),
        ("spline-wide-periodic", lambda: make_pipeline(SplineTransformer(n_knots=5, degree=2, extrapolation="periodic"), logreg()),
         lambda: _wider(data.classification(3, "int", seed=392)), True, None),
        ("spline-wide-continue-ridge", lambda: make_pipeline(SplineTransformer(n_knots=4, extrapolation="continue"), Ridge()),
         lambda: _wider(data.regression(seed=393)), True, None),
        ("spline-missing-zeros", lambda: make_pipeline(SplineTransformer(n_knots=4, handle_missing="zeros"), logreg()),
         cls(394, missing=0.15), True, ((1, 8), (99, 0))),
        ("spline-missing-refused", lambda: make_pipeline(SplineTransformer(n_knots=4), tree_cls()),
         lambda: _test_missing(data.classification(3, "int", seed=395)), True, None),
        ("spline-error-refused", lambda: make_pipeline(SplineTransformer(n_knots=4, extrapolation="error"), Ridge()),
         reg(396), True, None),
        ("imputer-indicator-median-tree", lambda: make_pipeline(SimpleImputer(strategy="median", add_indicator=True), tree_cls()),
         cls(374, missing=0.15), True, None),
        ("imputer-indicator-some-columns", lambda: make_pipeline(SimpleImputer(add_indicator=True), Ridge()),
         lambda: _missing_in(data.regression(seed=375), ["alpha", "delta"], test_only=["beta"]), True, None),
    ]
    knn = [
        ("knn-uniform-logreg", lambda: KNNImputer(), cls(380, missing=0.15), True),
        ("knn-distance-ridge", lambda: KNNImputer(n_neighbors=3, weights="distance"), reg(381, missing=0.15), False),
        ("knn-one-tree", lambda: KNNImputer(n_neighbors=1), cls(382, missing=0.2), True),
        ("knn-indicator-logreg", lambda: KNNImputer(add_indicator=True), cls(383, missing=0.15), False),
        ("knn-scaled-distance-tree", lambda: make_pipeline(StandardScaler(), KNNImputer(n_neighbors=4, weights="distance")), cls(384, missing=0.25), True),
        ("knn-many-missing-ridge", lambda: KNNImputer(n_neighbors=7), reg(385, missing=0.45), True),
        ("knn-empty-kept", lambda: KNNImputer(keep_empty_features=True), lambda: _empty(data.classification(3, "int", missing=0.1, seed=386)), True),
        ("knn-empty-dropped", lambda: KNNImputer(), lambda: _empty(data.classification(3, "int", missing=0.1, seed=387)), False),
    ]
    knn += [
        ("iterative-logreg", lambda: IterativeImputer(random_state=0), cls(397, missing=0.15), True),
        ("iterative-ridge-rounds", lambda: IterativeImputer(max_iter=3, tol=0, random_state=0), reg(398, missing=0.2), False),
        ("iterative-clipped-tree", lambda: IterativeImputer(min_value=-1.0, max_value=50.0, initial_strategy="median", random_state=0), cls(399, missing=0.2), True),
        ("iterative-ridge-estimator-ridge", lambda: IterativeImputer(estimator=Ridge(), imputation_order="random", random_state=0), reg(440, missing=0.15), True),
        ("iterative-nearest-indicator-logreg", lambda: IterativeImputer(n_nearest_features=2, add_indicator=True, random_state=0), cls(441, missing=0.15), False),
        ("iterative-tree-estimator-ridge", lambda: IterativeImputer(estimator=DecisionTreeRegressor(max_depth=3, random_state=0), max_iter=2, random_state=0), reg(442, missing=0.15), True),
        ("iterative-empty-logreg", lambda: IterativeImputer(random_state=0), lambda: _empty(data.classification(3, "int", missing=0.1, seed=444)), False),
        ("iterative-posterior-refused-logreg", lambda: IterativeImputer(sample_posterior=True, random_state=0), cls(445, missing=0.15), True),
    ]
    for name, step, dataset, frame in knn:
        final = (lambda: Ridge()) if "ridge" in name else tree_cls if "tree" in name else logreg
        more.append((name, lambda step=step, final=final: make_pipeline(step(), final()), dataset, frame, None))
    # Held-out numbers scikit-learn refuses (it raises) where the graph would compute NaN, which a later
    # step could take as a missing value and answer: a request below the feature's min is refused.
    more += [
        ("power-box-cox-nonpositive-hgb", lambda: make_pipeline(PowerTransformer(method="box-cox"), HistGradientBoostingRegressor(max_iter=5)),
         lambda: _nonpositive(_positive(data.regression(seed=470))), True, None),
        ("power-box-cox-scaled-missing-hgb", lambda: make_pipeline(StandardScaler(with_mean=False), PowerTransformer(method="box-cox", standardize=False), HistGradientBoostingClassifier(max_iter=5)),
         lambda: _nonpositive(_positive(data.classification(3, "int", seed=471, missing=0.1))), False, None),
        ("power-box-cox-nonpositive-imputed", lambda: make_pipeline(PowerTransformer(method="box-cox"), SimpleImputer(), logreg()),
         lambda: _nonpositive(_positive(data.classification(2, "str", seed=472, missing=0.1))), True, None),
        ("skewed-chi2-below-skewedness", lambda: make_pipeline(MinMaxScaler(), SkewedChi2Sampler(skewedness=0.5, n_components=10, random_state=0), logreg()),
         lambda: _nonpositive(data.classification(3, "int", seed=473), by=4.0), True, None),
        ("additive-chi2-negative", lambda: make_pipeline(AdditiveChi2Sampler(), logreg()),
         lambda: _nonpositive(_positive(data.classification(3, "int", seed=474))), False, None),
        ("power-box-cox-after-polynomial-refused", lambda: make_pipeline(PolynomialFeatures(2, include_bias=False), PowerTransformer(method="box-cox"), Ridge()),
         lambda: _positive(data.regression(seed=475)), True, None),
    ]
    for name, make, dataset, frame, versions in more:
        out.append(Case(name, fam, make, dataset, frame=frame, **({"versions": versions} if versions else {})))
    return out


def _empty(d: data.Dataset) -> data.Dataset:
    """One feature missing in every training row (an imputer has nothing to fill it with)."""
    import numpy as np

    X = d.X.copy()
    X["gamma"] = np.nan
    return data.Dataset(X, d.y, d.Xt, d.task)


def _missing_in(d: data.Dataset, columns=(), test_only=(), rate: float = 0.2, seed: int = 0) -> data.Dataset:
    """NaN in about `rate` of these columns' cells (by name or position), in training and held out;
    `test_only`: held out only."""
    import numpy as np

    rng = np.random.default_rng(seed + 9000)
    X, Xt = d.X.copy(), d.Xt.copy()
    name = lambda c: X.columns[c] if isinstance(c, int) else c  # noqa: E731
    for c in columns:
        X.loc[rng.random(len(X)) < rate, name(c)] = np.nan
        Xt.loc[rng.random(len(Xt)) < rate, name(c)] = np.nan
    for c in test_only:
        Xt.loc[rng.random(len(Xt)) < rate, name(c)] = np.nan
    return data.Dataset(X, d.y, Xt, d.task)


def selection() -> list[Case]:
    fam = "feature selection"
    cls = lambda seed, classes=3, **kw: lambda: data.classification(classes, "int", features=8, seed=seed, **kw)  # noqa: E731
    reg = lambda seed, **kw: lambda: data.regression(features=8, seed=seed, **kw)  # noqa: E731
    sc = StandardScaler
    table = [
        ("variance-threshold", lambda: make_pipeline(VarianceThreshold(threshold=2.0), logreg()), cls(400), True),
        ("variance-threshold-missing-hgb", lambda: make_pipeline(VarianceThreshold(threshold=1.0), HistGradientBoostingClassifier(max_iter=5)),
         cls(401, missing=0.1), True),
        ("kbest-f-classif", lambda: make_pipeline(sc(), SelectKBest(k=3), logreg()), cls(402), True),
        ("kbest-chi2", lambda: make_pipeline(MinMaxScaler(), SelectKBest(chi2, k=4), logreg()), cls(403, 2), False),
        ("kbest-f-regression", lambda: make_pipeline(SelectKBest(f_regression, k=2), Ridge()), reg(404), True),
        ("kbest-all", lambda: make_pipeline(SelectKBest(k="all"), tree_cls()), cls(405), False),
        ("kbest-mutual-info", lambda: make_pipeline(SelectKBest(mutual_info_regression, k=3), Ridge()), reg(406), True),
        ("kbest-r-regression", lambda: make_pipeline(SelectKBest(r_regression, k=3), tree_reg()), reg(407), False),
        ("percentile-25", lambda: make_pipeline(sc(), SelectPercentile(percentile=25), logreg()), cls(408), True),
        ("percentile-50-regression", lambda: make_pipeline(SelectPercentile(f_regression, percentile=50), Ridge()), reg(409), False),
        ("percentile-33", lambda: make_pipeline(SelectPercentile(mutual_info_classif, percentile=33), tree_cls()), cls(410), True),
        ("fpr", lambda: make_pipeline(sc(), SelectFpr(alpha=0.01), logreg()), cls(411), True),
        ("fdr", lambda: make_pipeline(sc(), SelectFdr(f_regression, alpha=0.01), Ridge()), reg(412), False),
        ("fwe", lambda: make_pipeline(sc(), SelectFwe(alpha=0.001), logreg()), cls(413, 2), True),
        ("generic-k-best", lambda: make_pipeline(GenericUnivariateSelect(mode="k_best", param=3), logreg()), cls(414), False),
        ("generic-percentile", lambda: make_pipeline(GenericUnivariateSelect(f_regression, mode="percentile", param=40), Ridge()), reg(415), True),
        ("generic-fdr", lambda: make_pipeline(GenericUnivariateSelect(mode="fdr", param=0.05), tree_cls()), cls(416), True),
        ("generic-fwe", lambda: make_pipeline(GenericUnivariateSelect(f_regression, mode="fwe", param=0.05), Ridge()), reg(417), False),
        ("kbest-missing-refused", lambda: make_pipeline(SelectKBest(k=3), tree_cls()), lambda: _test_missing(cls(418)()), True),
        ("from-model-logreg", lambda: make_pipeline(sc(), SelectFromModel(logreg()), logreg()), cls(419), True),
        ("from-model-l1", lambda: make_pipeline(sc(), SelectFromModel(LogisticRegression(penalty="l1", solver="liblinear", C=0.1)), tree_cls()), cls(420, 2), False),
        ("from-model-lasso", lambda: make_pipeline(sc(), SelectFromModel(Lasso(alpha=2.0)), Ridge()), reg(421), True),
        ("from-model-median", lambda: make_pipeline(sc(), SelectFromModel(Ridge(), threshold="median"), Ridge()), reg(422), False),
        ("from-model-scaled-mean", lambda: make_pipeline(sc(), SelectFromModel(logreg(), threshold="0.8*mean", norm_order=2), logreg()), cls(423), True),
        ("from-model-max-features", lambda: make_pipeline(sc(), SelectFromModel(Ridge(), threshold=-1.0, max_features=3), tree_reg()), reg(424), True),
        ("from-model-number", lambda: make_pipeline(sc(), SelectFromModel(LinearSVC(), threshold=0.05), logreg()), cls(425), False),
        ("from-model-tree", lambda: make_pipeline(SelectFromModel(tree_cls()), logreg()), cls(426), True),
        ("from-model-forest", lambda: make_pipeline(SelectFromModel(RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0)), Ridge()), reg(446), False),
        ("from-model-extra-trees-median", lambda: make_pipeline(SelectFromModel(ExtraTreesClassifier(n_estimators=4, random_state=0), threshold="median"), tree_cls()), cls(447), True),
        ("from-model-boosting-refused", lambda: make_pipeline(SelectFromModel(GradientBoostingClassifier(n_estimators=3, random_state=0)), logreg()), cls(448), True),
        ("rfe-logreg", lambda: make_pipeline(sc(), RFE(logreg(), n_features_to_select=3)), cls(427), True),
        ("rfe-ridge-step", lambda: RFE(Ridge(), n_features_to_select=0.5, step=2), reg(428), False),
        ("rfe-tree", lambda: RFE(tree_cls(), n_features_to_select=4), cls(429, 2), True),
        ("rfecv-logreg", lambda: make_pipeline(sc(), RFECV(logreg(), cv=3)), cls(430), True),
        ("rfecv-ridge", lambda: RFECV(Ridge(), cv=3, min_features_to_select=2), reg(431), False),
        ("sequential-forward", lambda: make_pipeline(sc(), SequentialFeatureSelector(logreg(), n_features_to_select=3, cv=2), logreg()), cls(432), True),
        ("sequential-backward", lambda: make_pipeline(SequentialFeatureSelector(Ridge(), n_features_to_select=4, direction="backward", cv=2), Ridge()), reg(433), False),
        ("union-pca-kbest", lambda: make_pipeline(sc(), make_union(PCA(n_components=2), SelectKBest(k=2)), logreg()), cls(434), True),
        ("union-weights", lambda: make_pipeline(
            FeatureUnion([("s", sc()), ("p", make_pipeline(sc(), PCA(n_components=3))), ("d", "drop"), ("raw", "passthrough")],
                         transformer_weights={"s": 2.0, "p": 0.5}), Ridge()), reg(435), False),
        ("union-tree", lambda: make_pipeline(make_union(MinMaxScaler(), PolynomialFeatures(2, include_bias=False)), tree_cls()), cls(436), True),
        ("union-missing-indicator", lambda: make_pipeline(make_union(SimpleImputer(), MissingIndicator()), logreg()), cls(437, missing=0.15), True),
    ]
    return [Case(f"select-{name}", fam, make, dataset, frame) for name, make, dataset, frame in table]


def cases() -> list[Case]:
    return decompositions() + preprocessing() + selection()
