"""API key format and hashing.

``ck_<region-code>_<key_id>_<secret>``: the region code lets any region tell a caller where its key lives, the
key id names the record, the 256-bit secret is shown once. Only SHA-256 of the whole key is stored: the secret is
random, so a slow password hash adds nothing, and lookups stay one index query.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from cloakr.constants import KEY_REGION_CODES

REGION_TO_CODE = {region: code for code, region in KEY_REGION_CODES.items()}
# What new_key() makes: 16 hex digits of id, 43 URL-safe characters of secret. Anything else is not a key, and
# nothing of it is used (an id made up by a caller must not end up in counters, logs or incident records).
_KEY_SHAPE = re.compile(r"^ck_([a-z0-9]+)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


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
    match = _KEY_SHAPE.match(plaintext)
    if match is None or match[1] not in KEY_REGION_CODES:
        return None
    return ParsedKey(KEY_REGION_CODES[match[1]], match[2])
