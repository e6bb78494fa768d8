"""Cases for the dummy baselines: DummyClassifier and DummyRegressor answer every row the same, by
their strategy; the strategies whose predict draws at random are refused."""
from __future__ import annotations

from sklearn.dummy import DummyClassifier, DummyRegressor

import data
from case import Case

FAMILY = "dummy baselines"


def cases() -> list[Case]:
    out = []
    for i, (strategy, labels, extra) in enumerate(
        [
            ("prior", "int", {}),
            ("most_frequent", "str", {}),
            ("constant", "str", {"constant": None}),
            ("constant", "int", {"constant": None}),
            ("uniform", "int", {}),
        ]
    ):
        def make(strategy=strategy, labels=labels, extra=extra):
            kw = dict(extra)
            if "constant" in kw:
                # a class of the data: the second one the generator's labels give
                kw["constant"] = list(data.classification(3, labels, seed=1100).y)[0]
            return DummyClassifier(strategy=strategy, **kw)

        out.append(
            Case(
                f"dummy-classifier-{strategy.replace('_', '-')}-{labels}",
                FAMILY,
                make,
                lambda labels=labels: data.classification(3, labels, seed=1100),
                frame=i % 2 == 0,
            )
        )
    for strategy, kw in [("mean", {}), ("median", {}), ("quantile", {"quantile": 0.3}), ("constant", {"constant": 2.5})]:
        out.append(
            Case(
                f"dummy-regressor-{strategy}",
                FAMILY,
                lambda strategy=strategy, kw=kw: DummyRegressor(strategy=strategy, **kw),
                lambda: data.regression(seed=1101),
            )
        )
    return out
