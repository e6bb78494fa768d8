"""A minimal Lambda runtime for the Python reference, standard library only: the Runtime API loop that
Lambda's Python runtime (awslambdaric) runs, without its extras (awslambdaric itself is not in the
local pip mirror). It imports the handler module named by _HANDLER from LAMBDA_TASK_ROOT (the import
is the reference's init: pandas, scikit-learn, the pickled model), reports an import failure as an
init error, then takes invocations one at a time and posts each answer or error back. Being lighter
than awslambdaric, it makes the reference's measured init a lower bound."""
import http.client
import importlib
import json
import os
import sys
import traceback

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
conn = http.client.HTTPConnection(api)


def post(path, payload, headers=None):
    conn.request("POST", path, json.dumps(payload), {"Content-Type": "application/json", **(headers or {})})
    conn.getresponse().read()


def error_of(exc):
    return {"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": traceback.format_exc().splitlines()}


try:
    handler = getattr(importlib.import_module(module_name), function_name)
except Exception as exc:  # the init error Lambda would report
    post("/2018-06-01/runtime/init/error", error_of(exc), {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    sys.exit(1)

while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    response = conn.getresponse()
    request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
    event = json.loads(response.read())
    try:
        result = handler(event, None)
    except Exception as exc:
        post(f"/2018-06-01/runtime/invocation/{request_id}/error", error_of(exc))
        continue
    post(f"/2018-06-01/runtime/invocation/{request_id}/response", result)
