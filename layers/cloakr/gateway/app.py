"""The resolver every API function and the local gateway run: routing, errors and security headers in one place.

Anything unexpected becomes a 500 ``internal_error`` with no detail (never a stack trace); every response,
errors included, carries the security headers.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from cloakr.gateway import routes
from cloakr.gateway.errors import ApiError, InternalError, MethodNotAllowedError, NotFoundError
from cloakr.observability import logger, metrics

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def error_response(error: ApiError) -> Response:
    # Exception handlers run outside the middleware chain, so errors get the security headers here.
    headers = {**SECURITY_HEADERS, **({"Retry-After": "1"} if error.retryable else {})}
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON, body=json.dumps(error.body()), headers=headers)


def security_headers(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    response = next_middleware(app)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@lru_cache(maxsize=1)
def build_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()
    for module_info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{module_info.name}")
        app.include_router(module.router)

    @app.exception_handler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        logger.info("request refused", extra={"error_code": error.code, "status": error.status})
        return error_response(error)

    @app.not_found
    def handle_not_found(_: Exception) -> Response:
        path = app.current_event.path
        # Powertools answers 404 for a known path with another method; tell the caller it is the method.
        if any(route.rule.match(path) for route in app._static_routes + app._dynamic_routes):
            return error_response(MethodNotAllowedError(f"{app.current_event.http_method} is not allowed on this route."))
        return error_response(NotFoundError("No such route."))

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        # The exception's message may hold request content; log its type only.
        logger.error("unhandled error", extra={"error_type": type(error).__name__})
        return error_response(InternalError("The request failed on our side; retry later."))

    @app.get("/v1/openapi.json")
    def openapi() -> dict[str, Any]:
        return _openapi_document(app)

    app.use(middlewares=[security_headers])
    return app


def _idempotent(event: dict[str, Any], tenant_id: str | None, handle: Any) -> dict[str, Any]:
    """POSTs of a known tenant go through the idempotency store (see ``cloakr.gateway.idempotency``)."""
    if event.get("httpMethod") != "POST" or not tenant_id:
        return handle()
    from cloakr.constants import TABLE_VAULT
    from cloakr.crypto.byok import tenant_cipher
    from cloakr.gateway.idempotency import IdempotencyError, IdempotencyStore
    from cloakr.gateway.services import services

    cipher = tenant_cipher(services())
    if cipher is None or TABLE_VAULT not in services().tables:
        return handle()  # nowhere to keep answers encrypted: no replay, and nothing stored in clear
    try:
        return IdempotencyStore(services().tables[TABLE_VAULT], cipher).run(event, tenant_id, handle)
    except IdempotencyError as error:
        refused = error_response(error)
        return {"statusCode": refused.status_code, "headers": refused.headers, "multiValueHeaders": {},
                "body": refused.body, "isBase64Encoded": False}


_documents: dict[int, dict[str, Any]] = {}


def _openapi_document(app: APIGatewayRestResolver) -> dict[str, Any]:
    """Built once per process: the routes cannot change while it runs."""
    from cloakr.gateway.openapi import document

    if id(app) not in _documents:
        _documents[id(app)] = document(app)
    return _documents[id(app)]


def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway event; every request, refused or not, counts in its tenant's metrics."""
    started = time.perf_counter()
    tenant_id = ((event.get("requestContext") or {}).get("authorizer") or {}).get("tenant_id")
    if tenant_id:
        logger.append_keys(tenant_id=tenant_id)
    else:
        logger.remove_keys(["tenant_id"])  # the local gateway's threads share the logger across requests
    logger.append_keys(request_id=(event.get("requestContext") or {}).get("requestId"))
    response = _idempotent(event, tenant_id, lambda: build_app().resolve(event, context))
    if tenant_id:
        # Dimensions apply to every metric of this invocation (flushed by the handler's log_metrics).
        # A warm process that did not flush (local gateway) still holds the previous request's tenant: replace it.
        metrics.dimension_set.pop("tenant_id", None)
        metrics.add_dimension(name="tenant_id", value=str(tenant_id))
    metrics.add_metric(name="Requests", unit="Count", value=1)
    metrics.add_metric(name="Latency", unit="Milliseconds", value=(time.perf_counter() - started) * 1000)
    if response.get("statusCode", 500) >= 500:
        metrics.add_metric(name="ServerErrors", unit="Count", value=1)
    return response
