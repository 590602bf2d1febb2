"""Client-side encryption for key material that never leaves your process (BYOK outside AWS).

``encrypt_local(plaintext, key, aad=...)`` returns a ``ckl1.<nonce>.<ciphertext>`` string (AES-256-GCM, random
96-bit nonce); ``decrypt_local(envelope, key, aad=...)`` returns the plaintext bytes or raises
``LocalCryptoError``. The gateway is never called: compare ``Client.encrypt``, which uses the tenant's KMS key on
the server. The format is documented in ``cloakr.crypto.client_side``.

``plaintext`` and ``aad`` must be ``str`` (UTF-8 encoded), ``bytes``, ``bytearray`` or ``memoryview``; anything else
raises ``TypeError`` here. ``bytes(1234)`` is 1234 zero bytes, so passing an int must not be sealed silently.
"""

from __future__ import annotations

from typing import Any

from cloakr.crypto import client_side
from cloakr.crypto.client_side import LocalCryptoError, generate_key

__all__ = ["LocalCryptoError", "decrypt_local", "encrypt_local", "generate_key"]

_DATA_TYPES = (str, bytes, bytearray, memoryview)


def _check(name: str, value: Any) -> None:
    if not isinstance(value, _DATA_TYPES):
        raise TypeError(f"{name} must be str, bytes, bytearray or memoryview, not {type(value).__name__}")


def encrypt_local(plaintext: bytes | str, key: bytes, *, aad: bytes | str = b"", nonce: bytes | None = None) -> str:
    """Seal ``plaintext`` under ``key``; see ``cloakr.crypto.client_side.encrypt_local``."""
    _check("plaintext", plaintext)
    _check("aad", aad)
    return client_side.encrypt_local(plaintext, key, aad=aad, nonce=nonce)


def decrypt_local(envelope: str, key: bytes, *, aad: bytes | str = b"") -> bytes:
    """The plaintext bytes of an ``encrypt_local`` envelope, or ``LocalCryptoError``."""
    _check("aad", aad)
    return client_side.decrypt_local(envelope, key, aad=aad)
