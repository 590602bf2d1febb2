"""The Cloakr Python SDK: ``Client``, ``AsyncClient``, ``Redactor`` and their errors and models.

Names are resolved lazily so that ``import cloakr.sdk.errors`` (or ``import cloakr``) does not import httpx or the
PII engine; see ``docs/sdk.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Client": "cloakr.sdk.client",
    "AsyncClient": "cloakr.sdk.client",
    "ChatStream": "cloakr.sdk.client",
    "AsyncChatStream": "cloakr.sdk.client",
    "Redactor": "cloakr.sdk.redactor",
    "SecurityIncident": "cloakr.sdk.incidents",
    "SubscriptionConfirmation": "cloakr.sdk.incidents",
    "encrypt_local": "cloakr.sdk.crypto",
    "decrypt_local": "cloakr.sdk.crypto",
    "generate_key": "cloakr.sdk.crypto",
    "LocalCryptoError": "cloakr.sdk.crypto",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cloakr.sdk' has no attribute {name!r}")
