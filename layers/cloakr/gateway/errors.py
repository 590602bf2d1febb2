"""The only error shape a client ever sees: ``{"error": {"code", "message"}}`` with a fitting status.

Messages are written for the caller and never include request content (which may hold personal data) or
internal details; the stable ``code`` is what clients and the SDK branch on.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 400
    code = "bad_request"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class ValidationError(ApiError):
    status, code = 400, "validation_error"


class InvalidJsonError(ApiError):
    status, code = 400, "invalid_json"


class UnauthorizedError(ApiError):
    status, code = 401, "unauthorized"


class ForbiddenError(ApiError):
    status, code = 403, "forbidden"


class NotFoundError(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowedError(ApiError):
    status, code = 405, "method_not_allowed"


class PayloadTooLargeError(ApiError):
    status, code = 413, "payload_too_large"


class DetectionFailedError(ApiError):
    """Detection failed: the text was not checked, so nothing is forwarded (fail closed)."""

    status, code, retryable = 503, "detection_failed", True


class AuditUnavailableError(ApiError):
    """The audit record could not be written, so the request was not carried out (fail closed)."""

    status, code, retryable = 503, "audit_unavailable", True


class InternalError(ApiError):
    status, code, retryable = 500, "internal_error", True


class EncryptionFailedError(ApiError):
    """KMS or the cipher failed, so the token map could not be protected and nothing was forwarded."""

    status, code, retryable = 503, "encryption_failed", True


class KeyUnavailable(ApiError):
    """The tenant's key is disabled or scheduled for deletion: its data is unreadable until an administrator
    cancels the deletion (and, once deleted, for good). Not retryable: retrying cannot help."""

    status, code = 409, "key_unavailable"


class VaultUnavailableError(ApiError):
    """The token vault could not be read or written, so nothing was forwarded."""

    status, code, retryable = 503, "vault_unavailable", True
