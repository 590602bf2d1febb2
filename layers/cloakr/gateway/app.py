"""The resolver every API function and the local gateway run: routing, errors and security headers in one place.

Anything unexpected becomes a 500 ``internal_error`` with no detail (never a stack trace); every response,
errors included, carries the security headers.

Every request of a known tenant leaves one audit record: routes write their own (with what they processed); where
a route wrote none (a refusal before its record, a read such as ``GET /v1/audit/verify``), the resolver writes one
naming the route, the outcome, the status and the error code, never content or raw end-user ids. A replayed
idempotent answer is not recorded again (its first run was). A successful answer whose record cannot be written is
replaced by 503 ``audit_unavailable`` (fail closed); a refusal goes back as it is, with the failure logged.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import time
from functools import lru_cache
from typing import Any, Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from cloakr.audit.trail import AuditEvent, begin_request, written_actions
from cloakr.gateway import routes
from cloakr.gateway.errors import ApiError, AuditUnavailableError, InternalError, MethodNotAllowedError, NotFoundError
from cloakr.gateway.scopes import PUBLIC_ROUTES, ROUTE_SCOPES, scope_for
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


#: Scopes of the routes that process end-user content, which admit only users who granted the required consents.
CONTENT_SCOPES = frozenset({"chat:write", "redact:write"})


def _as_event_response(error: ApiError) -> dict[str, Any]:
    refused = error_response(error)
    return {"statusCode": refused.status_code, "headers": refused.headers, "multiValueHeaders": {},
            "body": refused.body, "isBase64Encoded": False}


def _replay_admission(event: dict[str, Any]) -> Callable[[], None]:
    """What a replay must pass first: the same admission as the route (blocked users; consent on content routes),
    so a stored answer never outlives a block, a withdrawn consent or an erasure."""
    def admit() -> None:
        from cloakr.gateway.context import current_principal
        from cloakr.gateway.idempotency import body_user
        from cloakr.gateway.services import services

        consent = scope_for(event.get("httpMethod", ""), event.get("path", "")) in CONTENT_SCOPES
        services().admit(current_principal(event), body_user(event), consent=consent)
    return admit


def _idempotent(event: dict[str, Any], tenant_id: str | None, handle: Any) -> dict[str, Any]:
    """POSTs of a known tenant go through the idempotency store (see ``cloakr.gateway.idempotency``)."""
    if event.get("httpMethod") != "POST" or not tenant_id:
        return handle()
    from cloakr.constants import TABLE_VAULT
    from cloakr.crypto.byok import tenant_cipher
    from cloakr.gateway.idempotency import IdempotencyStore
    from cloakr.gateway.services import services

    cipher = tenant_cipher(services())
    if cipher is None or TABLE_VAULT not in services().tables:
        return handle()  # nowhere to keep answers encrypted: no replay, and nothing stored in clear
    try:
        store = IdempotencyStore(services().tables[TABLE_VAULT], cipher, services().user_key)
        return store.run(event, tenant_id, handle, _replay_admission(event))
    except ApiError as error:  # a refused key, or a replay whose admission failed
        return _as_event_response(error)


# (method, compiled path, route template) of every routed endpoint, to name a request's action without its path
# values (which may be end-user ids).
_TEMPLATES = [(method, re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
              for method, path in (*ROUTE_SCOPES, *PUBLIC_ROUTES)]
_VERBS = {"GET": "read", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
_CATEGORIES = (("/v1/audit", "compliance"), ("/v1/users", "compliance"), ("/v1/consents", "compliance"), ("/v1/reports", "compliance"),
               ("/v1/keys", "admin"), ("/v1/incidents", "admin"))


def request_action(method: str, path: str) -> tuple[str, str]:
    """The audit action and category of a request: its route's fixed path segments and verb
    (``GET /v1/audit/exports/{id}`` -> ``audit.exports.read``), ``route.unknown`` for anything unrouted."""
    template = next((t for m, pattern, t in _TEMPLATES if m == method and pattern.match(path)), None)
    if template is None:
        return "route.unknown", "data_access"
    name = ".".join(part for part in template.split("/")[2:] if part and not part.startswith("{"))
    action = f"{name}.{_VERBS[method]}" if method in _VERBS else name
    category = next((c for prefix, c in _CATEGORIES if template.startswith(prefix)), "data_access")
    return action, category


def _error_code(response: dict[str, Any]) -> str | None:
    try:
        code = json.loads(response.get("body") or "")["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return None
    return code if isinstance(code, str) else None


def _subject_ref(tenant_id: str, event: dict[str, Any]) -> str | None:
    """The end user's existing pseudonym; none is made for a request the route did not record (it may be refused,
    and the id may be anything the caller sent)."""
    from cloakr.compliance import subjects
    from cloakr.gateway.context import MAX_USER_ID
    from cloakr.gateway.idempotency import end_user
    from cloakr.gateway.services import services

    user = end_user(event)
    if not user or len(user) > MAX_USER_ID:
        return None
    try:
        return subjects.user_ref(services(), tenant_id, user, create=False)
    except ApiError:
        return None


def _audited(event: dict[str, Any], tenant_id: str | None, response: dict[str, Any]) -> dict[str, Any]:
    """``response``, after writing the request's audit record if its route wrote none (see the module doc)."""
    from cloakr.gateway.idempotency import REPLAYED_HEADER
    from cloakr.gateway.services import services

    own = [a for a in written_actions() if not a.startswith("security_incident.")]
    if not tenant_id or own or REPLAYED_HEADER in (response.get("multiValueHeaders") or {}):
        return response
    status = int(response.get("statusCode", 500))
    action, category = request_action(event.get("httpMethod", ""), event.get("path", ""))
    refused = status >= 400
    try:
        try:
            retention = services().tenant(tenant_id).retention_days
        except ApiError:
            retention = 365
        record = AuditEvent(tenant_id=tenant_id, action=action, category=category, user_id=_subject_ref(tenant_id, event),
                            outcome="success" if not refused else "refused" if status < 500 else "failed",
                            status=status if refused else None, error_code=_error_code(response) if refused else None,
                            retention_days=retention)
        services().audit.record(record)
    except Exception as exc:  # noqa: BLE001 - whatever failed, the answer below decides (fail closed on success)
        logger.error("audit record of a request not written", extra={"status": status, "action": action,
                                                                     "error_type": type(exc).__name__})
        if not refused:
            return _as_event_response(AuditUnavailableError("The audit trail is unavailable, so the request was not "
                                                            "processed. Retry later."))
    return response


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
    begin_request()
    response = _idempotent(event, tenant_id, lambda: build_app().resolve(event, context))
    response = _audited(event, tenant_id, response)
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
