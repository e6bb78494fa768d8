"""The differential cases: hundreds of small scikit-learn models, each fitted on a seeded synthetic
dataset and saved twice (pickle, and joblib compressed with zlib level 3), with scikit-learn's own
answers on held-out rows beside them. test/sklearn/differential.test.ts imports every file as
`modelgate import` does and compares; docs/importing.md's coverage table counts the outcomes.

    .venv-ref/bin/python scripts/reference/differential/generate.py OUT_DIR [--only TEXT] [--list]

For each case NAME it writes NAME.pkl, NAME.joblib and NAME.json:
    name, family, sklearn (version), estimator (as modelgate describes it), task,
    features (names, or null when fitted on a plain array), rows (held out; null where missing),
    predict (labels, values, clusters, or 1/-1 for an outlier detector), classes and proba (where
    the estimator has predict_proba), distances (a KMeans-like clusterer's transform), decision (an
    outlier detector's decision_function),
    refusedRows (held-out rows scikit-learn's predict refuses, where there are any).
and index.json (the versions, the families in the table's order, every case with its family).
The committed copy is test/fixtures/differential/ (written by scikit-learn 1.9.1).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import sys
import warnings
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # refcommon
sys.dont_write_bytecode = True  # no __pycache__ beside the case modules
# One thread: the same fitted models on every machine, and no oversubscribed cores while fitting.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import joblib  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.base import is_classifier, is_clusterer, is_outlier_detector, is_regressor  # noqa: E402
from sklearn.mixture._base import BaseMixture  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import ensembles  # noqa: E402
import kernels  # noqa: E402
import baselines  # noqa: E402
import clusters  # noqa: E402
import cross_decomposition  # noqa: E402
import gaussian_process  # noqa: E402
import multi_output  # noqa: E402
import semi_supervised  # noqa: E402
import linear  # noqa: E402
import model_selection  # noqa: E402
import linear2  # noqa: E402
import naive_bayes  # noqa: E402
import outliers  # noqa: E402
import refused  # noqa: E402
import text  # noqa: E402
import transformers  # noqa: E402
import transformers2  # noqa: E402
import trees  # noqa: E402
from case import FAMILIES, Case  # noqa: E402
from refcommon import refused_rows  # noqa: E402


def all_cases() -> list[Case]:
    cases = (
        transformers.cases()
        + transformers2.cases()
        + linear.cases()
        + linear2.cases()
        + naive_bayes.cases()
        + kernels.cases()
        + trees.cases()
        + ensembles.cases()
        + model_selection.cases()
        + baselines.cases()
        + cross_decomposition.cases()
        + gaussian_process.cases()
        + multi_output.cases()
        + semi_supervised.cases()
        + clusters.cases()
        + outliers.cases()
        + text.cases()
        + refused.cases()
    )
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case names: {sorted(duplicates)}")
    return sorted(cases, key=lambda c: (FAMILIES.index(c.family), c.name))


def version() -> tuple:
    return tuple(int(p) for p in sklearn.__version__.split(".")[:2])


def described(model) -> str:
    """The estimator as modelgate's card names it: Pipeline(Step, ..., Final) or the class."""
    if isinstance(model, Pipeline):
        steps = [type(s).__name__ for _, s in model.steps if s is not None and s != "passthrough"]
        return f"Pipeline({', '.join(steps)})"
    return type(model).__name__


def scalar(v):
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"a non-finite answer from scikit-learn: {v}")
    return v


def cell(v) -> object:
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def fit(case: Case) -> dict:
    d = case.data()
    X = d.X if case.frame else d.X.to_numpy()
    Xt = d.Xt if case.frame else d.Xt.to_numpy()
    if case.column is not None:
        X, Xt = d.X[case.column], d.Xt[case.column]
    with warnings.catch_warnings():
        # Convergence and deprecation warnings say nothing about what the fitted model answers.
        warnings.simplefilter("ignore")
        model = case.make()
        # Every random_state left unset, fixed: the same fitted model (and file) on every run.
        unset = {k: 0 for k, v in model.get_params(deep=True).items() if k.endswith("random_state") and v is None}
        model.set_params(**unset)
        model.fit(X, d.y)
        refusals = refused_rows(model, Xt)
        answered = Xt.drop(index=Xt.index[refusals]) if case.frame else np.delete(Xt, refusals, axis=0)
        predict = model.predict(answered)
        proba = model.predict_proba(answered) if hasattr(model, "predict_proba") else None
        distances = cluster_distances(model, answered)
        decision = model.decision_function(answered) if is_outlier_detector(model) else None
        unanswerable = sorted(set(cosine_ties(model, answered)) | set(lowercased_otherwise(model, answered)))
        if proba is not None:
            # Rows scikit-learn answers with NaN probabilities (a LabelPropagation's row far from every
            # training row): no answer to compare, and modelgate refuses them.
            nan_rows = [r for r, row in enumerate(np.asarray(proba, dtype=float)) if not np.all(np.isfinite(row))]
            unanswerable = sorted(set(unanswerable) | set(nan_rows))
            proba = np.where(np.isfinite(proba), proba, 0.0)
    task = (
        "classification" if is_classifier(model)
        else "regression" if is_regressor(model)
        else "clustering" if is_clusterer(model) or is_mixture(model)
        else "outlier-detection" if is_outlier_detector(model)
        else "other"
    )
    rows = [[cell(v) for v in row] for row in d.Xt.to_numpy(dtype=object)]
    expected = {
        "name": case.name,
        "family": case.family,
        "sklearn": sklearn.__version__,
        "estimator": described(model),
        "task": task,
        "features": [str(c) for c in d.X.columns] if case.frame and case.column is None else None,
        # The rows scikit-learn answers, then those it refuses (an unknown category, a missing value).
        "rows": [row for r, row in enumerate(rows) if r not in refusals],
        "predict": [scalar(v) for v in np.asarray(predict).tolist()] if np.ndim(predict) == 1 else np.asarray(predict).tolist(),
    }
    if refusals:
        expected["refusedRows"] = [rows[r] for r in refusals]
    if hasattr(model, "classes_") and task == "classification":
        expected["classes"] = [scalar(c) for c in model.classes_]
    if proba is not None:
        expected["proba"] = np.asarray(proba).tolist()
    if distances is not None:
        expected["distances"] = distances.tolist()
    if decision is not None:
        expected["decision"] = np.asarray(decision, dtype=float).ravel().tolist()
    if unanswerable:
        expected["unanswerable"] = unanswerable
    return {"model": model, "expected": expected}


