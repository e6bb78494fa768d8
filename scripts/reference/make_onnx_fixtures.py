"""Writes test/fixtures/onnx/: ONNX models as other tools write them (built with onnx.helper in the shapes
skl2onnx, onnxmltools and PyTorch's exporter produce: classifiers ending in a ZipMap, a regressor, a
network ending in logits or in a Softmax, a LinearSVC's decision values, a random forest and a gradient
boosting without a ZipMap), with what Python's onnxruntime answers for held-out rows (<name>.json).
`modelgate pack` must serve the same answers, as probabilities only where the graph makes them
("expect": "probabilities") and as scores otherwise ("expect": "scores"). Where scikit-learn computes
the same numbers, the script checks that onnxruntime's answers match it (1e-5) before writing them.

    .venv-ref/bin/python scripts/reference/make_onnx_fixtures.py
"""
from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC
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


def float32_at_most(t):
    """The largest float32 <= t: for a float32 x, x <= t exactly when x <= this (scikit-learn compares the
    float32 features with double thresholds; the ONNX operator with float thresholds)."""
    t32 = np.float32(t)
    return float(np.nextafter(t32, np.float32(-np.inf)) if t32 > t else t32)


def tree_ensemble_attrs(trees, leaf_votes, classes, post_transform):
    """TreeEnsembleClassifier attributes for scikit-learn trees; leaf_votes(t, tree, leaf) -> [(class, weight)]."""
    attrs = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values",
                             "nodes_truenodeids", "nodes_falsenodeids", "class_treeids", "class_nodeids",
                             "class_ids", "class_weights"]}
    for t, tree in enumerate(trees):
        tr = tree.tree_
        for i in range(tr.node_count):
            leaf = tr.children_left[i] < 0
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(i)
            attrs["nodes_featureids"].append(max(0, int(tr.feature[i])))
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            attrs["nodes_values"].append(float32_at_most(tr.threshold[i]))
            attrs["nodes_truenodeids"].append(max(0, int(tr.children_left[i])))
            attrs["nodes_falsenodeids"].append(max(0, int(tr.children_right[i])))
            if leaf:
                for c, w in leaf_votes(t, tr, i):
                    attrs["class_treeids"].append(t)
                    attrs["class_nodeids"].append(i)
                    attrs["class_ids"].append(c)
                    attrs["class_weights"].append(float(w))
    return dict(attrs, classlabels_int64s=list(range(len(classes))), post_transform=post_transform)


def check(got, want, what):
    err = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - np.asarray(want, dtype=np.float64))))
    assert err <= 1e-5, f"{what}: onnxruntime differs from scikit-learn by {err}"


def linear_svc():
    """A LinearSVC as skl2onnx writes it: LinearClassifier (post_transform NONE) -> ZipMap of decision values."""
    X, y, Xt = data("iris")
    classes = sorted(y.unique())
    svc = LinearSVC(random_state=0, max_iter=10000).fit(X, y.map(classes.index))
    nodes = [
        helper.make_node("LinearClassifier", ["float_input"], ["label", "scores"], domain=ML,
                         coefficients=svc.coef_.ravel().tolist(), intercepts=svc.intercept_.tolist(),
                         classlabels_ints=list(range(len(classes))), post_transform="NONE"),
        helper.make_node("ZipMap", ["scores"], ["output_probability"], domain=ML, classlabels_int64s=list(range(len(classes)))),
        helper.make_node("Identity", ["label"], ["output_label"]),
    ]
    out_prob = helper.make_value_info("output_probability", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, []))))
    m = model(nodes, [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, X.shape[1]])],
              [helper.make_tensor_value_info("output_label", TensorProto.INT64, [None]), out_prob])
    return m, Xt, list(X.columns), {"features": True, "expect": "scores"}, {"scores": svc.decision_function(Xt)}


def random_forest():
    """A random forest as skl2onnx writes it without a ZipMap: TreeEnsembleClassifier (NONE) whose leaf values
    are each tree's class fractions divided by the number of trees: averaged, they are probabilities."""
    X, y, Xt = data("wine")
    rf = RandomForestClassifier(n_estimators=7, max_depth=3, random_state=0).fit(X, y)
    n = len(rf.estimators_)

    def votes(t, tr, leaf):
        v = tr.value[leaf][0]
        return [(c, v[c] / v.sum() / n) for c in range(len(rf.classes_)) if v[c] > 0]

    attrs = tree_ensemble_attrs(rf.estimators_, votes, rf.classes_, "NONE")
    nodes = [helper.make_node("TreeEnsembleClassifier", ["input"], ["label", "probabilities"], domain=ML, **attrs)]
    m = model(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, X.shape[1]])],
              [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(rf.classes_)])])
    return m, Xt, list(X.columns), {"features": True, "expect": "probabilities"}, {"proba": rf.predict_proba(Xt)}


