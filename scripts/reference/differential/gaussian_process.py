"""Cases for GaussianProcessRegressor: its predictive mean over each kernel modelgate converts, with
scalar and per-feature length scales, sums and products of kernels, and normalize_y."""
from __future__ import annotations

from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, DotProduct, Matern, RationalQuadratic, WhiteKernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import data
from case import Case

FAMILY = "Gaussian processes"


def cases() -> list[Case]:
    kernels = [
        ("rbf", lambda: RBF(), False),
        ("const-rbf-white", lambda: ConstantKernel(1.0) * RBF([1.0] * 4) + WhiteKernel(0.1), True),
        ("matern-05", lambda: Matern(nu=0.5), True),
        ("matern-15", lambda: Matern(length_scale=[1.0] * 4, nu=1.5), False),
        ("matern-25", lambda: ConstantKernel() * Matern(nu=2.5), True),
        ("rational-quadratic", lambda: RationalQuadratic(), True),
        ("dot-white", lambda: DotProduct() + WhiteKernel(), False),
        ("rbf-squared", lambda: RBF() ** 2, True),
    ]
    return [
        Case(
            f"gpr-{name}",
            FAMILY,
            lambda make=make, normalize=normalize: make_pipeline(
                StandardScaler(), GaussianProcessRegressor(make(), normalize_y=normalize, random_state=0)
            ),
            lambda i=i: data.regression(features=4, seed=1300 + i),
            frame=i % 2 == 0,
        )
        for i, (name, make, normalize) in enumerate(kernels)
    ]
