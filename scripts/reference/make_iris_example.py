#!/usr/bin/env python3
"""Write examples/iris/iris.csv: the full 150-row iris data set (sklearn's copy, which is
Fisher's data as in R), 1 decimal, header sepal_length,sepal_width,petal_length,petal_width,species.

Usage: <venv python> scripts/reference/make_iris_example.py [--out PATH]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.datasets import load_iris

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refcommon import REPO_ROOT  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(REPO_ROOT / "examples" / "iris" / "iris.csv"))
    args = ap.parse_args(argv)
    b = load_iris()
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for row, t in zip(b.data, b.target):
        lines.append(",".join(f"{v:.1f}" for v in row) + "," + str(b.target_names[t]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(lines) - 1} rows)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
