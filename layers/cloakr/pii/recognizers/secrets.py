"""Credentials pasted into prompts: cloud keys, private keys, JWTs and the common API-token formats.

Vendor tokens have fixed prefixes, so they are matched exactly; a generic ``api_key = ...`` assignment counts
only when the value looks random (mixed character classes), so ``api_key = your-key-here`` does not.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterator

from cloakr.pii.context import TextIndex
from cloakr.pii.model import Finding
from cloakr.pii.recognizers.patterns import (
    PatternRecognizer,
    PatternSpec,
    _mixed_secret,
)
from cloakr.pii.scanning import LazyPattern, scan

_TOKEN_FORMATS = (
    r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,250}\b",
    r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b",
    r"\bsk-(?:proj-|ant-(?:api03-)?|svcacct-)?[A-Za-z0-9_-]{20,200}\b",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    r"\bSK[0-9a-f]{32}\b",
    r"\bglpat-[A-Za-z0-9_-]{20,}\b",
    r"\bnpm_[A-Za-z0-9]{36}\b",
    r"\bhf_[A-Za-z0-9]{34,}\b",
)
# A literal every token format starts with ("gh" for ghp_/gho_/.../github_pat_, "sk" for sk_/sk-/Twilio SK...), and
# the first word of every generic label (lower-case): the formats are matched only where these occur (see
# ``scanning.scan``). Short shared prefixes mean fewer searches of the text; the regex rejects "ask" or "high".
_TOKEN_PREFIXES = ("gh", "xox", "sk", "rk_", "aiza", "sg.", "glpat-", "npm_", "hf_")
_GENERIC_LABELS = ("api", "access", "auth", "secret", "client", "bearer", "token")
_GENERIC = LazyPattern(
    r"(?i:\b(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|secret[_-]?key|client[_-]?secret|bearer|token)\b"
    r"[\"']?\s*[:=]?\s*[\"']?)(?P<v>[A-Za-z0-9_\-./+=]{16,256})"
)
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----")
_JWT = LazyPattern(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


class SecretRecognizer:
    name = "secrets"
    entity_types = frozenset({"API_TOKEN", "PRIVATE_KEY", "JWT"})

    def __init__(self) -> None:
        self._formats = LazyPattern("|".join(f"(?:{p})" for p in _TOKEN_FORMATS))

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        index = cues if cues is not None else TextIndex(text)
        for match in scan(self._formats, text, index.anchor_windows(_TOKEN_PREFIXES, 0), None):
            yield Finding("API_TOKEN", match.start(), match.end(), 0.95, True, self.name)
        for match in scan(_GENERIC, text, index.anchor_windows(_GENERIC_LABELS, 0), None):
            value = match.group("v")
            if _entropy(value) >= 3.5 and sum(c.isdigit() for c in value) >= 2 and not value.startswith("eyJ"):
                yield Finding("API_TOKEN", *match.span("v"), 0.8, False, self.name)
        for match in _PEM_BEGIN.finditer(text):
            end_marker = f"-----END {match.group(1)}-----"
            end = text.find(end_marker, match.end())
            # An unterminated block is still a key: redact to the end of the text rather than leak the rest.
            stop = len(text) if end < 0 else end + len(end_marker)
            yield Finding("PRIVATE_KEY", match.start(), stop, 0.99, True, self.name)
        for match in scan(_JWT, text, index.anchor_windows(("eyj",), 0), None):
            header = match.group().split(".", 1)[0]
            try:
                decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
            except ValueError:
                continue
            if isinstance(decoded, dict) and "alg" in decoded:
                yield Finding("JWT", match.start(), match.end(), 0.95, True, self.name)


AWS_SPECS = (
    PatternSpec("AWS_ACCESS_KEY", r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}\b", 0.95, cues=("aws", "access key"),
                anchors=("akia", "asia", "abia", "acca", "aroa", "aida")),
)
AWS_SECRET_SPECS = (
    PatternSpec(
        "AWS_SECRET_KEY", r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0.0, _mixed_secret,
        cues=("aws_secret_access_key", "secret access key", "secret_access_key", "aws secret", "secret key", "secretaccesskey", "aws_secret"),
        needs_cue=True, cue_score=0.9,
    ),
)


@lru_cache(maxsize=1)
def secret_recognizers() -> tuple[object, ...]:
    return (
        SecretRecognizer(),
        PatternRecognizer("AWS_ACCESS_KEY", AWS_SPECS),
        PatternRecognizer("AWS_SECRET_KEY", AWS_SECRET_SPECS),
    )

