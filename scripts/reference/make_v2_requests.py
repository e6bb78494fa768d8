"""Writes test/fixtures/v2/requests.json: V2 inference request bodies laid out as tritonclient.http and
kserve's InferenceRESTClient lay them out (neither is installable here), with numpy's own bytes.

The layout follows their source (read, not copied): tritonclient's InferInput.set_data_from_numpy
(binary by default: tensor.tobytes(); BYTES elements each a little-endian uint32 length then the
bytes), _get_inference_request (JSON of id, inputs, outputs, then parameters, where
binary_data_output is true when no output is named; Inference-Header-Content-Length is the JSON's
length) and InferRequestedOutput (binary_data true by default); kserve's InferRequest.to_rest (JSON
of id, model_name, inputs, outputs, parameters) and InferenceRESTClient.infer's headers. Both
libraries write compact JSON (rapidjson, orjson), as json.dumps with separators=(",", ":") does.

Run: .venv-ref/bin/python scripts/reference/make_v2_requests.py
"""

import base64
import json
import struct
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "v2" / "requests.json"


def dumps(value):
    return json.dumps(value, separators=(",", ":"))


def raw(array):
    if array.dtype == np.object_:
        parts = []
        for item in np.nditer(array, flags=["refs_ok"], order="C"):
            s = item.item()
            s = s if isinstance(s, bytes) else str(s).encode("utf-8")
            parts.append(struct.pack("<I", len(s)))
            parts.append(s)
        return b"".join(parts)
    return array.tobytes()


DTYPES = {
    np.float32: "FP32",
    np.float64: "FP64",
    np.int64: "INT64",
    np.int32: "INT32",
    np.uint8: "UINT8",
    np.bool_: "BOOL",
    np.object_: "BYTES",
}


def tensor(name, array):
    return name, array, DTYPES[array.dtype.type]


def triton(model, inputs, outputs=None, request_id=""):
    request = {}
    parameters = {}
    if request_id != "":
        request["id"] = request_id
    bodies = []
    request["inputs"] = []
    for name, array, datatype in inputs:
        data = raw(array)
        bodies.append(data)
        request["inputs"].append(
            {"name": name, "shape": list(array.shape), "datatype": datatype, "parameters": {"binary_data_size": len(data)}}
        )
    if outputs:
        request["outputs"] = [{"name": n, "parameters": {"binary_data": b}} for n, b in outputs]
    else:
        parameters["binary_data_output"] = True
    if parameters:
        request["parameters"] = parameters
    text = dumps(request)
    return {
        "client": "tritonclient",
        "path": f"/v2/models/{model}/infer",
        "headers": {"Inference-Header-Content-Length": str(len(text))},
        "body": base64.b64encode(text.encode() + b"".join(bodies)).decode(),
    }


def kserve(model, inputs, request_id, outputs=None):
    bodies = []
    res = {"id": request_id, "model_name": model, "inputs": []}
    for name, array, datatype in inputs:
        data = raw(array)
        bodies.append(data)
        res["inputs"].append(
            {"name": name, "shape": list(array.shape), "datatype": datatype, "parameters": {"binary_data_size": len(data)}}
        )
    if outputs:
        res["outputs"] = [{"name": n} for n in outputs]
    text = dumps(res).encode()
    return {
        "client": "kserve",
        "path": f"/v2/models/{model}/infer",
        "headers": {
            "inference-header-content-length": str(len(text)),
            "content-type": "application/octet-stream",
        },
        "body": base64.b64encode(text + b"".join(bodies)).decode(),
    }


IRIS = np.array([[5.9, 3.0, 5.1, 1.8], [5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]], dtype=np.float32)
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

requests = {
    "triton-iris-fp32": triton("iris", [tensor("input", IRIS)]),
    "triton-iris-fp64-columns": triton(
        "iris",
        [tensor(f, IRIS[:, [j]].astype(np.float64)) for j, f in enumerate(FEATURES)],
        outputs=[("label", True), ("probabilities", False)],
        request_id="7",
    ),
    "triton-iris-nan": triton("iris", [tensor("input", np.array([[5.9, np.nan, 5.1, np.nan]], dtype=np.float32))]),
    "kserve-iris-fp32": kserve("iris", [tensor("input-0", IRIS)], "0b5e7f3e-9c1d-4a57-8d0e-3c9f1f3a2b11"),
    "triton-typed": triton(
        "typed",
        [
            tensor("x0", np.array([[1.5], [2.0]], dtype=np.float32)),
            tensor("x1", np.array([[True], [False]], dtype=np.bool_)),
            tensor("color", np.array([["b"], ["c"]], dtype=np.object_)),
        ],
    ),
    "kserve-typed-bytes": kserve(
        "typed",
        [
            tensor("x0", np.array([1.5, 2.0], dtype=np.float32)),
            tensor("x1", np.array([True, False], dtype=np.bool_)),
            tensor("Color", np.array([b"b", "c"], dtype=np.object_)),
        ],
        "k",
        outputs=["value"],
    ),
}

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(requests, indent=2) + "\n")
print(f"wrote {len(requests)} requests to {OUT}")
