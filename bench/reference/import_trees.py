"""Tree ensembles of 500 trees for the import benchmark, and what skl2onnx would write for each.

python import_trees.py <out dir>: fits RandomForest (max_depth 10 and unlimited), ExtraTrees,
GradientBoosting, HistGradientBoosting and LightGBM classifiers on one synthetic 3-class set, saves
each with joblib, and writes expected.json: rows, predict_proba on them, and the size of the tree
ensemble node skl2onnx's converters would write.

skl2onnx is not installable here, so its node is rebuilt from the layout its common converter code
(skl2onnx/common/tree_ensemble.py, add_node) documents: per node nodes_treeids, nodes_nodeids,
nodes_featureids, nodes_modes (a string), nodes_values (float), nodes_truenodeids,
nodes_falsenodeids, nodes_missing_value_tracks_true and nodes_hitrates (1.0); per leaf and class
class_treeids, class_nodeids, class_ids and class_weights (float), one weight per leaf for two
classes. Serialized by onnx's own protobuf (repeated fields unpacked, as onnx.proto declares them).
Gradient boosting gives each leaf one class (class_ids = the tree's class), as skl2onnx's
GradientBoosting and HistGradientBoosting converters do. LightGBM is converted by onnxmltools, not
skl2onnx; its figure is the same layout over the same trees.
"""

import json
import sys

import joblib
import lightgbm
import numpy as np
from onnx import helper
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)

out = sys.argv[1]
rng = np.random.default_rng(0)
X = rng.normal(size=(4000, 20))
y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
rows = X[::300]


def skl2onnx_node(trees, n_classes):
    """trees: (left, right, feature, threshold, leaf weights by node) each; the node's serialized size."""
    a = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values", "true", "false", "missing", "hit")}
    c = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    for t, (left, right, feature, threshold, weights) in enumerate(trees):
        for n in range(len(left)):
            leaf = left[n] < 0
            a["treeids"].append(t)
            a["nodeids"].append(n)
            a["featureids"].append(0 if leaf else int(feature[n]))
            a["modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["values"].append(0.0 if leaf else float(threshold[n]))
            a["true"].append(0 if leaf else int(left[n]))
            a["false"].append(0 if leaf else int(right[n]))
            a["missing"].append(0)
            a["hit"].append(1.0)
            if leaf:
                for k, w in weights(n):
                    c["treeids"].append(t)
                    c["nodeids"].append(n)
                    c["ids"].append(k)
                    c["weights"].append(float(w))
    node = helper.make_node(
        "TreeEnsembleClassifier",
        ["X"],
        ["label", "probabilities"],
        domain="ai.onnx.ml",
        classlabels_int64s=list(range(n_classes)),
        post_transform="NONE",
        nodes_treeids=a["treeids"],
        nodes_nodeids=a["nodeids"],
        nodes_featureids=a["featureids"],
        nodes_modes=a["modes"],
        nodes_values=a["values"],
        nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"],
        nodes_missing_value_tracks_true=a["missing"],
        nodes_hitrates=a["hit"],
        class_treeids=c["treeids"],
        class_nodeids=c["nodeids"],
        class_ids=c["ids"],
        class_weights=c["weights"],
    )
    return len(node.SerializeToString()), sum(len(x[0]) for x in trees), len(c["ids"])


def forest_trees(model):
    trees = []
    for est in model.estimators_:
        tr = est.tree_
        values = tr.value[:, 0, :]

        def weights(n, values=values):
            v = values[n] / values[n].sum() / len(model.estimators_)
            return [(1, v[1])] if len(v) == 2 else list(enumerate(v))

        trees.append((tr.children_left, tr.children_right, tr.feature, tr.threshold, weights))
    return trees


def boosting_trees(model):
    trees = []
    for stage in model.estimators_:
        for k, est in enumerate(stage):
            tr = est.tree_
            trees.append(
                (tr.children_left, tr.children_right, tr.feature, tr.threshold,
                 lambda n, tr=tr, k=k: [(k, tr.value[n, 0, 0] * model.learning_rate)])
            )
    return trees


def hist_trees(model):
    trees = []
    for stage in model._predictors:
        for k, p in enumerate(stage):
            nodes = p.nodes
            left = nodes["left"].astype(np.int64)
            left[nodes["is_leaf"] != 0] = -1
            trees.append((left, nodes["right"], nodes["feature_idx"], nodes["num_threshold"],
                          lambda n, nodes=nodes, k=k: [(k, nodes["value"][n])]))
    return trees


def lightgbm_trees(model):
    trees = []
    dump = model.booster_.dump_model()
    k = dump["num_tree_per_iteration"]
    for i, info in enumerate(dump["tree_info"]):
        left, right, feature, threshold, value = [], [], [], [], []

        def walk(node):
            n = len(left)
            for lst in (left, right, feature, threshold, value):
                lst.append(0)
            if "leaf_index" in node or "split_index" not in node:
                left[n] = -1
                value[n] = node.get("leaf_value", 0.0)
                return n
            feature[n] = node["split_feature"]
            threshold[n] = node["threshold"]
            left[n] = walk(node["left_child"])
            right[n] = walk(node["right_child"])
            return n

        walk(info["tree_structure"])
        trees.append((left, right, feature, threshold, lambda n, value=value, k=i % k: [(k, value[n])]))
    return trees


models = {
    "rf-depth10": (RandomForestClassifier(500, max_depth=10, random_state=0, n_jobs=2), forest_trees),
    "rf-unlimited": (RandomForestClassifier(500, random_state=0, n_jobs=2), forest_trees),
    "extra-trees": (ExtraTreesClassifier(500, random_state=0, n_jobs=2), forest_trees),
    "gradient-boosting": (GradientBoostingClassifier(n_estimators=500, random_state=0), boosting_trees),
    "hist-gradient-boosting": (
        HistGradientBoostingClassifier(max_iter=500, early_stopping=False, random_state=0),
        hist_trees,
    ),
    "lightgbm": (lightgbm.LGBMClassifier(n_estimators=500, random_state=0, verbose=-1), lightgbm_trees),
}
only = sys.argv[2].split(",") if len(sys.argv) > 2 else list(models)
result = {}
for name in only:
    model, trees_of = models[name]
    model.fit(X, y)
    joblib.dump(model, f"{out}/{name}.joblib")
    size, nodes, leaf_weights = skl2onnx_node(trees_of(model), 3)
    result[name] = {
        "estimator": type(model).__name__,
        "rows": rows.tolist(),
        "proba": model.predict_proba(rows).tolist(),
        "skl2onnxTreeBytes": size,
        "nodes": nodes,
        "leafWeights": leaf_weights,
    }
    print(name, nodes, "nodes", size, "bytes in skl2onnx's layout", file=sys.stderr)
    json.dump(result, open(f"{out}/expected-trees.json", "w"))
