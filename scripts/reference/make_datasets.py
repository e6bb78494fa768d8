#!/usr/bin/env python3
"""Write the small sklearn-derived CSV fixtures into test/fixtures/datasets/.

For iris, wine, breast_cancer (classification) and diabetes (regression):
  <name>-train.csv / <name>-test.csv
      train_test_split(test_size=0.3, random_state=42, stratify=y for classifiers)
  <name>-missing-train.csv / <name>-missing-test.csv
      same split, then exactly 15% (rounded) of the feature cells of each file
      blanked (numpy default_rng(7), train file first, then test file).
Headers: normalized feature names, then `target`.
Targets: iris species names, wine integer class, breast_cancer malignant/benign,
diabetes float.

Usage: <venv python> scripts/reference/make_datasets.py [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refcommon import DATASETS, DATASETS_DIR, normalize_name, write_csv  # noqa: E402

TEST_SIZE = 0.3
SPLIT_SEED = 42
MISSING_FRACTION = 0.15
MISSING_SEED = 7


def load(name: str):
    """Return (feature_names, X float ndarray, y ndarray of final target values)."""
    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    names = [normalize_name(n) for n in bunch.feature_names]
    if len(set(names)) != len(names):
        raise SystemExit(f"{name}: normalized feature names collide: {names}")
    if "target" in names:
        raise SystemExit(f"{name}: a feature is named 'target'")
    t = bunch.target
    if name == "iris":  # setosa/versicolor/virginica
        y = np.asarray(bunch.target_names, dtype=object)[t]
    elif name == "breast_cancer":  # 0 = malignant, 1 = benign
        y = np.asarray(bunch.target_names, dtype=object)[t]
    elif name == "wine":  # integer class 0,1,2
        y = np.asarray(t, dtype=np.int64)
    elif name == "diabetes":
        y = np.asarray(t, dtype=np.float64)
    else:
        raise SystemExit(f"unknown dataset {name}")
    return names, X, y


def blank_cells(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Copy of X with round(15%) of its cells (chosen without replacement) set to NaN."""
    out = X.copy()
    n = out.size
    k = int(round(MISSING_FRACTION * n))
    idx = rng.choice(n, size=k, replace=False)
    out.reshape(-1)[idx] = np.nan
    return out


def rows(X: np.ndarray, y: np.ndarray):
    for i in range(X.shape[0]):
        yield [*X[i].tolist(), y[i]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(DATASETS_DIR), help="output directory (default: test/fixtures/datasets)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    for name, task in DATASETS.items():
        names, X, y = load(name)
        header = [*names, "target"]
        Xtr, Xte, ytr, yte = train_test_split(
            X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED,
            stratify=y if task == "classification" else None,
        )
        write_csv(out / f"{name}-train.csv", header, rows(Xtr, ytr))
        write_csv(out / f"{name}-test.csv", header, rows(Xte, yte))

        rng = np.random.default_rng(MISSING_SEED)  # fresh per dataset
        Mtr = blank_cells(Xtr, rng)
        Mte = blank_cells(Xte, rng)
        write_csv(out / f"{name}-missing-train.csv", header, rows(Mtr, ytr))
        write_csv(out / f"{name}-missing-test.csv", header, rows(Mte, yte))
        print(f"{name}: {len(ytr)} train / {len(yte)} test rows, {len(names)} features; "
              f"blanked {int(np.isnan(Mtr).sum())} + {int(np.isnan(Mte).sum())} cells", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
