"""KMS envelope encryption: a data key per tenant and purpose, AES-256-GCM, context bound twice.

The tenant, region and purpose are both the KMS EncryptionContext (so KMS refuses to unwrap the data key for any
other context, and CloudTrail shows who asked) and the GCM associated data (so a blob moved to another tenant's
record fails authentication even with a cached key). Data keys are cached briefly and in bounded number to keep KMS
calls off the hot path; they are never logged or put in an error message.
"""

from __future__ import annotations

import json
import os
import struct
import time
from collections import OrderedDict
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BLOB_VERSION = b"CK\x01"
NONCE_BYTES = 12
DATA_KEY_TTL_SECONDS = 300.0
DATA_KEY_CACHE_SIZE = 256


class EncryptionError(RuntimeError):
    """Encryption or decryption failed; the caller must not proceed with the data."""


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
        except (ClientError, BotoCoreError):
            raise EncryptionError(f"KMS {operation} failed; the data was not processed") from None

    def encrypt(self, plaintext: bytes, tenant_id: str, purpose: str) -> bytes:
        context = self._context(tenant_id, purpose)
        cache_key = ("enc", tenant_id, purpose)
        hit = self._cached(cache_key)
        if hit is None:
            response = self._kms("generate_data_key", KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=context)
            hit = (response["Plaintext"], response["CiphertextBlob"])
            self._remember(cache_key, *hit)
        data_key, wrapped = hit
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, plaintext, _aad(context))
        return BLOB_VERSION + struct.pack(">H", len(wrapped)) + wrapped + nonce + sealed

    def decrypt(self, blob: bytes, tenant_id: str, purpose: str) -> bytes:
        context = self._context(tenant_id, purpose)
        wrapped, nonce, sealed = _parse(blob)
        cache_key = ("dec", tenant_id, purpose, wrapped)
        hit = self._cached(cache_key)
        if hit is None:
            response = self._kms("decrypt", CiphertextBlob=wrapped, EncryptionContext=context, KeyId=self.key_id)
            hit = (response["Plaintext"], wrapped)
            self._remember(cache_key, *hit)
        try:
            return AESGCM(hit[0]).decrypt(nonce, sealed, _aad(context))
        except InvalidTag:
            raise EncryptionError("the ciphertext failed authentication") from None


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _parse(blob: bytes) -> tuple[bytes, bytes, bytes]:
    if not isinstance(blob, (bytes, bytearray)) or blob[:3] != BLOB_VERSION or len(blob) < 5:
        raise EncryptionError("not a Cloakr envelope (unknown version or truncated)")
    (size,) = struct.unpack(">H", blob[3:5])
    wrapped, rest = bytes(blob[5:5 + size]), bytes(blob[5 + size:])
    if len(wrapped) != size or len(rest) < NONCE_BYTES + 16:
        raise EncryptionError("the envelope is truncated")
    return wrapped, rest[:NONCE_BYTES], rest[NONCE_BYTES:]
