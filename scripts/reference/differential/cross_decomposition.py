"""Cases for partial least squares and CCA as regressors of one target: PLSRegression (scaled or
not, several components), PLSCanonical and CCA (one component, as one target allows); and KernelRidge
over each kernel modelgate converts (its own table row)."""
from __future__ import annotations

from sklearn.cross_decomposition import CCA, PLSCanonical, PLSRegression
from sklearn.kernel_ridge import KernelRidge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import data
from case import Case

FAMILY = "cross decomposition"


def cases() -> list[Case]:
    table = [
        ("pls-regression-2", lambda: PLSRegression(n_components=2), True),
        ("pls-regression-3-unscaled", lambda: PLSRegression(n_components=3, scale=False), False),
        ("pls-canonical", lambda: PLSCanonical(n_components=1), True),
        ("pls-canonical-unscaled", lambda: PLSCanonical(n_components=1, scale=False), False),
        ("cca", lambda: CCA(n_components=1), True),
    ]
    out = [
        Case(name, FAMILY, make, lambda i=i: data.regression(seed=1200 + i), frame=frame)
        for i, (name, make, frame) in enumerate(table)
    ]
    kernels = [
        ("linear", {}),
        ("rbf", {}),
        ("rbf-gamma", {"kernel": "rbf", "gamma": 0.3}),
        ("polynomial", {"degree": 2}),
        ("poly", {"degree": 3, "coef0": 0.5, "gamma": 0.2}),
        ("sigmoid", {"gamma": 0.05, "coef0": 0.1}),
        ("cosine", {}),
    ]
    for i, (name, kw) in enumerate(kernels):
        kw = {"kernel": name, **kw}
        out.append(
            Case(
                f"kernel-ridge-{name}",
                "kernel ridge",
                lambda kw=kw: make_pipeline(StandardScaler(), KernelRidge(alpha=0.5, **kw)),
                lambda i=i: data.regression(seed=1210 + i),
                frame=i % 2 == 0,
            )
        )
    return out
