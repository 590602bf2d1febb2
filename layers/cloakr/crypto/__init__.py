"""Envelope encryption with per-tenant KMS data keys; every failure raises ``EncryptionError`` so callers fail closed."""

from cloakr.crypto.envelope import EncryptionError, EnvelopeCipher

__all__ = ["EncryptionError", "EnvelopeCipher"]
