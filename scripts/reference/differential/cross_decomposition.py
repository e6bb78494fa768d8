"""Cases for partial least squares and CCA as regressors of one target: PLSRegression (scaled or
not, several components), PLSCanonical and CCA (one component, as one target allows)."""
from __future__ import annotations

from sklearn.cross_decomposition import CCA, PLSCanonical, PLSRegression

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
    return [
        Case(name, FAMILY, make, lambda i=i: data.regression(seed=1200 + i), frame=frame)
        for i, (name, make, frame) in enumerate(table)
    ]
