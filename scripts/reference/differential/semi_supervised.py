"""Cases for LabelPropagation and LabelSpreading: the rbf kernel against the training rows times the
fitted label distributions, over several gammas, alphas, class counts and shares of unlabeled rows (-1),
scaled in a Pipeline or not; rows far from every training row (all kernels 0) have NaN probabilities
in scikit-learn and are refused. The knn kernel is refused."""
from __future__ import annotations

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelPropagation, LabelSpreading

import data
from case import Case

FAMILY = "semi-supervised"


def unlabeled(d: data.Dataset, share: float, seed: int) -> data.Dataset:
    """The same rows with a share of the training labels hidden (-1, scikit-learn's unlabeled mark)."""
    y = np.asarray(d.y).copy()
    rng = np.random.default_rng(seed + 7000)
    y[rng.random(len(y)) < share] = -1
    return data.Dataset(d.X, y, d.Xt, d.task)


def cases() -> list[Case]:
    cls = lambda classes, share, seed: lambda: unlabeled(data.classification(classes, "int", seed=seed), share, seed)  # noqa: E731
    made = [
        ("propagation-scaled", lambda: make_pipeline(StandardScaler(), LabelPropagation()), cls(3, 0.3, 1200), True),
        ("propagation-gamma", lambda: make_pipeline(StandardScaler(), LabelPropagation(gamma=0.5)), cls(2, 0.5, 1201), False),
        ("propagation-raw-gamma", lambda: LabelPropagation(gamma=0.002, max_iter=200), cls(4, 0.2, 1202), True),
        ("spreading-scaled", lambda: make_pipeline(StandardScaler(), LabelSpreading()), cls(3, 0.4, 1203), False),
        ("spreading-alpha", lambda: make_pipeline(StandardScaler(), LabelSpreading(gamma=1.0, alpha=0.5)), cls(2, 0.6, 1204), True),
        ("spreading-raw-gamma", lambda: LabelSpreading(gamma=0.001, alpha=0.1), cls(3, 0.0, 1205), False),
        # Unscaled rows and gamma 20: many held-out rows are 0 against every training row (NaN).
        ("propagation-far-rows", lambda: LabelPropagation(), cls(3, 0.3, 1206), True),
        ("propagation-knn-refused", lambda: LabelPropagation(kernel="knn", n_neighbors=5), cls(3, 0.3, 1207), True),
    ]
    return [Case(f"semi-{name}", FAMILY, make, d, frame=frame) for name, make, d, frame in made]
