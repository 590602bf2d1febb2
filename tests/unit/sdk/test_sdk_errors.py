from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from cloakr.sdk import errors


@pytest.mark.parametrize(("status", "code", "cls"), [
    (401, "invalid_api_key", errors.AuthenticationError),
    (403, "missing_scope", errors.PermissionDeniedError),
    (403, "wrong_region", errors.ResidencyError),
    (403, "model_not_allowed_in_region", errors.ResidencyError),
    (400, "invalid_json", errors.ValidationError),
    (422, "unknown_field", errors.ValidationError),
    (413, "body_too_large", errors.ValidationError),
    (404, "not_found", errors.NotFoundError),
    (409, "idempotency_conflict", errors.ConflictError),
    (429, "rate_limited", errors.RateLimitError),
    (500, "detection_failed", errors.ServerError),
    (503, "upstream_unavailable", errors.ServerError),
])
def test_status_and_code_choose_the_exception(status: int, code: str, cls: type) -> None:
    exc = errors.error_from_response(status, {"error": {"code": code, "message": "why"}}, {"x-request-id": "r1"})
    assert type(exc) is cls
    assert (exc.status, exc.code, exc.message, exc.request_id) == (status, code, "why", "r1")
    assert "HTTP" in str(exc) and code in str(exc) and "r1" in str(exc)


def test_residency_error_is_still_a_permission_error() -> None:
    exc = errors.error_from_response(403, {"error": {"code": "wrong_region", "message": "use eu"}})
    assert isinstance(exc, errors.PermissionDeniedError) and isinstance(exc, errors.CloakrError)


def test_bodies_that_are_not_cloakr_envelopes_still_map() -> None:
    assert errors.error_from_response(401, {"message": "Unauthorized"}).message == "Unauthorized"
    exc = errors.error_from_response(502, None)
    assert isinstance(exc, errors.ServerError) and exc.message == "HTTP 502" and exc.code is None


def test_rate_limit_carries_retry_after() -> None:
    exc = errors.error_from_response(429, {}, {"retry-after": "7"})
    assert isinstance(exc, errors.RateLimitError) and exc.retry_after == 7.0


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert errors.parse_retry_after("3") == 3.0
    assert errors.parse_retry_after("-4") == 0.0
    assert errors.parse_retry_after(None) is None
    assert errors.parse_retry_after("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 < errors.parse_retry_after(format_datetime(later, usegmt=True)) <= 120
