#!/usr/bin/env python3
"""Fit a scikit-learn gradient-boosting reference model on a CSV split and print JSON.

Usage:
  <venv python> scripts/reference/gb_reference.py --train A.csv --test B.csv \\
      --target target --task classification|regression [--seed 0] \\
      [--estimator gb|hist] [--json]

Model: Pipeline([('imputer', SimpleImputer(strategy='mean')),
                 ('model', GradientBoosting{Classifier,Regressor}(random_state=seed))])
       or HistGradientBoosting{Classifier,Regressor}(random_state=seed) with --estimator hist.
Empty CSV cells are read as NaN. Feature columns are every column except the target.

Output (one JSON object on stdout; compact with --json, indented otherwise):
  task, estimator, sklearn_version, n_train, n_test,
  accuracy + train_accuracy (classification) or r2 + train_r2 (regression),
  fit_seconds, predictions (held-out, labels as in the CSV),
  probabilities + classes (classification; columns of probabilities follow classes).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refcommon import to_native  # noqa: E402

ESTIMATORS = {
    ("gb", "classification"): GradientBoostingClassifier,
    ("gb", "regression"): GradientBoostingRegressor,
    ("hist", "classification"): HistGradientBoostingClassifier,
    ("hist", "regression"): HistGradientBoostingRegressor,
}


def read_xy(path, target: str, task: str):
    """Read a CSV (empty cells -> NaN). Returns (feature names, X float64, y ndarray)."""
    # float_precision="round_trip": pandas' default C float parser can be off by one ulp
    # (e.g. diabetes); round_trip parses exactly like Python float() / JS Number().
    df = pd.read_csv(path, keep_default_na=False, na_values=[""], float_precision="round_trip")
    if target not in df.columns:
        raise SystemExit(f"{path}: no target column {target!r} (columns: {list(df.columns)})")
    features = [c for c in df.columns if c != target]
    X = df[features].to_numpy(dtype=np.float64)
    ycol = df[target]
    if ycol.isna().any():
        raise SystemExit(f"{path}: target column {target!r} has empty cells")
    if task == "regression":
        y = ycol.to_numpy(dtype=np.float64)
    elif pd.api.types.is_integer_dtype(ycol.dtype):
        y = ycol.to_numpy(dtype=np.int64)
    elif pd.api.types.is_bool_dtype(ycol.dtype):
        y = ycol.to_numpy(dtype=bool)
    elif pd.api.types.is_float_dtype(ycol.dtype):
        y = ycol.to_numpy(dtype=np.float64)
    else:  # strings stay strings
        y = np.asarray([str(v) for v in ycol], dtype=object)
    return features, X, y


def build(task: str, estimator: str, seed: int) -> Pipeline:
    cls = ESTIMATORS[(estimator, task)]
    return Pipeline([
        ("imputer", SimpleImputer(strategy="mean")),
        ("model", cls(random_state=seed)),
    ])


def run(train, test, target="target", task="classification", seed=0, estimator="gb",
        with_rows=True) -> dict:
    if task not in ("classification", "regression"):
        raise SystemExit(f"unknown task {task!r}")
    if estimator not in ("gb", "hist"):
        raise SystemExit(f"unknown estimator {estimator!r}")
    ftr, Xtr, ytr = read_xy(train, target, task)
    fte, Xte, yte = read_xy(test, target, task)
    if ftr != fte:
        raise SystemExit(f"train/test feature columns differ: {ftr} vs {fte}")

    pipe = build(task, estimator, seed)
    t0 = time.perf_counter()
    pipe.fit(Xtr, ytr)
    fit_seconds = time.perf_counter() - t0

    pred_te = pipe.predict(Xte)
    pred_tr = pipe.predict(Xtr)
    out = {
        "task": task,
        "estimator": estimator,
        "sklearn_version": sklearn.__version__,
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
    }
    if task == "classification":
        out["accuracy"] = float(accuracy_score(yte, pred_te))
        out["train_accuracy"] = float(accuracy_score(ytr, pred_tr))
    else:
        out["r2"] = float(r2_score(yte, pred_te))
        out["train_r2"] = float(r2_score(ytr, pred_tr))
    out["fit_seconds"] = fit_seconds
    if with_rows:
        out["predictions"] = [to_native(v) for v in pred_te]
        if task == "classification":
            proba = pipe.predict_proba(Xte)
            out["probabilities"] = [[float(p) for p in row] for row in proba]
            out["classes"] = [to_native(c) for c in pipe.classes_]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--target", default="target")
    ap.add_argument("--task", required=True, choices=["classification", "regression"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--estimator", default="gb", choices=["gb", "hist"],
                    help="gb: GradientBoosting* (default); hist: HistGradientBoosting*")
    ap.add_argument("--json", action="store_true", help="compact single-line JSON (default: indented)")
    args = ap.parse_args(argv)
    out = run(args.train, args.test, args.target, args.task, args.seed, args.estimator)
    if args.json:
        print(json.dumps(out, separators=(",", ":")))
    else:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
