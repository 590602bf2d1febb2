"""Envelope encryption with per-tenant KMS data keys; every failure raises ``EncryptionError`` so callers fail closed.

``CiphertextError`` (not this tenant's or purpose's ciphertext) and ``KeyUnavailableError`` (the key is disabled or
shredded) are the ``EncryptionError`` subclasses callers answer differently from a retryable KMS failure.
"""

from cloakr.crypto.envelope import (
    CiphertextError,
    EncryptionError,
    EnvelopeCipher,
    KeyUnavailableError,
)

__all__ = ["CiphertextError", "EncryptionError", "EnvelopeCipher", "KeyUnavailableError"]
