"""Checks that a folder of committed fixtures (test/fixtures/sklearn*) holds what the running
scikit-learn answers: each <name>.pkl loads under this version and predicts, on the rows its JSON keeps,
the labels the JSON says and its values and probabilities within RELATIVE. These are modelgate's own
fixtures, so unpickling them here is safe. Prints a JSON summary.

    .venv-ref-1.6.1/bin/python scripts/reference/check_sklearn_fixtures.py test/fixtures/sklearn-1.6
"""
from __future__ import annotations

import json
import math
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

# Values and probabilities: |want - got| <= RELATIVE * max(1, |want|). Not exact: numpy's BLAS picks
# its kernels by CPU, and a Ridge initial estimate (gbr-init-ridge) came out 8.1e-8 apart, relative, on
# an AMD EPYC from the machine that wrote the fixture. modelgate's own answers are held to the
# committed numbers by the parity tests, not by this check.
RELATIVE = 1e-6


def same(a, b, tolerance):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and (b is None or math.isnan(b))
        return abs(float(a) - float(b)) <= tolerance * max(1.0, abs(float(a)))
    return a == b


def check(folder: Path):
    checked, mismatches = 0, []
    for spec in sorted(folder.glob("*.json")):
        expected = json.loads(spec.read_text())
        if "refused" in expected or not spec.with_suffix(".pkl").exists():
            continue
        if expected["sklearn"] != sklearn.__version__:
            mismatches.append(f"{spec.stem}: saved by {expected['sklearn']}, checked with {sklearn.__version__}")
            continue
        with open(spec.with_suffix(".pkl"), "rb") as f:
            model = pickle.load(f)
        X = np.array([[np.nan if v is None else v for v in row] for row in expected["rows"]], dtype=float)
        rows = pd.DataFrame(X, columns=expected["features"]) if expected["fittedOnFrame"] else X
        predicted = [v.item() if hasattr(v, "item") else v for v in model.predict(rows)]
        if len(predicted) != len(expected["predict"]) or not all(
            same(want, got, RELATIVE) for want, got in zip(expected["predict"], predicted)
        ):
            mismatches.append(f"{spec.stem}: predict differs")
        if "proba" in expected:
            proba = model.predict_proba(rows).tolist()
            if not all(same(w, g, RELATIVE) for wr, gr in zip(expected["proba"], proba) for w, g in zip(wr, gr)):
                mismatches.append(f"{spec.stem}: predict_proba differs")
        checked += 1
    return {"sklearn": sklearn.__version__, "checked": checked, "mismatches": mismatches}


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    print(json.dumps(check(Path(sys.argv[1]))))