def boosting_margins():
    """A gradient boosting as a TreeEnsembleClassifier (NONE) of raw margins, the init's log priors as base
    values: scores, not probabilities, until a softmax makes them scikit-learn's predict_proba."""
    X, y, Xt = data("iris")
    classes = sorted(y.unique())
    gb = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y.map(classes.index))
    stages, k = gb.estimators_.shape
    lr = gb.learning_rate
    trees = [gb.estimators_[s, c] for s in range(stages) for c in range(k)]

    def votes(t, tr, leaf):
        return [(t % k, lr * tr.value[leaf][0][0])]

    attrs = tree_ensemble_attrs(trees, votes, classes, "NONE")
    base = gb._raw_predict_init(Xt.to_numpy()[:1])[0].tolist()
    nodes = [helper.make_node("TreeEnsembleClassifier", ["input"], ["label", "margins"], domain=ML,
                              base_values=base, **attrs)]
    m = model(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, X.shape[1]])],
              [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
               helper.make_tensor_value_info("margins", TensorProto.FLOAT, [None, k])])
    return m, Xt, list(X.columns), {"features": True, "expect": "scores"}, {
        "scores": gb.decision_function(Xt), "proba": gb.predict_proba(Xt)}


def binary_logistic():
    """A binary LogisticRegression as skl2onnx writes it: two opposite rows (-z, z), LOGISTIC, then a ZipMap."""
    X, y, Xt = data("breast_cancer")
    lr = LogisticRegression(max_iter=5000).fit(X, y)
    w, b = lr.coef_.ravel(), float(lr.intercept_[0])
    nodes = [
        helper.make_node("LinearClassifier", ["float_input"], ["label", "probability_tensor"], domain=ML,
                         coefficients=np.concatenate([-w, w]).tolist(), intercepts=[-b, b],
                         classlabels_ints=[0, 1], post_transform="LOGISTIC"),
        helper.make_node("ZipMap", ["probability_tensor"], ["output_probability"], domain=ML, classlabels_int64s=[0, 1]),
        helper.make_node("Identity", ["label"], ["output_label"]),
    ]
    out_prob = helper.make_value_info("output_probability", helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, []))))
    m = model(nodes, [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, X.shape[1]])],
              [helper.make_tensor_value_info("output_label", TensorProto.INT64, [None]), out_prob])
    return m, Xt, list(X.columns), {"features": False, "expect": "probabilities"}, {"proba": lr.predict_proba(Xt)}


def softmax_network():
    """A network as PyTorch exports it with its softmax inside: Gemm -> Relu -> Gemm -> Softmax."""
    X, y, Xt = data("iris")
    rng = np.random.default_rng(1)
    inits = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in
             [("w1", rng.normal(size=(4, 8))), ("b1", rng.normal(size=(8,))),
              ("w2", rng.normal(size=(8, 3))), ("b2", rng.normal(size=(3,)))]]
    nodes = [
        helper.make_node("Gemm", ["input.1", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    m = model(nodes, [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 4])],
              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3])], inits,
              producer="pytorch", ml=False)
    return m, Xt, list(X.columns), {"features": True, "classes": ["setosa", "versicolor", "virginica"],
                                    "expect": "probabilities"}, {}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    makers = {"zipmap-ints": zipmap_classifier, "zipmap-strings": zipmap_strings, "regressor": regressor,
              "logits": logits, "linear-svc": linear_svc, "random-forest": random_forest,
              "boosting-margins": boosting_margins, "binary-logistic": binary_logistic,
              "softmax-network": softmax_network}
    for name, make in makers.items():
        made = make()
        m, Xt, features, pack = made[:4]
        sklearn = made[4] if len(made) > 4 else {}
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
            table = [[float(p[c]) for c in expected["classes"]] for p in result["output_probability"]]
            expected["scores" if pack.get("expect") == "scores" else "proba"] = table
        elif "logits" in result:
            z = result["logits"].astype(np.float64)
            p = np.exp(z - z.max(1, keepdims=True))
            expected["proba"] = (p / p.sum(1, keepdims=True)).tolist()
            expected["classes"] = pack["classes"]
            expected["label"] = [pack["classes"][i] for i in p.argmax(1)]
        elif "probs" in result:
            expected["proba"] = result["probs"].astype(np.float64).tolist()
            expected["classes"] = pack["classes"]
            expected["label"] = [pack["classes"][i] for i in result["probs"].argmax(1)]
        elif "probabilities" in result:
            expected["label"] = result["label"].tolist()
            expected["classes"] = list(range(result["probabilities"].shape[1]))
            expected["proba"] = result["probabilities"].astype(np.float64).tolist()
        elif "margins" in result:
            expected["label"] = result["label"].tolist()
            expected["classes"] = list(range(result["margins"].shape[1]))
            expected["scores"] = result["margins"].astype(np.float64).tolist()
            # With --softmax, the probabilities are scikit-learn's.
            expected["softmaxProba"] = sklearn["proba"].tolist()
        else:
            expected["value"] = result["variable"].ravel().tolist()
        if "proba" in sklearn and "proba" in expected:
            check(expected["proba"], sklearn["proba"], name)
        if "scores" in sklearn:
            check(expected["scores"], sklearn["scores"], name)
        if "softmaxProba" in expected:
            z = np.asarray(expected["scores"])
            p = np.exp(z - z.max(1, keepdims=True))
            check(p / p.sum(1, keepdims=True), expected["softmaxProba"], f"{name} (softmax)")
        (OUT / f"{name}.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
