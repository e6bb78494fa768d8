"""The scikit-learn-lambda toolkit's handler logic, written here from its documented behaviour: the model
(a joblib file named by MODEL_PATH) is loaded once; a request body {"input": [[...], ...],
"return_prediction": true, "return_probabilities": false} is answered with predict's labels and, when asked,
predict_proba's rows as {class: probability}; a missing body key or bad JSON is a 400."""
import json
import os

import joblib

model = joblib.load(os.environ.get("MODEL_PATH", "model.joblib"))


def respond(status, payload):
    return {"isBase64Encoded": False, "statusCode": status, "body": json.dumps(payload, sort_keys=True, default=str)}


def handler(event, context):
    try:
        body = json.loads(event["body"])
    except Exception as exc:
        return respond(400, {"error": f"Failed to parse request body as JSON: {exc}"})
    if "input" not in body:
        return respond(400, {"error": f"Failed to find an 'input' key in request body: {body}"})
    want_prediction = body.get("return_prediction", True)
    want_probabilities = body.get("return_probabilities", False)
    if not (want_prediction or want_probabilities):
        return respond(400, {"error": "Must either specify return_prediction: True or return_probabilities: True"})
    answer = {}
    if want_prediction:
        answer["prediction"] = model.predict(body["input"]).tolist()
    if want_probabilities:
        labels = [str(c) for c in model.classes_]
        answer["probabilities"] = [dict(zip(labels, row)) for row in model.predict_proba(body["input"])]
    return respond(200, answer)
