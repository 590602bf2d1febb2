"""Exceptions raised by the SDK, one class per thing a caller can do something about.

The gateway answers every failure with ``{"error": {"code", "message"}}``; the class is chosen from the HTTP status
and, where one status covers different remedies (403: missing scope vs. wrong region), from the stable ``code``.
Messages never carry request bodies, so an exception logged by the caller cannot leak the prompt it was about.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

#: 403 codes that mean "this request may not be served here": the fix is another region or model, not another key.
RESIDENCY_CODES = frozenset(
    {"wrong_region", "model_not_allowed_in_region", "routing_not_allowed", "residency_violation", "region_mismatch"}
)


class CloakrError(Exception):
    """Base class: catch this to handle every failure the SDK reports."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 request_id: str | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}{', ' + self.code if self.code else ''})")
        if self.request_id:
            parts.append(f"[request {self.request_id}]")
        return " ".join(parts)


class APIError(CloakrError):
    """The gateway answered with an error status."""


class AuthenticationError(APIError):
    """401: the API key is missing, unknown, expired or revoked."""


class PermissionDeniedError(APIError):
    """403: the key lacks the scope for this route, or the user is blocked."""


class ResidencyError(PermissionDeniedError):
    """403 because of data residency: wrong regional endpoint, or a model whose routing leaves the allowed area."""


class ValidationError(APIError):
    """400/413/422: the request was malformed; the message says which field. Also raised before any request is sent
    (``status`` None) when the SDK's own checks reject an argument: the message names the field and the problem,
    never the value, which may be the personal data being redacted."""


class NotFoundError(APIError):
    """404: the key, export, report or user does not exist (for this tenant)."""


class ConflictError(APIError):
    """409: the request conflicts with the current state (e.g. an idempotency key reused with another body)."""


class RateLimitError(APIError):
    """429 after the retries were used up; ``retry_after`` is the server's hint in seconds, if it gave one."""

    retry_after: float | None = None


class ServerError(APIError):
    """5xx after the retries were used up. Cloakr fails closed, so nothing was forwarded upstream."""


class APIConnectionError(CloakrError):
    """The gateway could not be reached (DNS, refused connection, TLS, dropped connection)."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within the configured timeout."""


class IncidentEventError(CloakrError):
    """A webhook body is not a Cloakr security incident (or an SNS envelope of one)."""


def _class_for(status: int, code: str | None) -> type[APIError]:
    if status == 401:
        return AuthenticationError
    if status == 403:
        return ResidencyError if code in RESIDENCY_CODES else PermissionDeniedError
    if status in (400, 413, 415, 422):
        return ValidationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return APIError


def error_from_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> APIError:
    """Build the exception for an error response; tolerant of bodies that are not Cloakr's envelope (proxies, WAF)."""
    headers = headers or {}
    code: str | None = None
    message = f"HTTP {status}"
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        code = body["error"].get("code") if isinstance(body["error"].get("code"), str) else None
        if isinstance(body["error"].get("message"), str):
            message = body["error"]["message"]
    elif isinstance(body, Mapping) and isinstance(body.get("message"), str):
        message = body["message"]  # API Gateway's own errors: {"message": "Unauthorized"}
    request_id = headers.get("x-request-id") or headers.get("x-amzn-requestid")
    error = _class_for(status, code)(message, status=status, code=code, request_id=request_id, body=body)
    if isinstance(error, RateLimitError):
        error.retry_after = parse_retry_after(headers.get("retry-after"))
    return error


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
