"""``POST /v1/encrypt`` and ``POST /v1/decrypt``: envelope encryption under the caller's tenant key.

The key is the tenant's own KMS key when it brought one (``cloakr admin byok``), else the stack's data key; either
way the KMS encryption context and the GCM associated data bind the tenant, the region and the purpose, so a
ciphertext from another tenant or another purpose fails. Such failures answer one undifferentiated 400
``decryption_failed`` (no oracle telling which check failed); a disabled or shredded tenant key answers 409
``key_unavailable``; a KMS outage answers 503 ``encryption_failed`` (retryable). Audit records name the action
and the purpose, never the payload.

Purposes given by API callers live in their own ``api:`` namespace, so no API call can open the gateway's own
blobs (the ``token-vault`` conversation maps).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from cloakr.audit.trail import AuditEvent
from cloakr.constants import MAX_BODY_BYTES
from cloakr.crypto import CiphertextError, EncryptionError, KeyUnavailableError
from cloakr.crypto.byok import tenant_cipher
from cloakr.gateway.context import current_principal
from cloakr.gateway.errors import (
    ApiError,
    EncryptionFailedError,
    KeyUnavailable,
    PayloadTooLargeError,
    ValidationError,
)
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.observability import logger

router = Router()
#: Largest plaintext accepted: its base64 ciphertext must still fit a response (and the request body limit).
MAX_PLAINTEXT_BYTES = 512 * 1024
PURPOSE_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
DEFAULT_PURPOSE = "default"
API_PURPOSE_PREFIX = "api:"


class EncryptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"plaintext": "aGVsbG8gd29ybGQ=", "purpose": "notes"}]})
    plaintext: str = Field(max_length=MAX_BODY_BYTES, description="base64 of the bytes to encrypt")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


class DecryptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    ciphertext: str = Field(max_length=MAX_BODY_BYTES, description="base64, as /v1/encrypt returned it")
    purpose: str | None = Field(default=None, pattern=PURPOSE_PATTERN)


def _b64decode(value: str, error: ApiError) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise error from None


def _refusal(exc: EncryptionError) -> ApiError:
    if isinstance(exc, CiphertextError):
        return ValidationError("The ciphertext could not be decrypted.", code="decryption_failed")
    if isinstance(exc, KeyUnavailableError):
        return KeyUnavailable("The tenant's encryption key is disabled or scheduled for deletion; its data cannot be "
                              "encrypted or decrypted.")
    return EncryptionFailedError("The key service is unavailable; nothing was encrypted or decrypted. Retry later.")


def _run(action: str, purpose: str | None, operation: Callable[[Any, str, str], bytes]) -> bytes:
    """``operation(cipher, tenant_id, purpose)`` with the tenant's cipher; the audit record (outcome, never the
    payload) is written before any result leaves, failures included."""
    principal = current_principal(router.current_event.raw_event)
    tenant = services().admit(principal)
    cipher = tenant_cipher(services())
    if cipher is None:
        raise EncryptionFailedError("No data key is configured in this region; nothing was encrypted or decrypted.")
    scoped = API_PURPOSE_PREFIX + (purpose or DEFAULT_PURPOSE)
    try:
        result, refusal = operation(cipher, tenant.tenant_id, scoped), None
    except EncryptionError as exc:
        result, refusal = b"", _refusal(exc)
    services().record(AuditEvent(tenant_id=tenant.tenant_id, action=action, category="data_access", user_id=principal.user_id,
                                 compliance_flags=sorted(tenant.profiles), retention_days=tenant.retention_days,
                                 outcome="success" if refusal is None else refusal.code))
    logger.info(action, extra={"tenant_id": tenant.tenant_id, "purpose": scoped, "bytes": len(result),
                               "outcome": refusal.code if refusal else "success"})
    if refusal is not None:
        raise refusal
    return result


@router.post("/v1/encrypt")
def encrypt() -> dict[str, Any]:
    request = parse_body(router.current_event.raw_event, EncryptRequest)
    plaintext = _b64decode(request.plaintext, ValidationError("plaintext must be base64."))
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise PayloadTooLargeError(f"The plaintext is larger than {MAX_PLAINTEXT_BYTES} bytes.")
    blob = _run("encrypt", request.purpose, lambda cipher, tenant_id, purpose: cipher.encrypt(plaintext, tenant_id, purpose))
    return {"ciphertext": base64.b64encode(blob).decode("ascii"), "purpose": request.purpose or DEFAULT_PURPOSE}


@router.post("/v1/decrypt")
def decrypt() -> dict[str, Any]:
    request = parse_body(router.current_event.raw_event, DecryptRequest)
    blob = _b64decode(request.ciphertext, ValidationError("The ciphertext could not be decrypted.", code="decryption_failed"))
    plaintext = _run("decrypt", request.purpose, lambda cipher, tenant_id, purpose: cipher.decrypt(blob, tenant_id, purpose))
    return {"plaintext": base64.b64encode(plaintext).decode("ascii"), "purpose": request.purpose or DEFAULT_PURPOSE}


REQUEST_MODELS = {("POST", "/v1/encrypt"): EncryptRequest, ("POST", "/v1/decrypt"): DecryptRequest}
