#!/usr/bin/env python3
"""Write the README's models from other tools, trained on examples/iris/iris.csv:

- examples/iris/pipeline.joblib: the reference deployment's scikit-learn Pipeline (a mean SimpleImputer
  before a GradientBoostingClassifier, random_state=0), saved with joblib (zlib), for `modelgate import`;
- examples/iris/logistic.onnx: a LogisticRegression in the ONNX form skl2onnx writes for it (one float
  input [N, 4], a LinearClassifier with string classes and SOFTMAX, a ZipMap of the probabilities), for
  `modelgate pack`. skl2onnx is not on the pip mirror, so the graph is built with onnx.helper; the script
  checks that Python's onnxruntime answers it as scikit-learn's predict_proba does (1e-5) before writing.

Usage: <venv python> scripts/reference/make_iris_models.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import joblib
import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refcommon import REPO_ROOT  # noqa: E402

EXAMPLE = REPO_ROOT / "examples" / "iris"
ML = "ai.onnx.ml"


def pipeline(X, y) -> Path:
    model = Pipeline([("imputer", SimpleImputer(strategy="mean")),
                      ("model", GradientBoostingClassifier(random_state=0))]).fit(X, y)
    out = EXAMPLE / "pipeline.joblib"
    joblib.dump(model, out, compress=("zlib", 9))
    return out


def logistic(X, y) -> Path:
    lr = LogisticRegression(max_iter=1000).fit(X.to_numpy(np.float32), y)
    classes = [str(c) for c in lr.classes_]
    nodes = [
        helper.make_node("LinearClassifier", ["float_input"], ["label", "probability_tensor"], domain=ML,
                         coefficients=lr.coef_.ravel().tolist(), intercepts=lr.intercept_.tolist(),
                         classlabels_strings=classes, multi_class=1, post_transform="SOFTMAX",
                         name="LinearClassifier"),
        helper.make_node("Identity", ["label"], ["output_label"]),
        helper.make_node("ZipMap", ["probability_tensor"], ["output_probability"], domain=ML,
                         classlabels_strings=classes, name="ZipMap"),
    ]
    probabilities = helper.make_value_info("output_probability", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, []))))
    graph = helper.make_graph(
        nodes, "LogisticRegression",
        [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, X.shape[1]])],
        [helper.make_tensor_value_info("output_label", TensorProto.STRING, [None]), probabilities])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 1)],
                          producer_name="skl2onnx", producer_version="1.19.1")
    m.ir_version = 8
    onnx.checker.check_model(m)

    rows = X.to_numpy(np.float32)
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    labels, maps = session.run(None, {"float_input": rows})
    got = np.array([[p[c] for c in classes] for p in maps])
    err = float(np.max(np.abs(got - lr.predict_proba(rows))))
    assert err <= 1e-5, f"onnxruntime differs from scikit-learn's predict_proba by {err}"
    assert list(labels) == list(lr.predict(rows)), "onnxruntime's labels differ from scikit-learn's"

    out = EXAMPLE / "logistic.onnx"
    onnx.save(m, out)
    return out


def main() -> int:
    df = pd.read_csv(EXAMPLE / "iris.csv")
    X, y = df.drop(columns=["species"]), df["species"]
    for out in (pipeline(X, y), logistic(X, y)):
        print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
