"""The Python reference over HTTP, as users deploy it: a WSGI app for gunicorn that hands each POST body to
a reference handler (HANDLER names its module: app for the reference's app.py logic, sklearn_lambda for the
scikit-learn-lambda logic) as the body of an API Gateway event, and answers with the handler's status and
body. GET /ready answers 200 once the module (and its model) has loaded.

    HANDLER=app MODEL_PATH=model.pkl gunicorn -w 5 -b 127.0.0.1:8000 wsgi:application"""
import importlib
import os

handler = importlib.import_module(os.environ.get("HANDLER", "app")).handler


def application(environ, start_response):
    if environ["REQUEST_METHOD"] == "GET" and environ.get("PATH_INFO") == "/ready":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode("utf-8")
    result = handler({"body": body, "httpMethod": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO")}, None)
    payload = result["body"].encode("utf-8")
    start_response(
        f"{result['statusCode']} {'OK' if result['statusCode'] == 200 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
