"""Client-side encryption with key material that never leaves the caller: AES-256-GCM in a versioned envelope.

For BYOK customers who keep a key outside AWS (an HSM export, a vault secret) and want Cloakr, or anything else
between them and their storage, to see only ciphertext. The envelope is text so it can sit in JSON:

    ``ckl1.<base64url(nonce)>.<base64url(ciphertext || tag)>``

``ckl1`` names the format (Cloakr local, version 1): AES-256-GCM, a fresh random 96-bit nonce per message, the
caller's associated data (``aad``) authenticated but not stored, so it must be given again to decrypt (bind a
record id or tenant to stop ciphertexts being swapped between records). Random 96-bit nonces are safe for up to
2^32 messages under one key (NIST SP 800-38D); rotate keys well before that.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "ckl1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class LocalCryptoError(ValueError):
    """A wrong key size, a malformed envelope, or a ciphertext that failed authentication (wrong key, wrong aad,
    tampered). Never carries key or plaintext material."""


def _key(key: bytes) -> AESGCM:
    if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
        raise LocalCryptoError(f"the key must be exactly {KEY_BYTES} bytes (AES-256)")
    return AESGCM(bytes(key))


def _bytes(value: bytes | str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    # bytes(1234) is 1234 zero bytes: an int sealed that way would decrypt to zeros, the data lost.
    raise TypeError(f"expected str or bytes, not {type(value).__name__}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise LocalCryptoError("the envelope is not valid base64url") from None


def encrypt_local(plaintext: bytes | str, key: bytes, *, aad: bytes | str = b"", nonce: bytes | None = None) -> str:
    """Seal ``plaintext`` (text is UTF-8 encoded) under ``key``; ``nonce`` is for test vectors only, never reuse one."""
    cipher = _key(key)
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise LocalCryptoError(f"the nonce must be {NONCE_BYTES} bytes")
    sealed = cipher.encrypt(nonce, _bytes(plaintext), _bytes(aad))
    return f"{PREFIX}.{_b64(nonce)}.{_b64(sealed)}"


def decrypt_local(envelope: str, key: bytes, *, aad: bytes | str = b"") -> bytes:
    """The plaintext bytes of an ``encrypt_local`` envelope, or ``LocalCryptoError``."""
    cipher = _key(key)
    parts = envelope.split(".") if isinstance(envelope, str) else []
    if len(parts) != 3 or parts[0] != PREFIX:
        raise LocalCryptoError(f"not a {PREFIX} envelope")
    nonce, sealed = _unb64(parts[1]), _unb64(parts[2])
    if len(nonce) != NONCE_BYTES or len(sealed) < TAG_BYTES:
        raise LocalCryptoError("the envelope is truncated")
    try:
        return cipher.decrypt(nonce, sealed, _bytes(aad))
    except InvalidTag:
        raise LocalCryptoError("the ciphertext failed authentication (wrong key, wrong aad or tampered)") from None


def generate_key() -> bytes:
    """A fresh random 256-bit key; store it in your own secret manager, Cloakr never sees it."""
    return os.urandom(KEY_BYTES)
