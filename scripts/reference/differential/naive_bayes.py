"""Cases for the naive Bayes classifiers: GaussianNB on the usual features, the discrete ones on counts
(MultinomialNB, ComplementNB with and without its norm, BernoulliNB binarizing at several thresholds or
fed 0/1), CategoricalNB on integer categories (a negative one, which its predict refuses, among the
held-out rows of one case), over class counts, label kinds, priors and smoothing."""
from __future__ import annotations

import numpy as np
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import data
from case import Case


def _counts(d: data.Dataset, top: int = 12) -> data.Dataset:
    """Non-negative integer counts from the features: |standardized x| * 3, floored, at most `top`."""
    X = d.X.to_numpy()
    mean, std = X.mean(axis=0), X.std(axis=0)

    def count(values: np.ndarray) -> np.ndarray:
        return np.minimum(np.floor(np.abs((values - mean) / std) * 3.0), top)

    return data.Dataset(
        data._frame(count(X), list(d.X.columns)), d.y, data._frame(count(d.Xt.to_numpy()), list(d.X.columns)), d.task
    )


def _binary(d: data.Dataset) -> data.Dataset:
    c = _counts(d)
    return data.Dataset((c.X > 2).astype(float), c.y, (c.Xt > 2).astype(float), c.task)


def _categories(d: data.Dataset, negative: bool = False) -> data.Dataset:
    """Categories 0-4 per feature; the held-out rows only those training saw (a negative one with
    `negative`, in a few rows)."""
    c = _counts(d, top=4)
    X, Xt = c.X.copy(), c.Xt.copy()
    for name in X.columns:
        Xt[name] = np.minimum(Xt[name], X[name].max())
    if negative:
        Xt.iloc[::5, 0] = -1.0
    return data.Dataset(X, c.y, Xt, c.task)


def cases() -> list[Case]:
    cls = data.classification
    table = {
        "gaussian-binary": (lambda: GaussianNB(), lambda: cls(2, "int", seed=1200), True),
        "gaussian-multi": (lambda: GaussianNB(), lambda: cls(3, "str", seed=1201), False),
        "gaussian-five": (lambda: GaussianNB(var_smoothing=1e-3), lambda: cls(5, "sparse", seed=1202), True),
        "gaussian-priors": (lambda: GaussianNB(priors=[0.2, 0.5, 0.3]), lambda: cls(3, "int", seed=1203), False),
        "gaussian-scaled": (lambda: make_pipeline(StandardScaler(), GaussianNB()), lambda: cls(2, "bool", seed=1204), True),
        "gaussian-overlap": (lambda: GaussianNB(), lambda: cls(4, "unicode", seed=1205, separation=0.3), False),
        "multinomial-binary": (lambda: MultinomialNB(), lambda: _counts(cls(2, "int", seed=1210)), True),
        "multinomial-multi": (lambda: MultinomialNB(alpha=0.1), lambda: _counts(cls(3, "str", seed=1211)), False),
        "multinomial-no-prior": (lambda: MultinomialNB(fit_prior=False), lambda: _counts(cls(4, "int", seed=1212)), True),
        "multinomial-class-prior": (
            lambda: MultinomialNB(class_prior=[0.6, 0.1, 0.3]),
            lambda: _counts(cls(3, "int", seed=1213)),
            False,
        ),
        "complement-binary": (lambda: ComplementNB(), lambda: _counts(cls(2, "int", seed=1220)), True),
        "complement-multi": (lambda: ComplementNB(alpha=0.5), lambda: _counts(cls(3, "sparse", seed=1221)), False),
        "complement-norm": (lambda: ComplementNB(norm=True), lambda: _counts(cls(3, "str", seed=1222)), True),
        "complement-norm-binary": (lambda: ComplementNB(norm=True), lambda: _counts(cls(2, "bool", seed=1223)), False),
        "bernoulli-zero": (lambda: BernoulliNB(), lambda: cls(3, "int", seed=1230), True),
        "bernoulli-threshold": (lambda: BernoulliNB(binarize=2.5), lambda: _counts(cls(2, "str", seed=1231)), False),
        "bernoulli-none": (lambda: BernoulliNB(binarize=None, alpha=0.5), lambda: _binary(cls(4, "int", seed=1232)), True),
        "bernoulli-scaled": (
            lambda: make_pipeline(StandardScaler(), BernoulliNB(binarize=0.3, fit_prior=False)),
            lambda: cls(3, "int", seed=1233),
            False,
        ),
        "categorical-binary": (lambda: CategoricalNB(), lambda: _categories(cls(2, "int", seed=1240)), True),
        "categorical-multi": (lambda: CategoricalNB(alpha=0.3), lambda: _categories(cls(3, "str", seed=1241)), False),
        "categorical-min-categories": (
            lambda: CategoricalNB(min_categories=6),
            lambda: _categories(cls(3, "int", seed=1242)),
            True,
        ),
        "categorical-negative": (lambda: CategoricalNB(), lambda: _categories(cls(3, "int", seed=1243), True), False),
    }
    out = [
        Case(f"nb-{name}", "naive Bayes", make, dataset, frame=frame)
        for name, (make, dataset, frame) in table.items()
    ]
    # Categories read after a step that rewrites them: refused (modelgate takes the integers as sent).
    out.append(
        Case(
            "nb-categorical-after-scaler",
            "not converted",
            lambda: make_pipeline(MinMaxScaler(clip=True), CategoricalNB()),
            lambda: _categories(cls(3, "int", seed=1244)),
        )
    )
    return out
