"""Cases for the linear models: LogisticRegression, the linear regressors, LinearSVC/LinearSVR and
SGDClassifier, over the parameters that change their arithmetic (solvers, penalties, losses, class
weights, intercepts) and the kinds of class labels."""
from __future__ import annotations

from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC, LinearSVR

import data
from case import Case


def _scaled(est):
    return make_pipeline(StandardScaler(), est)


def logistic() -> list[Case]:
    out = []
    solvers = ["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear"]
    for i, solver in enumerate(solvers):
        for classes in (2, 3):
            if solver == "liblinear" and classes > 2:
                continue  # scikit-learn 1.8+ fits liblinear on two classes only (see older below)
            out.append(
                Case(
                    f"logreg-{solver}-{'binary' if classes == 2 else 'multi'}",
                    "LogisticRegression",
                    lambda solver=solver: _scaled(LogisticRegression(solver=solver, max_iter=10000)),
                    lambda i=i, classes=classes: data.classification(classes, "int", seed=200 + 2 * i + classes),
                    frame=i % 2 == 0,
                )
            )
    for labels in ["int", "sparse", "str", "float", "bool", "unicode", "digits"]:
        for classes in (2, 4):
            if labels == "bool" and classes > 2:
                continue
            out.append(
                Case(
                    f"logreg-labels-{labels}-{classes}",
                    "LogisticRegression",
                    lambda: LogisticRegression(max_iter=300),
                    lambda labels=labels, classes=classes: data.classification(classes, labels, seed=220 + classes),
                    frame=classes == 2,
                )
            )
    params = {
        "balanced-binary": (dict(class_weight="balanced"), 2),
        "balanced-multi": (dict(class_weight="balanced"), 3),
        "weights-dict": (dict(class_weight={0: 1.0, 1: 5.0, 2: 0.5}), 3),
        "no-intercept-binary": (dict(fit_intercept=False), 2),
        "no-intercept-multi": (dict(fit_intercept=False), 3),
        "weak-c": (dict(C=0.01), 3),
        "strong-c": (dict(C=100.0), 3),
        "l1-saga": (dict(solver="saga", l1_ratio=1.0, C=0.5), 3),
        "elasticnet-saga": (dict(solver="saga", l1_ratio=0.5, C=0.5), 2),
        "l1-liblinear": (dict(solver="liblinear", l1_ratio=1.0), 2),
        "liblinear-intercept-scaling": (dict(solver="liblinear", intercept_scaling=10.0), 2),
        "five-classes": (dict(), 5),
    }
    # multi_class and liblinear's one-vs-rest over 3+ classes, gone from scikit-learn 1.8 on: these cases
    # exist only where the generator runs under an older scikit-learn (the committed set is 1.9's).
    older = ((1, 0), (1, 6))
    out += [
        Case(
            "logreg-multinomial-binary",
            "LogisticRegression",
            lambda: _scaled(LogisticRegression(multi_class="multinomial")),
            lambda: data.classification(2, "int", seed=256),
            versions=older,
        ),
        Case(
            "logreg-ovr-multi",
            "LogisticRegression",
            lambda: _scaled(LogisticRegression(multi_class="ovr")),
            lambda: data.classification(3, "str", seed=257),
            versions=older,
        ),
        Case(
            "logreg-liblinear-multi",
            "LogisticRegression",
            lambda: _scaled(LogisticRegression(solver="liblinear")),
            lambda: data.classification(3, "int", seed=258),
            versions=older,
        ),
    ]
    out.append(
        Case(
            "logreg-missing-rows",
            "LogisticRegression",
            lambda: _scaled(LogisticRegression()),
            lambda: data.classification(3, "int", seed=259, missing=0.1, where="test"),
        )
    )
    for i, (name, (kw, classes)) in enumerate(params.items()):
        out.append(
            Case(
                f"logreg-{name}",
                "LogisticRegression",
                lambda kw=kw: _scaled(LogisticRegression(max_iter=10000, **kw)),
                lambda i=i, classes=classes: data.classification(classes, "int", seed=240 + i),
                frame=i % 2 == 1,
            )
        )
    return out


