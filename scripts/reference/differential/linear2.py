"""Cases for the other linear models: LogisticRegressionCV, the ridge, perceptron and passive-aggressive
classifiers (labels by the decision function, no probabilities), the cross-validated, robust, Bayesian
and least-angle regressors (X · coef_ + intercept_), the generalized linear models (through their link)
and RANSACRegressor (its fitted estimator_), over the settings that change their arithmetic."""
from __future__ import annotations

from sklearn.covariance import OAS, EmpiricalCovariance, LedoitWolf, ShrunkCovariance
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.linear_model import (
    ARDRegression,
    BayesianRidge,
    ElasticNetCV,
    GammaRegressor,
    HuberRegressor,
    Lars,
    LarsCV,
    LassoCV,
    LassoLars,
    LassoLarsCV,
    LassoLarsIC,
    LinearRegression,
    LogisticRegression,
    LogisticRegressionCV,
    MultiTaskLasso,
    OrthogonalMatchingPursuit,
    OrthogonalMatchingPursuitCV,
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
    Perceptron,
    PoissonRegressor,
    QuantileRegressor,
    RANSACRegressor,
    Ridge,
    RidgeClassifier,
    RidgeClassifierCV,
    RidgeCV,
    SGDRegressor,
    TheilSenRegressor,
    TweedieRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import data
from case import Case
from linear import _two_targets


def _scaled(est):
    return make_pipeline(StandardScaler(), est)


def logistic_cv() -> list[Case]:
    settings = {
        "binary": (dict(), 2, "int"),
        "multi": (dict(), 3, "str"),
        "liblinear": (dict(solver="liblinear"), 2, "bool"),
        "saga-l1": (dict(solver="saga", l1_ratios=(1.0,)), 3, "int"),
        "no-intercept": (dict(fit_intercept=False), 3, "sparse"),
        "balanced": (dict(class_weight="balanced", Cs=4), 4, "int"),
    }
    out = [
        Case(
            f"logregcv-{name}",
            "LogisticRegressionCV",
            lambda kw=kw: _scaled(LogisticRegressionCV(cv=3, max_iter=2000, **({"Cs": 5} | kw))),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=1000 + i),
            frame=i % 2 == 0,
        )
        for i, (name, (kw, classes, labels)) in enumerate(settings.items())
    ]
    # l1_ratios without a penalty: scikit-learn 1.8 and later (before, penalty="l1" said it).
    for case in out:
        if case.name == "logregcv-saga-l1":
            case.versions = ((1, 8), (99, 0))
    # multi_class and liblinear's one-vs-rest over 3+ classes: scikit-learn 1.7 and older only (the
    # committed set is 1.9's; the live 1.6.1 run checks these).
    older = ((1, 0), (1, 6))
    out += [
        Case(
            "logregcv-ovr-multi",
            "LogisticRegressionCV",
            lambda: _scaled(LogisticRegressionCV(cv=3, Cs=4, multi_class="ovr")),
            lambda: data.classification(3, "str", seed=1010),
            versions=older,
        ),
        Case(
            "logregcv-liblinear-multi",
            "LogisticRegressionCV",
            lambda: _scaled(LogisticRegressionCV(cv=3, Cs=4, solver="liblinear")),
            lambda: data.classification(3, "int", seed=1011),
            frame=False,
            versions=older,
        ),
        Case(
            "logregcv-multinomial-binary",
            "LogisticRegressionCV",
            lambda: _scaled(LogisticRegressionCV(cv=3, Cs=4, multi_class="multinomial")),
            lambda: data.classification(2, "int", seed=1012),
            versions=older,
        ),
    ]
    return out


