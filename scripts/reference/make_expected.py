#!/usr/bin/env python3
"""Write test/fixtures/datasets/expected-sklearn.json: held-out and training figures of the
gb_reference model (mean imputer + GradientBoosting*, random_state=0) for every dataset
variant written by make_datasets.py (4 datasets x plain/missing).

Usage: <venv python> scripts/reference/make_expected.py [--dir DIR] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sklearn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gb_reference import run  # noqa: E402
from refcommon import DATASETS, DATASETS_DIR  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=str(DATASETS_DIR))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    d = Path(args.dir)

    result = {
        "sklearn_version": sklearn.__version__,
        "generated_by": "scripts/reference/make_expected.py "
                        "(Pipeline[SimpleImputer(mean), GradientBoostingClassifier/Regressor"
                        f"(random_state={args.seed})])",
        "datasets": {},
    }
    for name, task in DATASETS.items():
        for variant in (name, f"{name}-missing"):
            r = run(d / f"{variant}-train.csv", d / f"{variant}-test.csv", "target", task,
                    seed=args.seed, estimator="gb", with_rows=False)
            entry = {"task": task, "target": "target", "n_train": r["n_train"], "n_test": r["n_test"]}
            if task == "classification":
                entry["accuracy"] = r["accuracy"]
                entry["train_accuracy"] = r["train_accuracy"]
            else:
                entry["r2"] = r["r2"]
                entry["train_r2"] = r["train_r2"]
            result["datasets"][variant] = entry
            fig = "accuracy" if task == "classification" else "r2"
            print(f"{variant}: {fig}={entry[fig]:.4f} train_{fig}={entry['train_' + fig]:.4f}", file=sys.stderr)

    out = d / "expected-sklearn.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
