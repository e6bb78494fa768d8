"""Writes test/fixtures/sklearn-1.2-outliers/: the outlier detectors saved by Debian's scikit-learn 1.2
(an older file format: IsolationForest stores no per-node path lengths before 1.5, numpy 1.24 pickles
numpy.core), each with scikit-learn's predict and decision_function on held-out rows (<name>.json).
The differential harness covers 1.6 and 1.9; test/sklearn/outliers.test.ts reads these.

    apt-get install python3-sklearn python3-joblib
    /usr/bin/python3 scripts/reference/make_outlier_fixtures.py
"""
from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import SGDOneClassSVM
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "sklearn-1.2-outliers"

MODELS = {
    "isolation-forest": lambda: IsolationForest(n_estimators=8, random_state=0),
    "isolation-forest-features": lambda: IsolationForest(
        n_estimators=8, max_features=0.5, max_samples=40, contamination=0.1, random_state=0
    ),
    "lof": lambda: make_pipeline(StandardScaler(), LocalOutlierFactor(n_neighbors=7, novelty=True)),
    "one-class-svm": lambda: OneClassSVM(gamma="scale", nu=0.2),
    "sgd-one-class-svm": lambda: make_pipeline(StandardScaler(), SGDOneClassSVM(nu=0.2, random_state=0)),
    "elliptic-envelope": lambda: EllipticEnvelope(contamination=0.15, random_state=0),
}


def main() -> None:
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(1680)
    scale = np.array([1.0, 10.0, 0.1, 3.0])
    X = rng.randn(90, 4) * scale + [0.0, 50.0, -2.0, 5.0]
    Xt = X[rng.randint(0, 90, 24)] + rng.randn(24, 4) * scale * 0.7
    for name, make in MODELS.items():
        model = make().fit(X)
        with open(OUT / f"{name}.pkl", "wb") as f:
            pickle.dump(model, f, protocol=4)
        expected = {
            "name": name,
            "sklearn": sklearn.__version__,
            "rows": Xt.tolist(),
            "predict": model.predict(Xt).tolist(),
            "decision": np.asarray(model.decision_function(Xt), dtype=float).tolist(),
        }
        (OUT / f"{name}.json").write_text(json.dumps(expected, separators=(",", ":")) + "\n")
    print(f"wrote {len(MODELS)} outlier detectors into {OUT} with scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
