"""Trains the reference's model on the iris CSV and pickles it: Pipeline(SimpleImputer, GBC)."""
import pickle
import sys

import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

csv, out = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv)
df.columns = [c.lower().replace(" ", "_").replace(".", "_") for c in df.columns]
X = df.drop(columns=["species"])
y = df["species"]
model = Pipeline([("imputer", SimpleImputer(strategy="mean")), ("model", GradientBoostingClassifier(random_state=0))])
model.fit(X, y)
with open(out, "wb") as f:
    pickle.dump(model, f)
