#!/usr/bin/env python3
"""Time scikit-learn's gradient boosting on one CSV split, for modelgate's training benchmark.

Configurations (each in Pipeline([SimpleImputer(mean), model]), random_state=seed):
  gbc          GradientBoostingClassifier()                      the method modelgate implements
  hgbc         HistGradientBoostingClassifier()                  defaults (31-leaf trees)
  hgbc_depth3  HistGradientBoostingClassifier(max_depth=3, max_leaf_nodes=None, early_stopping=False)
               the same tree shape and stage count as GradientBoostingClassifier
  lgbm_depth3  lightgbm.LGBMClassifier(max_depth=3, num_leaves=8, n_estimators=100, learning_rate=0.1,
               n_jobs=--threads): the same tree shape, 255 bins as modelgate's histograms

LightGBM (when installed) is fitted on the float64 matrix with its missing values as they are
(LightGBM handles NaN itself), after the same mean imputer as the others so that every model sees the
same data. read_seconds times pandas.read_csv alone (default float parser, as people call it) on the
training file.

Fit times are the median of --repeats runs (--gbc-repeats for the slow gbc). Held-out accuracy is
from the last run.

Usage: <venv python> scripts/reference/bench_train.py --train A.csv --test B.csv [--target target]
       [--seed 0] [--repeats 3] [--gbc-repeats 1] [--threads 2] [--only gbc,hgbc,hgbc_depth3,lgbm_depth3]
Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import sklearn
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gb_reference import read_xy  # noqa: E402

try:
    import lightgbm
except ImportError:  # the venv predates lightgbm in setup-python.sh
    lightgbm = None


def lgbm_depth3(seed: int, threads: int):
    return lightgbm.LGBMClassifier(
        n_estimators=100, learning_rate=0.1, max_depth=3, num_leaves=8, max_bin=255,
        n_jobs=threads, random_state=seed, verbose=-1,
    )


CONFIGS = {
    "gbc": lambda seed, threads: GradientBoostingClassifier(random_state=seed),
    "hgbc": lambda seed, threads: HistGradientBoostingClassifier(random_state=seed),
    "hgbc_depth3": lambda seed, threads: HistGradientBoostingClassifier(
        random_state=seed, max_depth=3, max_leaf_nodes=None, early_stopping=False
    ),
    "lgbm_depth3": lgbm_depth3,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--target", default="target")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gbc-repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="LightGBM's n_jobs")
    ap.add_argument("--only", default=",".join(k for k in CONFIGS if k != "lgbm_depth3" or lightgbm))
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    pd.read_csv(args.train)
    pandas_read_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    _, Xtr, ytr = read_xy(args.train, args.target, "classification")
    _, Xte, yte = read_xy(args.test, args.target, "classification")
    read_seconds = time.perf_counter() - t0

    out = {}
    for key in args.only.split(","):
        repeats = args.gbc_repeats if key == "gbc" else args.repeats
        times = []
        for _ in range(repeats):
            pipe = Pipeline([("imputer", SimpleImputer(strategy="mean")), ("model", CONFIGS[key](args.seed, args.threads))])
            t0 = time.perf_counter()
            pipe.fit(Xtr, ytr)
            times.append(time.perf_counter() - t0)
        acc = float(accuracy_score(yte, pipe.predict(Xte)))
        model = pipe.named_steps["model"]
        entry = {"fit_seconds": statistics.median(times), "fit_runs": times, "accuracy": acc}
        n_iter = getattr(model, "n_iter_", None) or getattr(model, "n_estimators_", None)
        if n_iter is not None:
            entry["n_iter"] = int(n_iter)
        out[key] = entry
        print(f"{key}: fit {entry['fit_seconds']:.2f}s accuracy {acc:.4f}", file=sys.stderr)

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
        "pandas_read_seconds": pandas_read_seconds,
        # Linux reports kilobytes.
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": args.threads,
        "lightgbm_version": lightgbm.__version__ if lightgbm else None,
    })
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