def margin_classifiers() -> list[Case]:
    models = {
        "ridge-binary": (lambda: RidgeClassifier(), 2, "int"),
        "ridge-multi": (lambda: RidgeClassifier(alpha=10.0), 3, "str"),
        "ridge-no-intercept": (lambda: RidgeClassifier(fit_intercept=False), 3, "int"),
        "ridge-balanced": (lambda: RidgeClassifier(class_weight="balanced", solver="lsqr"), 4, "sparse"),
        "ridge-bool": (lambda: RidgeClassifier(solver="svd"), 2, "bool"),
        "ridgecv-binary": (lambda: RidgeClassifierCV(alphas=(0.1, 1.0, 10.0)), 2, "str"),
        "ridgecv-multi": (lambda: RidgeClassifierCV(), 3, "int"),
        "ridgecv-cv3": (lambda: RidgeClassifierCV(cv=3), 3, "int"),
        "perceptron-binary": (lambda: Perceptron(), 2, "int"),
        "perceptron-multi": (lambda: Perceptron(), 3, "str"),
        "perceptron-l2": (lambda: Perceptron(penalty="l2", alpha=0.001), 3, "int"),
        "perceptron-no-intercept": (lambda: Perceptron(fit_intercept=False), 2, "bool"),
        "perceptron-balanced": (lambda: Perceptron(class_weight="balanced"), 4, "int"),
        "pa-binary": (lambda: PassiveAggressiveClassifier(), 2, "int"),
        "pa-multi": (lambda: PassiveAggressiveClassifier(C=0.1), 3, "sparse"),
        "pa-squared-hinge": (lambda: PassiveAggressiveClassifier(loss="squared_hinge"), 3, "str"),
        "pa-averaged": (lambda: PassiveAggressiveClassifier(average=True), 2, "int"),
    }
    return [
        Case(
            f"margin-{name}",
            "RidgeClassifier, Perceptron, PassiveAggressive",
            lambda make=make: _scaled(make()),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=1020 + i),
            frame=i % 2 == 1,
        )
        for i, (name, (make, classes, labels)) in enumerate(models.items())
    ]


