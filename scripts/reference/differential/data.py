"""Small deterministic datasets for the differential cases: every one is a function of its arguments
(seeded), so a case fits the same model on every run and the committed fixtures can be regenerated.

Features are put on different scales and offsets on purpose: a scaler that is skipped, or applied with
the wrong statistic, then changes the answers instead of hiding in rounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_regression

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
SCALES = np.array([1.0, 10.0, 0.1, 100.0, 3.0, 0.5, 20.0, 2.0])
OFFSETS = np.array([0.0, 50.0, -2.0, 1000.0, 5.0, -1.0, 0.0, 7.0])

# Class labels by kind; classes_ holds them sorted, as scikit-learn sorts them.
LABELS = {
    "int": [0, 1, 2, 3, 4],
    "sparse": [-2, 5, 11, 40, 41],
    "str": ["ant", "bee", "cat", "dog", "elk"],
    "float": [0.0, 1.0, 3.0, 7.0, 10.0],
    "bool": [False, True],
    # Text beyond ASCII, and digits as text: string tensors and JSON must carry them unchanged.
    "unicode": ["café", "naïve", "猫", "🐍", "Ω"],
    "digits": ["1", "10", "2", "02", "x"],
}

N_TRAIN = 90
N_TEST = 16


@dataclass(frozen=True)
class Dataset:
    X: pd.DataFrame
    y: np.ndarray
    Xt: pd.DataFrame
    task: str


def _frame(values: np.ndarray, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(values, columns=names)


def _labels(codes: np.ndarray, kind: str) -> np.ndarray:
    table = LABELS[kind]
    if kind == "bool":
        return codes.astype(bool)
    if kind in ("str", "unicode", "digits"):
        return np.array(table, dtype=object)[codes]
    return np.array(table)[codes]


def _with_missing(X: np.ndarray, rate: float, rng: np.random.Generator, where: str = "both") -> np.ndarray:
    """NaN in about `rate` of the cells (where="test": in the held-out rows only); every column keeps
    most of its values."""
    if rate <= 0:
        return X
    X = X.copy()
    mask = rng.random(X.shape) < rate
    if where == "test":
        mask[:N_TRAIN] = False
    X[mask] = np.nan
    return X


def classification(
    classes: int = 3,
    labels: str = "int",
    features: int = 5,
    missing: float = 0.0,
    seed: int = 0,
    separation: float = 1.2,
    where: str = "both",
) -> Dataset:
    n = N_TRAIN + N_TEST
    X, codes = make_classification(
        n_samples=n,
        n_features=features,
        n_informative=min(3, features),
        n_redundant=1 if features > 3 else 0,
        n_classes=classes,
        n_clusters_per_class=1,
        class_sep=separation,
        flip_y=0.03,
        random_state=seed,
    )
    X = X * SCALES[:features] + OFFSETS[:features]
    rng = np.random.default_rng(seed + 1000)
    X = _with_missing(X, missing, rng, where)
    names = NAMES[:features]
    y = _labels(codes, labels)
    return Dataset(_frame(X[:N_TRAIN], names), y[:N_TRAIN], _frame(X[N_TRAIN:], names), "classification")


def regression(
    features: int = 5, missing: float = 0.0, seed: int = 0, positive: bool = False, where: str = "both"
) -> Dataset:
    n = N_TRAIN + N_TEST
    X, y = make_regression(
        n_samples=n, n_features=features, n_informative=min(4, features), noise=3.0, random_state=seed
    )
    # A little curvature, so that trees and networks have something beyond a line to fit.
    y = y + 0.01 * y**2
    if positive:
        y = np.exp((y - y.mean()) / (2 * y.std())) * 10
    X = X * SCALES[:features] + OFFSETS[:features]
    rng = np.random.default_rng(seed + 2000)
    X = _with_missing(X, missing, rng, where)
    names = NAMES[:features]
    return Dataset(_frame(X[:N_TRAIN], names), y[:N_TRAIN], _frame(X[N_TRAIN:], names), "regression")


def categorical(
    task: str = "classification",
    classes: int = 3,
    labels: str = "int",
    seed: int = 0,
    unknown: bool = False,
    missing_category: bool = False,
) -> Dataset:
    """Three numeric columns and two integer-coded categorical ones ('colour' with four values, 'size'
    with two). `unknown`: the held-out rows carry a colour never seen in training (9). `missing_category`:
    some colours are NaN, in training and held out."""
    base = (
        classification(classes, labels, features=3, seed=seed)
        if task == "classification"
        else regression(features=3, seed=seed)
    )
    rng = np.random.default_rng(seed + 3000)
    colour = rng.integers(0, 4, N_TRAIN + N_TEST).astype(float)
    size = rng.integers(0, 2, N_TRAIN + N_TEST).astype(float)
    if missing_category:
        colour[rng.random(colour.shape) < 0.15] = np.nan
    if unknown:
        colour[N_TRAIN::3] = 9.0
    # The categories move the target, so an encoder that answers wrong changes the prediction.
    y = base.y
    if task == "regression":
        y = y + 15.0 * np.nan_to_num(colour[:N_TRAIN], nan=1.5) - 20.0 * size[:N_TRAIN]

    def frame(numeric: pd.DataFrame, rows: slice) -> pd.DataFrame:
        out = numeric.copy()
        out["colour"] = colour[rows]
        out["size"] = size[rows]
        return out

    return Dataset(
        frame(base.X, slice(0, N_TRAIN)), y, frame(base.Xt, slice(N_TRAIN, None)), base.task
    )


def ties(task: str = "classification", classes: int = 3, labels: str = "int", seed: int = 0) -> Dataset:
    """Integer features on a small grid with repeated points: many training rows are exactly as far from
    a held-out row as each other, which is where neighbour order and vote ties decide the answer."""
    rng = np.random.default_rng(seed + 4000)
    X = rng.integers(0, 4, size=(N_TRAIN + N_TEST, 3)).astype(float)
    names = NAMES[:3]
    if task == "classification":
        codes = rng.integers(0, classes, N_TRAIN)
        y = _labels(codes, labels)
    else:
        y = rng.integers(0, 50, N_TRAIN).astype(float)
    return Dataset(_frame(X[:N_TRAIN], names), y, _frame(X[N_TRAIN:], names), task)


def cloud(d: Dataset, rows: int = 160, seed: int = 0, spread: float = 1.5) -> Dataset:
    """The same training rows, held-out rows scattered around them (`spread` standard deviations of
    noise): many fall between the classes, where one-vs-one votes tie and tie-breaking decides."""
    rng = np.random.default_rng(seed + 5000)
    X = d.X.to_numpy()
    picked = X[rng.integers(0, len(X), rows)]
    noise = rng.normal(0.0, 1.0, picked.shape) * np.nanstd(X, axis=0) * spread
    return Dataset(d.X, d.y, _frame(picked + noise, list(d.X.columns)), d.task)


def midpoints(d: Dataset, seed: int = 0, precision: str = "float32") -> Dataset:
    """Held-out cells exactly halfway between two neighbouring training values of their column, where
    the trees put their thresholds: computed from the values rounded to float32, as scikit-learn's
    classic trees do (precision="float32"), or in float64, as histogram gradient boosting's bins are.
    A comparison made in another precision, or rounded another way, sends such a row to the other side."""
    rng = np.random.default_rng(seed + 6000)
    # Training values on a coarse grid (a quarter of a standard deviation, in awkward binary fractions):
    # few distinct values per column, so the trees split on most of the midpoints drawn below.
    X = d.X.to_numpy()
    step = np.nanstd(X, axis=0) / 4.0
    X = np.round(X / step) * step
    out = np.empty((N_TEST, X.shape[1]))
    for j in range(X.shape[1]):
        column = X[:, j][~np.isnan(X[:, j])]
        if precision == "float32":
            values = np.unique(column.astype(np.float32))
            halves = values[:-1].astype(np.float64) / 2.0 + values[1:].astype(np.float64) / 2.0
        else:
            values = np.unique(column)
            halves = (values[:-1] + values[1:]) * 0.5
        out[:, j] = halves[rng.integers(0, len(halves), N_TEST)]
    names = list(d.X.columns)
    return Dataset(_frame(X, names), d.y, _frame(out, names), d.task)
