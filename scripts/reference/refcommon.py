"""Shared helpers for the Python reference scripts (fixtures and parity checks).

Run these scripts with the venv python from scripts/reference/setup-python.sh.
"""
from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path
from typing import Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS_DIR = REPO_ROOT / "test" / "fixtures" / "datasets"

# Dataset name -> task. Order is the order used in the fixtures.
DATASETS = {
    "iris": "classification",
    "wine": "classification",
    "breast_cancer": "classification",
    "diabetes": "regression",
}


def normalize_name(name: str) -> str:
    """Lowercase; every char outside [a-z0-9_] -> '_'; collapse '_' runs; strip '_'."""
    s = re.sub(r"[^a-z0-9_]", "_", name.lower())
    s = re.sub(r"_+", "_", s)
    return s.strip("_")


def format_cell(v) -> str:
    """CSV cell text: None/NaN -> empty, floats with shortest round-trip repr."""
    if v is None:
        return ""
    # numpy scalars -> python scalars
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return repr(v)
    return str(v)


def write_csv(path: os.PathLike | str, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write rows with '\\n' line endings, no index column."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([format_cell(v) for v in row])


def to_native(v):
    """numpy scalar -> python scalar (for JSON)."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return v.item()
    return v


def refused_rows(model, Xt) -> list[int]:
    """The held-out rows scikit-learn's predict refuses (ValueError), one by one; [] when it takes all."""
    try:
        model.predict(Xt)
        return []
    except ValueError:
        pass
    out = []
    for r in range(len(Xt)):
        try:
            model.predict(Xt.iloc[[r]] if hasattr(Xt, "iloc") else Xt[r : r + 1])
        except ValueError:
            out.append(r)
    if len(out) == len(Xt):
        raise ValueError("scikit-learn refuses every held-out row")
    return out
