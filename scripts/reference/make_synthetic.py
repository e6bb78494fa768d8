#!/usr/bin/env python3
"""Write a synthetic binary classification set for benchmarks (not committed).

sklearn make_classification(n_samples=rows, n_features=features, n_informative=10,
n_redundant=5, random_state=seed), split 80/20 with train_test_split(random_state=seed,
stratify=y) into DIR/synthetic-train.csv and DIR/synthetic-test.csv; header x0..x{F-1},target.

Usage: <venv python> scripts/reference/make_synthetic.py --rows 100000 --features 20 --out DIR [--seed 0]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refcommon import write_csv  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.features < 15:
        raise SystemExit("--features must be >= 15 (10 informative + 5 redundant)")
    X, y = make_classification(n_samples=args.rows, n_features=args.features, n_informative=10,
                               n_redundant=5, random_state=args.seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=args.seed, stratify=y)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    header = [f"x{i}" for i in range(args.features)] + ["target"]
    for fname, Xs, ys in (("synthetic-train.csv", Xtr, ytr), ("synthetic-test.csv", Xte, yte)):
        write_csv(out / fname, header, ([*r, int(t)] for r, t in zip(Xs.tolist(), ys.tolist())))
    print(f"wrote {out}/synthetic-train.csv ({len(ytr)} rows) and synthetic-test.csv ({len(yte)} rows)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
