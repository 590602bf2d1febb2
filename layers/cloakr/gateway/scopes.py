"""Which scope each route needs: the one table the authorizer and the docs use. Health is the only open route."""

from __future__ import annotations

import re

PUBLIC_ROUTES = frozenset({("GET", "/v1/health")})
ROUTE_SCOPES: dict[tuple[str, str], str] = {
    ("POST", "/v1/redact"): "redact:write",
    ("POST", "/v1/classify"): "redact:write",
    ("POST", "/v1/chat/completions"): "chat:write",
    ("GET", "/v1/models"): "models:read",
    ("GET", "/v1/models/{model_id}"): "models:read",
    ("GET", "/v1/openapi.json"): "models:read",
    ("GET", "/v1/keys"): "keys:admin",
    ("POST", "/v1/keys"): "keys:admin",
    ("DELETE", "/v1/keys/{key_id}"): "keys:admin",
    ("POST", "/v1/keys/{key_id}/rotate"): "keys:admin",
    ("DELETE", "/v1/users/{user_id}"): "users:admin",
    ("GET", "/v1/users/{user_id}/export"): "users:admin",
    ("PUT", "/v1/users/{user_id}/consent"): "users:admin",
    ("PUT", "/v1/users/{user_id}/block"): "users:admin",
    ("DELETE", "/v1/users/{user_id}/block"): "users:admin",
    ("GET", "/v1/consents/required"): "users:admin",
    ("PUT", "/v1/consents/required"): "users:admin",
    ("DELETE", "/v1/keys/{key_id}/block"): "keys:admin",
    ("GET", "/v1/incidents"): "audit:read",
    ("GET", "/v1/audit/events"): "audit:read",
    ("GET", "/v1/audit/verify"): "audit:read",
    ("POST", "/v1/audit/exports"): "audit:export",
    ("GET", "/v1/audit/exports/{export_id}"): "audit:export",
    ("POST", "/v1/encrypt"): "redact:write",
    ("POST", "/v1/decrypt"): "redact:write",
    ("POST", "/v1/reports"): "reports:read",
    ("GET", "/v1/reports/{report_id}"): "reports:read",
    ("POST", "/v1/reports/schedules"): "reports:read",
    ("GET", "/v1/reports/schedules"): "reports:read",
    ("DELETE", "/v1/reports/schedules/{schedule_id}"): "reports:read",
}
_PATTERNS = [(method, re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path, scope) for (method, path), scope in ROUTE_SCOPES.items()]


def scope_for(method: str, path: str) -> str | None:
    """The scope a request needs, or None for an unknown route (refused)."""
    for route_method, pattern, _, scope in _PATTERNS:
        if route_method == method and pattern.match(path):
            return scope
    return None
