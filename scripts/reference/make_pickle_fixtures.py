"""Writes test/fixtures/pickle/: Python values and numpy arrays saved with pickle (protocols 0, 2, 4, 5)
and joblib (raw, zlib, gzip), each with the JSON it must read back as; and hostile pickles that would
run a command if Python loaded them. Run with the venv python (scripts/reference/setup-python.sh):

    .venv-ref/bin/python scripts/reference/make_pickle_fixtures.py
"""
from __future__ import annotations

import json
import math
import os
import pickle
import subprocess  # noqa: F401  (named by a hostile fixture)

import joblib
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from refcommon import REPO_ROOT

OUT = REPO_ROOT / "test" / "fixtures" / "pickle"


def values():
    shared = [1, 2]
    node = np.dtype([("left_child", "<i8"), ("threshold", "<f8"), ("missing_go_to_left", "u1")])
    node_be = np.dtype([("left_child", ">i8"), ("threshold", ">f8"), ("missing_go_to_left", "u1")])
    records = [(1, 0.5, 1), (-1, -2.0, 0), (-1, float("nan"), 0)]
    return {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31 - 1, 2**40, -(2**63), 2**64 + 1],
        "floats": [0.0, 1.5, -2.25, 1e-300, 1e300, math.inf, -math.inf, math.nan],
        "text": ["", "ascii", "\u00fcn\u00efc\u00f6d\u00e9 \u2713 \U0001d11e", "quote ' \" \\ \n end"],
        "bytes": b"\x00\xff abc",
        "flags": [True, False, None],
        "tuple": (1, (2, 3), ()),
        "set": {1, 2, 3},
        "frozen": frozenset({"a"}),
        "shared": [shared, shared],
        "nested": {"a": {"b": [1, {"c": None}]}},
        "f64": np.arange(12, dtype="<f8").reshape(3, 4) * 0.5,
        "f32F": np.asfortranarray(np.arange(6, dtype="float32").reshape(2, 3)),
        "f64F3": np.asfortranarray(np.arange(24, dtype="float64").reshape(2, 3, 4)),
        "i64be": np.array([1, -2, 3**30], dtype=">i8"),
        "i32": np.array([-5, 7], dtype="<i4"),
        "u8": np.array([0, 1, 255], dtype="u1"),
        "bool": np.array([True, False, True]),
        "U": np.array(["setosa", "versicolor"]),
        "O": np.array(["a", "bc"], dtype=object),
        "empty": np.zeros((0, 3)),
        "rec": np.array(records, dtype=node),
        "recBE": np.array(records, dtype=node_be),
        "scalar_f64": np.float64(2.5),
        "scalar_i64": np.int64(-7),
        "scalar_bool": np.bool_(True),
    }


def plain(v):
    """The JSON the TypeScript reader's value must turn into (see test/sklearn/pickle.test.ts)."""
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return {
                "shape": list(v.shape),
                "fields": {n: plain(np.ascontiguousarray(v[n]))["values"] for n in v.dtype.names},
            }
        flat = v.ravel(order="C").tolist()
        return {"dtype": v.dtype.kind + str(v.dtype.itemsize), "shape": list(v.shape), "values": [plain(x) for x in flat]}
    if isinstance(v, np.generic):
        return {"scalar": v.dtype.kind + str(v.dtype.itemsize), "value": plain(v.item())}
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 - 1 else {"int": str(v)}
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else v))
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, tuple):
        return {"tuple": [plain(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"set": sorted(plain(x) for x in v)}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    raise TypeError(type(v))


class RunsCommand:
    """Pickles as a call of os.system: what a hostile model file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class RunsSubprocess:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import subprocess

        return (subprocess.check_call, (["touch", self.marker],))


def hostile():
    files = {
        "os-system.pkl": pickle.dumps(RunsCommand("pwned-os-system"), protocol=2),
        "subprocess.pkl": pickle.dumps(RunsSubprocess("pwned-subprocess"), protocol=4),
        "eval.pkl": b"cbuiltins\neval\n(S'open(\"pwned-eval\", \"w\")'\ntR.",
        "exec.pkl": b"cbuiltins\nexec\n(S'open(\"pwned-exec\", \"w\")'\ntR.",
        "getattr.pkl": (
            b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'touch pwned-getattr'\ntR."
        ),
        "import.pkl": b"\x80\x02cbuiltins\n__import__\nX\x02\x00\x00\x00os\x85R.",
        "unknown-class.pkl": b"\x80\x02cevil_module\nPayload\n)\x81}X\x01\x00\x00\x00aK\x01sb.",
    }
    model = LogisticRegression(max_iter=200).fit(np.arange(8, dtype=float).reshape(4, 2), [0, 1, 0, 1])
    model.__dict__["extra_"] = {"inner": [RunsCommand("pwned-nested")]}
    files["nested-in-model.pkl"] = pickle.dumps(model, protocol=5)
    return files


def bombs():
    """Compressed files that expand past modelgate's bound: 80 MB of pickle (NONE, POP over and over)
    in 12 KB of xz, a thousand times its size; and an xz stream holding a gzip stream."""
    import gzip
    import lzma

    spin = b"\x80\x02" + b"N0" * 40_000_000 + b"N."
    return {
        "bomb-xz.joblib": lzma.compress(spin, format=lzma.FORMAT_XZ, preset=9),
        "xz-of-gzip.joblib": lzma.compress(gzip.compress(pickle.dumps(None, protocol=2)), format=lzma.FORMAT_XZ),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    v = values()
    expected = {"numpy": np.__version__, "sklearn": sklearn.__version__, "value": plain(v)}
    (OUT / "values.json").write_text(json.dumps(expected, indent=1, allow_nan=False) + "\n")
    for proto in (0, 2, 4, 5):
        (OUT / f"values-p{proto}.pkl").write_bytes(pickle.dumps(v, protocol=proto))
    joblib.dump(v, OUT / "values.joblib")
    joblib.dump(v, OUT / "values-zlib.joblib", compress=3)
    joblib.dump(v, OUT / "values-gzip.joblib", compress=("gzip", 3))
    joblib.dump(v, OUT / "values-xz.joblib", compress=("xz", 3))
    joblib.dump(v, OUT / "values-lz4.joblib", compress=("lz4", 3))  # needs the lz4 package (setup-python.sh installs it)
    joblib.dump(v, OUT / "values-bz2.joblib", compress=("bz2", 3))
    joblib.dump(v, OUT / "values-lzma.joblib", compress=("lzma", 3))
    for name, data in {**hostile(), **bombs()}.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
