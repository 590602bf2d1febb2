"""A small HTTP front that turns requests into API Gateway REST proxy events.

It applies the same authorizer decision API Gateway would (deny -> 401/403 with the JSON error shape), passes the
authorizer context on in ``requestContext.authorizer`` and returns the resolver's response unchanged.
"""

from __future__ import annotations

import base64
import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools import Logger

from cloakr.constants import (
    AUTHORIZER_UNAVAILABLE,
    AUTHORIZER_UNAVAILABLE_STATUS,
    MAX_BODY_BYTES,
)
from cloakr.gateway.app import SECURITY_HEADERS, resolve
from cloakr.gateway.authorizer import authorize
from cloakr.gateway.scopes import PUBLIC_ROUTES

DENY_STATUS = {"unauthorized": 401}
logger = Logger(service="cloakr-local")


def to_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parts = urlsplit(target)
    # Blank values are kept (``?start=``): API Gateway passes them on, and the route must refuse them itself.
    params = parse_qs(parts.query, keep_blank_values=True)
    query = {k: v[-1] for k, v in params.items()} or None
    text_body: str | None
    try:
        text_body, is_b64 = (body.decode("utf-8") if body else None), False
    except UnicodeDecodeError:
        text_body, is_b64 = base64.b64encode(body).decode(), True
    return {
        "resource": parts.path, "path": parts.path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": query,
        "multiValueQueryStringParameters": params or None,
        "pathParameters": None, "stageVariables": None, "isBase64Encoded": is_b64, "body": text_body,
        "methodArn": f"arn:aws:execute-api:local:000000000000:local/prod/{method}{parts.path}",
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": "prod", "httpMethod": method, "path": "/prod" + parts.path,
                           "resourcePath": parts.path, "identity": {"sourceIp": "127.0.0.1"}},
    }


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    payload = {"error": {"code": code, "message": message}}
    return status, {**SECURITY_HEADERS, "Content-Type": "application/json"}, json.dumps(payload).encode()


def handle(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    event = to_event(method, target, headers, body)
    if (method, event["path"]) not in PUBLIC_ROUTES:
        try:
            decision = authorize(event)
        except Exception as exc:  # noqa: BLE001 - as API Gateway does: an authorizer that fails allows nothing
            logger.warning("authorizer failed", extra={"error_type": type(exc).__name__})
            return _error(AUTHORIZER_UNAVAILABLE_STATUS, *AUTHORIZER_UNAVAILABLE)
        if decision["policyDocument"]["Statement"][0]["Effect"] != "Allow":
            code = decision["context"]["error_code"]
            return _error(DENY_STATUS.get(code, 403), code, decision["context"]["message"])
        event["requestContext"]["authorizer"] = decision["context"]
    response = resolve(event, None)
    out_headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        out_headers[name] = ", ".join(values)
    payload = response.get("body") or ""
    data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
    return response["statusCode"], out_headers, data


class Handler(BaseHTTPRequestHandler):
    server_version = "cloakr-local"
    sys_version = ""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            status, headers, data = _error(413, "payload_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        else:
            body = self.rfile.read(length) if length else b""
            status, headers, data = handle(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def __getattr__(self, name: str) -> Any:
        """Every method goes to the gateway (OPTIONS, TRACE, ...), which answers unknown ones with its JSON error,
        as API Gateway does; ``http.server`` would answer them itself with an HTML 501."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines can carry user ids in paths; the resolver logs what is safe to log.
        return


def serve(host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), Handler)