def regressors() -> list[Case]:
    models = {
        "linear": lambda: LinearRegression(),
        "linear-no-intercept": lambda: LinearRegression(fit_intercept=False),
        "linear-positive": lambda: LinearRegression(positive=True),
        "ridge-weak": lambda: Ridge(alpha=0.1),
        "ridge-strong": lambda: Ridge(alpha=100.0),
        "ridge-svd": lambda: Ridge(solver="svd"),
        "ridge-lsqr": lambda: Ridge(solver="lsqr"),
        "ridge-sag": lambda: Ridge(solver="sag", max_iter=10000, random_state=0),
        "ridge-no-intercept": lambda: Ridge(fit_intercept=False),
        "ridge-positive": lambda: Ridge(positive=True, solver="lbfgs"),
        "lasso": lambda: Lasso(alpha=0.1),
        "lasso-strong": lambda: Lasso(alpha=5.0),
        "lasso-random-positive": lambda: Lasso(alpha=0.5, selection="random", positive=True, random_state=0),
        "elasticnet": lambda: ElasticNet(alpha=0.1, l1_ratio=0.2),
        "elasticnet-l1-heavy": lambda: ElasticNet(alpha=0.5, l1_ratio=0.9, fit_intercept=False),
    }
    out = [
        Case(f"regress-{name}", "linear regressors", make, lambda i=i: data.regression(seed=260 + i), frame=i % 2 == 0)
        for i, (name, make) in enumerate(models.items())
    ]
    out.append(
        Case(
            "regress-one-feature",
            "linear regressors",
            lambda: LinearRegression(),
            lambda: data.regression(features=1, seed=280),
        )
    )
    out.append(
        Case(
            "regress-two-targets",
            "linear regressors",
            lambda: LinearRegression(),
            lambda: _two_targets(data.regression(seed=281)),
        )
    )
    return out


def _two_targets(d: data.Dataset) -> data.Dataset:
    import numpy as np

    return data.Dataset(d.X, np.column_stack([d.y, -d.y]), d.Xt, d.task)


def linear_svm() -> list[Case]:
    svc = {
        "binary": (dict(), 2, "int"),
        "multi": (dict(), 3, "int"),
        "hinge": (dict(loss="hinge"), 3, "str"),
        "l1": (dict(penalty="l1", dual=False), 3, "int"),
        "balanced": (dict(class_weight="balanced"), 3, "sparse"),
        "no-intercept": (dict(fit_intercept=False), 2, "bool"),
        "intercept-scaling": (dict(intercept_scaling=5.0), 2, "str"),
        "crammer-singer": (dict(multi_class="crammer_singer"), 3, "int"),
        "weak-c": (dict(C=0.01), 4, "int"),
    }
    out = [
        Case(
            f"linearsvc-{name}",
            "LinearSVC, LinearSVR",
            lambda kw=kw: _scaled(LinearSVC(max_iter=20000, **kw)),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=300 + i),
            frame=i % 2 == 0,
        )
        for i, (name, (kw, classes, labels)) in enumerate(svc.items())
    ]
    svr = {
        "epsilon": dict(),
        "squared": dict(loss="squared_epsilon_insensitive", dual=False),
        "wide-epsilon": dict(epsilon=5.0, C=10.0),
        "no-intercept": dict(fit_intercept=False),
    }
    out += [
        Case(
            f"linearsvr-{name}",
            "LinearSVC, LinearSVR",
            lambda kw=kw: _scaled(LinearSVR(max_iter=50000, random_state=0, **kw)),
            lambda i=i: data.regression(seed=320 + i),
            frame=i % 2 == 0,
        )
        for i, (name, kw) in enumerate(svr.items())
    ]
    return out


def sgd() -> list[Case]:
    losses = [
        "hinge",
        "log_loss",
        "modified_huber",
        "squared_hinge",
        "perceptron",
        "squared_error",
        "huber",
        "epsilon_insensitive",
        "squared_epsilon_insensitive",
    ]
    out = []
    for i, loss in enumerate(losses):
        for classes in (2, 3):
            out.append(
                Case(
                    f"sgd-{loss.replace('_', '-')}-{'binary' if classes == 2 else 'multi'}",
                    "SGDClassifier",
                    lambda loss=loss: _scaled(SGDClassifier(loss=loss, random_state=0, max_iter=2000, tol=1e-5)),
                    lambda i=i, classes=classes: data.classification(classes, "int", seed=340 + 2 * i + classes),
                    frame=(i + classes) % 2 == 0,
                )
            )
    params = {
        "balanced": (dict(class_weight="balanced"), 3, "str"),
        "averaged-log": (dict(loss="log_loss", average=True), 3, "int"),
        "elasticnet": (dict(penalty="elasticnet", l1_ratio=0.5), 3, "sparse"),
        "l1-log": (dict(loss="log_loss", penalty="l1"), 2, "bool"),
        "no-intercept": (dict(fit_intercept=False), 3, "int"),
        "huber-four-classes": (dict(loss="modified_huber"), 4, "int"),
        "log-str": (dict(loss="log_loss"), 3, "str"),
    }
    out += [
        Case(
            f"sgd-{name}",
            "SGDClassifier",
            lambda kw=kw: _scaled(SGDClassifier(random_state=0, max_iter=2000, tol=1e-5, **kw)),
            lambda i=i, classes=classes, labels=labels: data.classification(classes, labels, seed=370 + i),
            frame=i % 2 == 1,
        )
        for i, (name, (kw, classes, labels)) in enumerate(params.items())
    ]
    return out


def cases() -> list[Case]:
    return logistic() + regressors() + linear_svm() + sgd()
