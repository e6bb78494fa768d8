#!/usr/bin/env python3
"""Time GradientBoostingClassifier() vs HistGradientBoostingClassifier() (default params,
each in Pipeline([SimpleImputer(mean), model])) on one CSV split, in the same run.

Usage: <venv python> scripts/reference/bench_train.py --train A.csv --test B.csv [--target target] [--seed 0]
Prints JSON: {"gbc": {"fit_seconds", "accuracy"}, "hgbc": {...}, "sklearn_version", "cpu_count", ...}
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import sklearn
from sklearn.metrics import accuracy_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gb_reference import build, read_xy  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--target", default="target")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    _, Xtr, ytr = read_xy(args.train, args.target, "classification")
    _, Xte, yte = read_xy(args.test, args.target, "classification")
    read_seconds = time.perf_counter() - t0

    out = {}
    for key, est in (("gbc", "gb"), ("hgbc", "hist")):
        pipe = build("classification", est, args.seed)
        t0 = time.perf_counter()
        pipe.fit(Xtr, ytr)
        fit_seconds = time.perf_counter() - t0
        acc = float(accuracy_score(yte, pipe.predict(Xte)))
        entry = {"fit_seconds": fit_seconds, "accuracy": acc}
        model = pipe.named_steps["model"]
        n_iter = getattr(model, "n_iter_", None) or getattr(model, "n_estimators_", None)
        if n_iter is not None:
            entry["n_iter"] = int(n_iter)
        out[key] = entry
        print(f"{key}: fit {fit_seconds:.2f}s accuracy {acc:.4f}", file=sys.stderr)

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    out.update({
        "sklearn_version": sklearn.__version__,
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
        "n_features": int(Xtr.shape[1]),
        "read_seconds": read_seconds,
    })
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
