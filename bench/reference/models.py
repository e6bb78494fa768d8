"""The benchmark's models. The seed toolkit's MLPs: MLPClassifier with three hidden layers of each width,
trained on iris, saved with joblib as that toolkit does (fitted on an array: its handler is given arrays),
and the same network fitted on the named DataFrame (identical weights: same data and seed) pickled for the
reference's app.py logic, which is given named rows. Likewise the iris reference Pipeline: pickled as fitted on
the DataFrame for app.py, and fitted on the array and saved with joblib for the scikit-learn-lambda logic. argv: out folder, iris CSV, widths "100,250,...".
Prints each model's files as JSON."""
import json
import pickle
import sys
import warnings

import joblib
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

out, csv, widths = sys.argv[1], sys.argv[2], [int(w) for w in sys.argv[3].split(",") if w]
df = pd.read_csv(csv)
df.columns = [c.lower().replace(" ", "_").replace(".", "_") for c in df.columns]
X, y = df.drop(columns=["species"]), df["species"]
models = {}

def pipeline():
    return Pipeline([("imputer", SimpleImputer(strategy="mean")), ("model", GradientBoostingClassifier(random_state=0))])


with open(f"{out}/iris.pkl", "wb") as f:
    pickle.dump(pipeline().fit(X, y), f)
joblib.dump(pipeline().fit(X.to_numpy(), y), f"{out}/iris.joblib")
models["iris"] = {"pickle": f"{out}/iris.pkl", "joblib": f"{out}/iris.joblib"}

warnings.simplefilter("ignore", ConvergenceWarning)
for w in widths:
    def mlp():
        return MLPClassifier(hidden_layer_sizes=(w, w, w), max_iter=50, random_state=0)

    joblib.dump(mlp().fit(X.to_numpy(), y), f"{out}/mlp-{w}.joblib")
    with open(f"{out}/mlp-{w}.pkl", "wb") as f:
        pickle.dump(mlp().fit(X, y), f)
    models[f"mlp-{w}"] = {"pickle": f"{out}/mlp-{w}.pkl", "joblib": f"{out}/mlp-{w}.joblib"}
print(json.dumps({"features": list(X.columns), "rows": X.to_numpy()[::10].tolist(), "models": models}))