def more_regressors() -> list[Case]:
    models = {
        "ridgecv": lambda: RidgeCV(),
        "ridgecv-gcv-svd": lambda: RidgeCV(alphas=(0.01, 1.0, 100.0), gcv_mode="svd"),
        "ridgecv-cv3": lambda: RidgeCV(cv=3, fit_intercept=False),
        "lassocv": lambda: LassoCV(cv=3, random_state=0),
        "lassocv-no-intercept": lambda: LassoCV(cv=3, fit_intercept=False),
        "elasticnetcv": lambda: ElasticNetCV(cv=3, l1_ratio=(0.2, 0.8)),
        "sgd": lambda: SGDRegressor(random_state=0),
        "sgd-huber": lambda: SGDRegressor(loss="huber", penalty="l1", random_state=0),
        "sgd-epsilon-averaged": lambda: SGDRegressor(loss="epsilon_insensitive", average=True, random_state=0),
        "sgd-no-intercept": lambda: SGDRegressor(fit_intercept=False, learning_rate="constant", eta0=0.001),
        "pa": lambda: PassiveAggressiveRegressor(random_state=0),
        "pa-squared": lambda: PassiveAggressiveRegressor(loss="squared_epsilon_insensitive", C=0.1, random_state=0),
        "huber": lambda: HuberRegressor(),
        "huber-tight": lambda: HuberRegressor(epsilon=1.1, alpha=0.01, fit_intercept=False),
        "quantile-median": lambda: QuantileRegressor(alpha=0.0),
        "quantile-90": lambda: QuantileRegressor(quantile=0.9, alpha=0.01),
        "bayesian-ridge": lambda: BayesianRidge(),
        "bayesian-ridge-no-intercept": lambda: BayesianRidge(fit_intercept=False, compute_score=True),
        "ard": lambda: ARDRegression(),
        "ard-threshold": lambda: ARDRegression(threshold_lambda=100.0, fit_intercept=False),
        "lars": lambda: Lars(),
        "lars-few": lambda: Lars(n_nonzero_coefs=2, fit_intercept=False),
        "larscv": lambda: LarsCV(cv=3),
        "lassolars": lambda: LassoLars(alpha=0.1),
        "lassolars-positive": lambda: LassoLars(alpha=0.01, positive=True),
        "lassolarscv": lambda: LassoLarsCV(cv=3),
        "lassolarsic-aic": lambda: LassoLarsIC(criterion="aic"),
        "lassolarsic-bic": lambda: LassoLarsIC(criterion="bic", fit_intercept=False),
        "omp": lambda: OrthogonalMatchingPursuit(n_nonzero_coefs=3),
        "omp-tol": lambda: OrthogonalMatchingPursuit(tol=50.0, fit_intercept=False),
        "ompcv": lambda: OrthogonalMatchingPursuitCV(cv=3),
        "theil-sen": lambda: TheilSenRegressor(max_subpopulation=200, random_state=0),
        "theil-sen-no-intercept": lambda: TheilSenRegressor(max_subpopulation=200, fit_intercept=False, random_state=0),
        "ransac": lambda: RANSACRegressor(max_trials=20, random_state=0),
        "ransac-ridge": lambda: RANSACRegressor(Ridge(alpha=2.0), min_samples=0.5, max_trials=20, random_state=0),
        "ransac-lassolars": lambda: RANSACRegressor(LassoLars(alpha=0.1), min_samples=30, max_trials=20, random_state=0),
    }
    out = [
        Case(
            f"regress2-{name}",
            "linear regressors, more",
            lambda make=make, i=i: _scaled(make()) if i % 3 != 2 else make(),
            lambda i=i: data.regression(seed=1040 + i),
            frame=i % 2 == 0,
        )
        for i, (name, make) in enumerate(models.items())
    ]
    out += [
        Case(
            "margin-ridge-multilabel",
            "not converted",
            lambda: RidgeClassifier(),
            lambda: _two_labels(data.classification(2, "int", seed=1089)),
        ),
        Case(
            "regress2-ridgecv-two-targets",
            "linear regressors, more",
            lambda: RidgeCV(),
            lambda: _two_targets(data.regression(seed=1090)),
        ),
        Case(
            "regress2-multitask-lasso",
            "not converted",
            lambda: MultiTaskLasso(alpha=0.5),
            lambda: _two_targets(data.regression(seed=1091)),
        ),
        # A Pipeline inside: its imputer takes the missing values RANSAC passes on.
        Case(
            "regress2-ransac-pipeline-missing",
            "linear regressors, more",
            lambda: RANSACRegressor(
                make_pipeline(SimpleImputer(), StandardScaler(), LinearRegression()),
                min_samples=20,
                max_trials=20,
                random_state=0,
            ),
            lambda: data.regression(seed=1094, missing=0.1),
        ),
        Case(
            "regress2-ransac-scaled-inside",
            "linear regressors, more",
            lambda: make_pipeline(
                StandardScaler(),
                RANSACRegressor(make_pipeline(StandardScaler(), Ridge()), min_samples=20, max_trials=20, random_state=0),
            ),
            lambda: data.regression(seed=1095, missing=0.1, where="test"),
            frame=False,
        ),
        Case(
            "regress2-ransac-linear-unscaled",
            "linear regressors, more",
            lambda: RANSACRegressor(LinearRegression(), max_trials=20, random_state=0),
            lambda: data.regression(seed=1092),
        ),
    ]
    return out


def _two_labels(d: data.Dataset) -> data.Dataset:
    import numpy as np

    return data.Dataset(d.X, np.column_stack([d.y, 1 - d.y]), d.Xt, d.task)


def glms() -> list[Case]:
    models = {
        "poisson": lambda: PoissonRegressor(),
        "poisson-weak": lambda: PoissonRegressor(alpha=0.01, solver="newton-cholesky"),
        "poisson-no-intercept": lambda: PoissonRegressor(fit_intercept=False),
        "gamma": lambda: GammaRegressor(),
        "gamma-newton": lambda: GammaRegressor(alpha=0.1, solver="newton-cholesky"),
        "tweedie-normal": lambda: TweedieRegressor(power=0.0),
        "tweedie-normal-log": lambda: TweedieRegressor(power=0.0, link="log"),
        "tweedie-compound": lambda: TweedieRegressor(power=1.5),
        "tweedie-compound-identity": lambda: TweedieRegressor(power=1.5, link="identity", alpha=0.1),
        "tweedie-poisson": lambda: TweedieRegressor(power=1.0, alpha=0.5),
        "tweedie-gamma": lambda: TweedieRegressor(power=2.0),
        "tweedie-inverse-gaussian": lambda: TweedieRegressor(power=3.0, alpha=0.1, max_iter=1000),
    }
    return [
        Case(
            f"glm-{name}",
            "generalized linear models",
            lambda make=make: _scaled(make()),
            lambda i=i: data.regression(seed=1100 + i, positive=True),
            frame=i % 2 == 0,
        )
        for i, (name, make) in enumerate(models.items())
    ]


