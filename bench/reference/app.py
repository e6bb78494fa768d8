"""The Python reference deployment, as its app.py does it: a Lambda handler that loads a pickled
scikit-learn Pipeline(SimpleImputer, GradientBoostingClassifier) at import time and answers one named
row with the predicted label and its probability. modelgate's serving benchmark measures this beside
modelgate's own handler (bench/serving.mjs)."""
import json
import os
import pickle

import pandas as pd

with open(os.environ.get("MODEL_PATH", "model.pkl"), "rb") as f:
    model = pickle.load(f)


def handler(event, context):
    body = event["body"]
    if isinstance(body, str):
        body = json.loads(body)
    row = pd.DataFrame([body])
    label = model.predict(row)[0]
    probability = model.predict_proba(row)[0].max()
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"prediction": {"label": str(label), "probability": round(float(probability), 4)}}),
    }
