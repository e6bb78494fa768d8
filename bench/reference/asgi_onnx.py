"""The strongest Python serving peer (issue 17, item 9): a bare ASGI callable, no framework, over Python's
onnxruntime, loading the same ONNX file modelgate serves. It answers modelgate's one-named-row format the
benchmark sends with the label and its probability (rounded to 4 decimals, as modelgate does), GET /ready and
/health with 200, and anything else with a 4xx. The feature order and the class labels come from the model
card in the file's metadata (the `modelgate.card` key), as modelgate reads them.

    MODEL_PATH=examples/iris/model.onnx uvicorn --app-dir bench/reference asgi_onnx:app \\
        --no-access-log --loop uvloop --http httptools --port 8000

One session, one intra-op thread and sequential execution (a one-row run gains nothing from more, and the
peer's CPU per request is measured). Only the probabilities output is fetched, the label being its argmax,
and the run options' only_execute_path_to_fetches keeps onnxruntime from running the graph's label branch
anyway (it runs every node unless told). orjson parses and writes JSON when it is installed, else json.
"""
import json
import os

import numpy as np
import onnxruntime as ort

try:
    import orjson

    loads, dumps = orjson.loads, orjson.dumps
except ImportError:  # pragma: no cover - the benchmark's venv has orjson
    loads = json.loads

    def dumps(value):
        return json.dumps(value, separators=(",", ":")).encode()


MAX_BODY = 6 * 1024 * 1024

options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(os.environ["MODEL_PATH"], options, providers=["CPUExecutionProvider"])
run_options = ort.RunOptions()
run_options.only_execute_path_to_fetches = True
card = json.loads(session.get_modelmeta().custom_metadata_map["modelgate.card"])
if card["task"] != "classification":
    raise SystemExit("asgi_onnx.py serves classifiers (label and probability); the card says " + card["task"])
FEATURES = [f["name"] for f in card["features"]]
FEATURE_SET = frozenset(FEATURES)
CLASSES = card["classes"]
INPUT = session.get_inputs()[0].name
PROBABILITIES = next(o.name for o in session.get_outputs() if o.name == "probabilities")

JSON_HEADERS = [(b"content-type", b"application/json")]


def error(status, kind, message):
    return status, dumps({"error": {"type": kind, "message": message}})


def predict(body):
    try:
        row = loads(body)
    except ValueError:
        return error(400, "invalid_json", "the body is not valid JSON")
    if not isinstance(row, dict):
        return error(400, "invalid_body", "send one row as a JSON object of the model's features")
    unknown = [k for k in row if k not in FEATURE_SET]
    if unknown:
        return error(400, "unknown_features", "unknown features: " + ", ".join(unknown))
    values = []
    for name in FEATURES:
        v = row.get(name)
        if v is None:
            values.append(np.nan)  # missing: the model's imputer fills it
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            values.append(v)
        else:
            return error(400, "invalid_feature", f"feature {name} must be a number")
    (probabilities,) = session.run(
        [PROBABILITIES], {INPUT: np.array([values], dtype=np.float32)}, run_options
    )
    p = probabilities[0]
    best = int(p.argmax())
    return 200, dumps({"prediction": {"label": CLASSES[best], "probability": round(float(p[best]), 4)}})


async def read_body(receive):
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    method, path = scope["method"], scope["path"]
    if method == "POST" and path in ("/", "/predict"):
        body = await read_body(receive)
        if body is None:
            return
        status, payload = error(413, "body_too_large", "the body is over 6 MB") if body is False else predict(body)
    elif method in ("GET", "HEAD") and path in ("/ready", "/health"):
        status, payload = 200, b'{"status":"ok"}'
    elif path in ("/", "/predict", "/ready", "/health"):
        status, payload = error(405, "method_not_allowed", f"{method} is not allowed on {path}")
    else:
        status, payload = error(404, "not_found", f"no route for {path}")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": JSON_HEADERS + [(b"content-length", str(len(payload)).encode())],
    })
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})
