"""API key format and hashing.

``ck_<region-code>_<key_id>_<secret>``: the region code lets any region tell a caller where its key lives, the
key id names the record, the 256-bit secret is shown once. Only SHA-256 of the whole key is stored: the secret is
random, so a slow password hash adds nothing, and lookups stay one index query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from cloakr.constants import KEY_REGION_CODES

REGION_TO_CODE = {region: code for code, region in KEY_REGION_CODES.items()}


@dataclass(frozen=True)
class ParsedKey:
    region: str
    key_id: str


def new_key(region: str) -> tuple[str, str]:
    """(key_id, plaintext key) for a new key whose home is ``region``."""
    if region not in REGION_TO_CODE:
        raise ValueError(f"no key prefix for region {region!r}")
    key_id = secrets.token_hex(8)
    return key_id, f"ck_{REGION_TO_CODE[region]}_{key_id}_{secrets.token_urlsafe(32)}"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def parse_key(plaintext: str) -> ParsedKey | None:
    parts = plaintext.split("_", 3)
    if len(parts) != 4 or parts[0] != "ck" or parts[1] not in KEY_REGION_CODES or not parts[2] or not parts[3]:
        return None
    return ParsedKey(KEY_REGION_CODES[parts[1]], parts[2])
