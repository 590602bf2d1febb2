"""KMS envelope encryption: a data key per tenant and purpose, AES-256-GCM, context bound twice.

The tenant, region and purpose are both the KMS EncryptionContext (so KMS refuses to unwrap the data key for any
other context, and CloudTrail shows who asked) and the GCM associated data (so a blob moved to another tenant's
record fails authentication even with a cached key). Data keys are cached briefly and in bounded number to keep KMS
calls off the hot path; they are never logged or put in an error message.

A blob wrapped under the cipher's own key (the stack's data key) is version 1. A blob wrapped under another key (a
tenant's BYOK key, ``cloakr.crypto.byok``) is version 2 and names that key, so decryption knows which key to ask
KMS for and refuses any key the caller did not allow for the tenant.

Failures are ``EncryptionError``; two subclasses tell callers what to answer: ``CiphertextError`` (not this
tenant's or purpose's ciphertext, or tampered: a client error) and ``KeyUnavailableError`` (the key is disabled,
pending deletion or gone: crypto-shredded, retrying will not help). Anything else (throttling, network) is
retryable.
"""

from __future__ import annotations

import json
import os
import struct
import time
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BLOB_VERSION = b"CK\x01"
BLOB_VERSION_KEYED = b"CK\x02"
NONCE_BYTES = 12
DATA_KEY_TTL_SECONDS = 300.0
DATA_KEY_CACHE_SIZE = 256


class EncryptionError(RuntimeError):
    """Encryption or decryption failed; the caller must not proceed with the data."""


class CiphertextError(EncryptionError):
    """The blob is not a valid ciphertext for this tenant, region, purpose and key (or it was tampered with)."""


class KeyUnavailableError(EncryptionError):
    """The wrapping key is disabled, pending deletion or deleted; its data cannot be read or written."""


#: KMS error codes meaning "this ciphertext is not yours / not for this context".
_CIPHERTEXT_CODES = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})
#: KMS error codes meaning "the key itself cannot be used any more" (disabled or shredded).
_KEY_STATE_CODES = frozenset({"DisabledException", "KMSInvalidStateException", "NotFoundException"})


class EnvelopeCipher:
    def __init__(self, kms: Any, key_id: str, region: str, *, ttl: float = DATA_KEY_TTL_SECONDS,
                 max_keys: int = DATA_KEY_CACHE_SIZE, clock: Any = time.monotonic) -> None:
        self.kms, self.key_id, self.region = kms, key_id, region
        self._ttl, self._max, self._clock = ttl, max_keys, clock
        self._cache: OrderedDict[Any, tuple[float, bytes, bytes]] = OrderedDict()

    def _context(self, tenant_id: str, purpose: str) -> dict[str, str]:
        return {"tenant_id": tenant_id, "region": self.region, "purpose": purpose}

    def _cached(self, key: Any) -> tuple[bytes, bytes] | None:
        hit = self._cache.get(key)
        if hit is None or self._clock() - hit[0] > self._ttl:
            self._cache.pop(key, None)
            return None
        self._cache.move_to_end(key)
        return hit[1], hit[2]

    def _remember(self, key: Any, plaintext_key: bytes, wrapped: bytes) -> None:
        self._cache[key] = (self._clock(), plaintext_key, wrapped)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)

    def _kms(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.kms, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            kind = CiphertextError if code in _CIPHERTEXT_CODES and operation == "decrypt" else \
                KeyUnavailableError if code in _KEY_STATE_CODES else EncryptionError
            raise kind(f"KMS {operation} failed ({code or 'error'}); the data was not processed") from None
        except BotoCoreError:
            raise EncryptionError(f"KMS {operation} failed; the data was not processed") from None

    def encrypt(self, plaintext: bytes, tenant_id: str, purpose: str, *, key_id: str | None = None) -> bytes:
        """Seal ``plaintext`` under a data key wrapped by ``key_id`` (default: the cipher's own key)."""
        key_id = key_id or self.key_id
        context = self._context(tenant_id, purpose)
        cache_key = ("enc", key_id, tenant_id, purpose)
        hit = self._cached(cache_key)
        if hit is None:
            response = self._kms("generate_data_key", KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
            hit = (response["Plaintext"], response["CiphertextBlob"])
            self._remember(cache_key, *hit)
        data_key, wrapped = hit
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, plaintext, _aad(context))
        if key_id == self.key_id:
            header = BLOB_VERSION
        else:
            ref = key_id.encode()
            header = BLOB_VERSION_KEYED + struct.pack(">H", len(ref)) + ref
        return header + struct.pack(">H", len(wrapped)) + wrapped + nonce + sealed

    def decrypt(self, blob: bytes, tenant_id: str, purpose: str, *, allowed_keys: Collection[str] | None = None) -> bytes:
        """Open a blob of this tenant and purpose; its wrapping key must be in ``allowed_keys`` (default: the
        cipher's own key only), so a blob naming some other key the role can use is refused before any KMS call."""
        context = self._context(tenant_id, purpose)
        key_ref, wrapped, nonce, sealed = _parse(blob)
        key_id = key_ref or self.key_id
        if key_id not in (allowed_keys if allowed_keys is not None else (self.key_id,)):
            raise CiphertextError("the ciphertext names a key this tenant does not use")
        cache_key = ("dec", key_id, tenant_id, purpose, wrapped)
        hit = self._cached(cache_key)
        if hit is None:
            response = self._kms("decrypt", CiphertextBlob=wrapped, EncryptionContext=context, KeyId=key_id)
            hit = (response["Plaintext"], wrapped)
            self._remember(cache_key, *hit)
        try:
            return AESGCM(hit[0]).decrypt(nonce, sealed, _aad(context))
        except InvalidTag:
            raise CiphertextError("the ciphertext failed authentication") from None


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _field(blob: bytes, at: int) -> tuple[bytes, int]:
    """A length-prefixed (2 bytes, big endian) field at ``at`` and the offset after it."""
    if len(blob) < at + 2:
        raise CiphertextError("the envelope is truncated")
    (size,) = struct.unpack(">H", blob[at:at + 2])
    value = bytes(blob[at + 2:at + 2 + size])
    if len(value) != size:
        raise CiphertextError("the envelope is truncated")
    return value, at + 2 + size


def _parse(blob: bytes) -> tuple[str | None, bytes, bytes, bytes]:
    """``(key reference or None, wrapped data key, nonce, sealed)`` of a version 1 or 2 envelope."""
    if not isinstance(blob, (bytes, bytearray)) or bytes(blob[:3]) not in (BLOB_VERSION, BLOB_VERSION_KEYED):
        raise CiphertextError("not a Cloakr envelope (unknown version or truncated)")
    key_ref, at = None, 3
    if bytes(blob[:3]) == BLOB_VERSION_KEYED:
        ref, at = _field(blob, at)
        try:
            key_ref = ref.decode("ascii")
        except UnicodeDecodeError:
            raise CiphertextError("the envelope names no valid key") from None
    wrapped, at = _field(blob, at)
    rest = bytes(blob[at:])
    if len(rest) < NONCE_BYTES + 16:
        raise CiphertextError("the envelope is truncated")
    return key_ref, wrapped, rest[:NONCE_BYTES], rest[NONCE_BYTES:]