def discriminant() -> list[Case]:
    lda = LinearDiscriminantAnalysis
    qda = QuadraticDiscriminantAnalysis
    models = {
        "lda-svd-binary": (lambda: lda(), 2, "int", 5),
        "lda-svd-multi": (lambda: lda(), 3, "str", 5),
        "lda-svd-four": (lambda: lda(tol=1e-6), 4, "sparse", 5),
        "lda-lsqr-binary": (lambda: lda(solver="lsqr"), 2, "bool", 5),
        "lda-lsqr-shrinkage-auto": (lambda: lda(solver="lsqr", shrinkage="auto"), 3, "int", 5),
        "lda-eigen": (lambda: lda(solver="eigen"), 3, "int", 3),
        "lda-eigen-shrinkage": (lambda: lda(solver="eigen", shrinkage=0.3), 2, "str", 5),
        "lda-priors": (lambda: lda(priors=[0.5, 0.3, 0.2]), 3, "int", 5),
        "lda-step-svd": (lambda: make_pipeline(lda(n_components=2), LogisticRegression()), 3, "int", 5),
        "lda-step-eigen": (
            lambda: make_pipeline(StandardScaler(), lda(solver="eigen", shrinkage="auto"), LogisticRegression()),
            4,
            "str",
            5,
        ),
        "lda-step-one-component": (lambda: make_pipeline(lda(), Ridge()), 2, "int", 5),
        "lda-lsqr-oas": (lambda: lda(solver="lsqr", covariance_estimator=OAS()), 3, "int", 5),
        "lda-eigen-ledoit-wolf": (lambda: lda(solver="eigen", covariance_estimator=LedoitWolf()), 2, "str", 5),
        "lda-lsqr-shrunk": (
            lambda: lda(solver="lsqr", covariance_estimator=ShrunkCovariance(shrinkage=0.2)),
            4,
            "int",
            5,
        ),
        "qda-binary": (lambda: qda(), 2, "int", 3),
        "qda-multi": (lambda: qda(), 3, "str", 3),
        "qda-reg-param": (lambda: qda(reg_param=0.1), 4, "int", 5),
        "qda-priors": (lambda: qda(priors=[0.2, 0.3, 0.5], reg_param=0.01), 3, "sparse", 4),
        "qda-scaled": (lambda: make_pipeline(StandardScaler(), qda(reg_param=0.5)), 2, "bool", 5),
    }
    # (lda-step-one-component: a Ridge regressing the class codes over the one discriminant.)
    out = [
        Case(
            f"discriminant-{name}",
            "discriminant analysis",
            make,
            lambda i=i, classes=classes, labels=labels, features=features: data.classification(
                classes, labels, features=features, seed=1140 + i
            ),
            frame=i % 2 == 0,
        )
        for i, (name, (make, classes, labels, features)) in enumerate(models.items())
    ]
    # The eigen solver and shrinkage of QuadraticDiscriminantAnalysis: scikit-learn 1.9.
    newer = ((1, 9), (99, 0))
    out += [
        Case(
            "discriminant-qda-eigen",
            "discriminant analysis",
            lambda: make_pipeline(StandardScaler(), qda(solver="eigen")),
            lambda: data.classification(3, "int", features=3, seed=1170),
            versions=newer,
        ),
        Case(
            "discriminant-qda-eigen-shrinkage",
            "discriminant analysis",
            lambda: qda(solver="eigen", shrinkage="auto"),
            lambda: data.classification(3, "str", features=5, seed=1171),
            frame=False,
            versions=newer,
        ),
        Case(
            "discriminant-qda-eigen-covariance",
            "discriminant analysis",
            lambda: make_pipeline(StandardScaler(), qda(solver="eigen", covariance_estimator=EmpiricalCovariance())),
            lambda: data.classification(3, "int", features=3, seed=1172),
            versions=newer,
        ),
    ]
    return out


def cases() -> list[Case]:
    return logistic_cv() + margin_classifiers() + more_regressors() + glms() + discriminant()