def lowercased_otherwise(model, X) -> list[int]:
    """The rows whose text a lowercasing text vectorizer reads otherwise than modelgate's graph could:
    Python's str.lower maps a capital sigma by its place in the word and a dotted capital I to two
    characters, and onnxruntime's StringNormalizer does neither. modelgate refuses those rows."""
    from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

    params = model.get_params(deep=True).values() if hasattr(model, "get_params") else []
    if not any(isinstance(v, (CountVectorizer, HashingVectorizer)) and v.lowercase for v in [model, *params]):
        return []
    cells = X.to_numpy(dtype=object) if hasattr(X, "to_numpy") else np.asarray(X, dtype=object)
    cells = cells.reshape(len(cells), -1)
    return [r for r, row in enumerate(cells) if any(isinstance(c, str) and ("Σ" in c or "İ" in c) for c in row)]


def cosine_ties(model, X) -> list[int]:
    """The rows (indices into X) a cosine k-neighbours model answers by a tie modelgate does not
    reproduce: training rows exactly as far as the k-th nearest, beyond k of them, that disagree on the
    class or target. Which of them numpy's argpartition keeps decides scikit-learn's answer there;
    modelgate refuses those rows."""
    final = model[-1] if isinstance(model, Pipeline) else model
    if getattr(final, "effective_metric_", None) != "cosine" or not hasattr(final, "_y"):
        return []
    from sklearn.metrics.pairwise import cosine_distances

    Xf = model[:-1].transform(X) if isinstance(model, Pipeline) else X
    d = cosine_distances(np.asarray(Xf, dtype=float), final._fit_X)
    codes = np.asarray(final._y)
    k = final.n_neighbors
    out = []
    for r, row in enumerate(d):
        kth = np.sort(row)[k - 1]
        if (row <= kth).sum() > k and len(np.unique(codes[row == kth], axis=0)) > 1:
            out.append(r)
    return out
def is_mixture(model) -> bool:
    """A Gaussian mixture (a density estimator, not a ClusterMixin) answers clusters: predict is each
    row's most probable component, predict_proba the probabilities of every component."""
    final = model[-1] if isinstance(model, Pipeline) else model
    return isinstance(final, BaseMixture)


def cluster_distances(model, X):
    """A clusterer's distances to each of its clusters (KMeans.transform), where transform gives those:
    Birch's transform, say, measures subclusters, not the clusters predict answers."""
    final = model[-1] if isinstance(model, Pipeline) else model
    centers = getattr(final, "cluster_centers_", None)
    if not is_clusterer(model) or centers is None or not hasattr(model, "transform"):
        return None
    d = np.asarray(model.transform(X), dtype=float)
    return d if d.ndim == 2 and d.shape[1] == len(centers) else None


def write(case: Case, out: Path, fitted: dict) -> None:
    model = fitted["model"]
    # Every pickle protocol a current Python writes, spread over the cases (2 to 5).
    protocol = 2 + zlib.crc32(case.name.encode()) % 4
    with open(out / f"{case.name}.pkl", "wb") as f:
        pickle.dump(model, f, protocol=protocol)
    joblib.dump(model, out / f"{case.name}.joblib", compress=("zlib", 3))
    expected = fitted["expected"] | {"pickleProtocol": protocol}
    (out / f"{case.name}.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--only", help="only the cases whose name contains this text")
    parser.add_argument("--list", action="store_true", help="print the case names and families")
    args = parser.parse_args()
    cases = [c for c in all_cases() if not args.only or args.only in c.name]
    if args.list:
        for c in cases:
            print(f"{c.family}\t{c.name}")
        return 0
    if args.out is None:
        parser.error("give the folder to write the cases into")
    args.out.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    for case in cases:
        low, high = case.versions
        if not (low <= version() <= high):
            skipped += 1
            continue
        try:
            fitted = fit(case)
        except Exception as err:  # noqa: BLE001 - the case is named, the run stops
            raise SystemExit(f"case {case.name} failed under scikit-learn {sklearn.__version__}: {err!r}") from err
        write(case, args.out, fitted)
        written += 1
    index = {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "families": FAMILIES,
        "cases": [{"name": c.name, "family": c.family} for c in cases if c.versions[0] <= version() <= c.versions[1]],
    }
    if args.only:
        print("index.json left as it was (--only writes some cases, the index lists them all)")
    else:
        (args.out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    note = f" ({skipped} need another scikit-learn)" if skipped else ""
    print(f"wrote {written} cases into {args.out} with scikit-learn {sklearn.__version__}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
