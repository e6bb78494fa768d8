"""Writes test/fixtures/onnx/: ONNX models as other tools write them (built with onnx.helper in the shapes
skl2onnx, onnxmltools and PyTorch's exporter produce: classifiers ending in a ZipMap, a regressor, a
network ending in logits), with what Python's onnxruntime answers for held-out rows (<name>.json).
`modelgate pack` must serve the same answers.

    .venv-ref/bin/python scripts/reference/make_onnx_fixtures.py
"""
from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from refcommon import DATASETS_DIR, REPO_ROOT

OUT = REPO_ROOT / "test" / "fixtures" / "onnx"
ML = "ai.onnx.ml"


def data(name):
    train = pd.read_csv(DATASETS_DIR / f"{name}-train.csv")
    test = pd.read_csv(DATASETS_DIR / f"{name}-test.csv")
    return train.drop(columns="target"), train["target"], test.drop(columns="target")


def model(nodes, inputs, outputs, initializers=(), producer="skl2onnx", ml=True):
    graph = helper.make_graph(nodes, "foreign", inputs, outputs, list(initializers))
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(ML, 3)] if ml else [])
    m = helper.make_model(graph, opset_imports=opsets, producer_name=producer, producer_version="1.0")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def zipmap_classifier():
    """A LogisticRegression as skl2onnx writes it: LinearClassifier (softmax) -> ZipMap, integer classes."""
    X, y, Xt = data("iris")
    classes = sorted(y.unique())
    lr = LogisticRegression(max_iter=1000).fit(X, y.map(classes.index))
    n = X.shape[1]
    nodes = [
        helper.make_node("LinearClassifier", ["float_input"], ["label", "scores"], domain=ML,
                         coefficients=lr.coef_.ravel().tolist(), intercepts=lr.intercept_.tolist(),
                         classlabels_ints=list(range(len(classes))), multi_class=1, post_transform="SOFTMAX"),
        helper.make_node("ZipMap", ["scores"], ["output_probability"], domain=ML, classlabels_int64s=list(range(len(classes)))),
        helper.make_node("Identity", ["label"], ["output_label"]),
    ]
    out_prob = helper.make_value_info("output_probability", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, []))))
    m = model(nodes, [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, n])],
              [helper.make_tensor_value_info("output_label", TensorProto.INT64, [None]), out_prob])
    return m, Xt, list(X.columns), {"features": False}


def zipmap_strings():
    """A decision tree with string classes, as TreeEnsembleClassifier -> ZipMap."""
    X, y, Xt = data("wine")
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y.astype(str).radd("cultivar-"))
    t = tree.tree_
    leaves = [i for i in range(t.node_count) if t.children_left[i] < 0]
    classes = [str(c) for c in tree.classes_]
    attrs = dict(
        nodes_treeids=[0] * t.node_count, nodes_nodeids=list(range(t.node_count)),
        nodes_featureids=[max(0, int(f)) for f in t.feature],
        nodes_modes=["LEAF" if t.children_left[i] < 0 else "BRANCH_LEQ" for i in range(t.node_count)],
        nodes_values=[float(v) for v in t.threshold],
        nodes_truenodeids=[max(0, int(v)) for v in t.children_left], nodes_falsenodeids=[max(0, int(v)) for v in t.children_right],
        class_treeids=[], class_nodeids=[], class_ids=[], class_weights=[], classlabels_strings=classes,
        post_transform="NONE",
    )
    for leaf in leaves:
        v = t.value[leaf][0]
        v = v / v.sum()
        for c in range(len(classes)):
            attrs["class_treeids"].append(0)
            attrs["class_nodeids"].append(leaf)
            attrs["class_ids"].append(c)
            attrs["class_weights"].append(float(v[c]))
    nodes = [
        helper.make_node("TreeEnsembleClassifier", ["input"], ["output_label", "probabilities"], domain=ML, **attrs),
        helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain=ML, classlabels_strings=classes),
    ]
    out_prob = helper.make_value_info("output_probability", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, []))))
    m = model(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, X.shape[1]])],
              [helper.make_tensor_value_info("output_label", TensorProto.STRING, [None]), out_prob], producer="onnxmltools")
    return m, Xt, list(X.columns), {"features": True}


def regressor():
    """A linear regressor in double precision: MatMul + Add -> [N, 1]."""
    X, y, Xt = data("diabetes")
    lr = LinearRegression().fit(X, y)
    w = numpy_helper.from_array(lr.coef_.reshape(-1, 1).astype(np.float64), "w")
    b = numpy_helper.from_array(np.array([lr.intercept_], dtype=np.float64), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["variable"])]
    m = model(nodes, [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, X.shape[1]])],
              [helper.make_tensor_value_info("variable", TensorProto.DOUBLE, [None, 1])], [w, b], ml=False)
    return m, Xt, list(X.columns), {"features": True}


def logits():
    """A network as PyTorch exports it: Gemm -> Relu -> Gemm, ending in logits; classes given to pack."""
    X, y, Xt = data("iris")
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.normal(size=(4, 8)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.normal(size=(8,)).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(size=(8, 3)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.normal(size=(3,)).astype(np.float32), "b2")
    nodes = [
        helper.make_node("Gemm", ["input.1", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"]),
    ]
    m = model(nodes, [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 4])],
              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])], [w1, b1, w2, b2],
              producer="pytorch", ml=False)
    return m, Xt, list(X.columns), {"features": True, "classes": ["setosa", "versicolor", "virginica"], "softmax": True}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in {"zipmap-ints": zipmap_classifier, "zipmap-strings": zipmap_strings,
                       "regressor": regressor, "logits": logits}.items():
        m, Xt, features, pack = make()
        path = OUT / f"{name}.onnx"
        onnx.save(m, path)
        sess = ort.InferenceSession(str(path))
        inp = sess.get_inputs()[0]
        rows = Xt.to_numpy().astype(np.float64 if inp.type == "tensor(double)" else np.float32)
        outs = sess.run(None, {inp.name: rows})
        names = [o.name for o in sess.get_outputs()]
        expected = {"features": features, "pack": pack, "rows": Xt.to_numpy().tolist()}
        result = dict(zip(names, outs))
        if "output_probability" in result:
            expected["label"] = [x.item() if hasattr(x, "item") else x for x in result["output_label"]]
            expected["classes"] = list(result["output_probability"][0].keys())
            expected["proba"] = [[float(p[c]) for c in expected["classes"]] for p in result["output_probability"]]
        elif "logits" in result:
            z = result["logits"].astype(np.float64)
            p = np.exp(z - z.max(1, keepdims=True))
            expected["proba"] = (p / p.sum(1, keepdims=True)).tolist()
            expected["classes"] = pack["classes"]
            expected["label"] = [pack["classes"][i] for i in p.argmax(1)]
        else:
            expected["value"] = result["variable"].ravel().tolist()
        (OUT / f"{name}.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
