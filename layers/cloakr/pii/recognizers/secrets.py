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

from cloakr.pii.context import TextIndex, occurrences
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
# Where a token can start. A token format's first word (the run of ASCII letters before its "_", "-", "." or
# digits: "ghp" in "ghp_...", "sk" in "sk-proj-...") is a whole word of the text, so only the words in the text's
# word set (``_word_windows``) are searched for: usually none. Each ``str.find`` pass for a short literal costs
# 15-40k instructions on a 4 KB prompt; the 17 passes for every prefix and label were most of this recognizer's
# cost. Two formats run on into more letters ("AIzaSy...", "SKab12..."), so their literal is
# searched for in the text itself (case-sensitive, as the formats are).
_TOKEN_WORDS = (
    "ghp", "gho", "ghu", "ghs", "ghr", "github", "xoxa", "xoxb", "xoxp", "xoxo", "xoxs", "xoxr",
    "sk", "rk", "sg", "glpat", "npm", "hf",
)
_TOKEN_LITERALS = ("AIza", "SK")
# Every spelling of a generic label as a whole word ("api_key" and "api-key" start with the word "api").
_GENERIC_WORDS = (
    "api", "apikey", "access", "accesstoken", "auth", "authtoken", "secret", "secretkey", "client", "clientsecret",
    "bearer", "token",
)
_GENERIC = LazyPattern(
    r"(?i:\b(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|secret[_-]?key|client[_-]?secret|bearer|token)\b"
    r"[\"']?\s*[:=]?\s*[\"']?)(?P<v>[A-Za-z0-9_\-./+=]{16,256})"
)
_PEM_LITERAL = "-----BEGIN "
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
        for match in scan(self._formats, text, self._token_windows(text, index), None):
            yield Finding("API_TOKEN", match.start(), match.end(), 0.95, True, self.name)
        for match in scan(_GENERIC, text, _word_windows(index, _GENERIC_WORDS), None):
            value = match.group("v")
            if _entropy(value) >= 3.5 and sum(c.isdigit() for c in value) >= 2 and not value.startswith("eyJ"):
                yield Finding("API_TOKEN", *match.span("v"), 0.8, False, self.name)
        for match in self._pem_begins(text, index):
            end_marker = f"-----END {match.group(1)}-----"
            end = text.find(end_marker, match.end())
            # An unterminated block is still a key: redact to the end of the text rather than leak the rest.
            stop = len(text) if end < 0 else end + len(end_marker)
            yield Finding("PRIVATE_KEY", match.start(), stop, 0.99, True, self.name)
        # "eyJ" is case-sensitive in the pattern, so an exact search finds every start.
        jwt_windows = None if index.exhaustive else [(at, at) for at in occurrences(text, "eyJ")]
        for match in scan(_JWT, text, jwt_windows, None):
            header = match.group().split(".", 1)[0]
            try:
                decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
            except ValueError:
                continue
            if isinstance(decoded, dict) and "alg" in decoded:
                yield Finding("JWT", match.start(), match.end(), 0.95, True, self.name)

    @staticmethod
    def _token_windows(text: str, index: TextIndex) -> list[tuple[int, int]] | None:
        """Every position where a token format can start: its first word, or its literal."""
        words = _word_windows(index, _TOKEN_WORDS)
        if words is None:
            return None
        starts = {at for at, _ in words}
        for literal in _TOKEN_LITERALS:
            starts.update(occurrences(text, literal))
        return [(at, at) for at in sorted(starts)]

    @staticmethod
    def _pem_begins(text: str, index: TextIndex) -> Iterator[re.Match[str]]:
        """``_PEM_BEGIN.finditer(text)``: the pattern matched only where its literal start occurs (a ``str.find``
        for an 11-character literal is a third of sre's prefix search)."""
        if index.exhaustive:
            yield from _PEM_BEGIN.finditer(text)
            return
        at = text.find(_PEM_LITERAL)
        while at >= 0:
            match = _PEM_BEGIN.match(text, at)
            if match is not None:
                yield match
                at = match.end()  # finditer resumes after a match: a "-----BEGIN " inside it is not searched
            else:
                at += 1
            at = text.find(_PEM_LITERAL, at)


def _word_windows(index: TextIndex, words: tuple[str, ...]) -> list[tuple[int, int]] | None:
    """Where a match of a pattern that begins with ``\\b`` and one of these runs of lower-case ASCII letters (ended
    by a non-letter) can start: at an occurrence of a word that is one of the text's whole words (the index's word
    set, shared with the cue lookup). None (scan the whole text) when the text has no exact lower-cased copy: case
    folding may then match other characters."""
    if index.lower is None:
        return None
    return index.anchor_windows(tuple(index.words().intersection(words)), 0)


# Every key id starts with "A": written with that literal first (and ``\b`` as the lookbehind after it, as
# ``scanning.lead_with_atom`` does), sre skips between capital A's in C, cheaper than six ``str.find`` anchor
# passes over the lower-cased text (which also stop at every lower-case "asia" and "acca").
AWS_SPECS = (
    PatternSpec("AWS_ACCESS_KEY", r"A(?<!\w[\s\S])(?:KIA|SIA|BIA|CCA|ROA|IDA)[A-Z0-9]{16}\b", 0.95, cues=("aws", "access key")),
)
AWS_SECRET_SPECS = (
    PatternSpec(
        "AWS_SECRET_KEY", r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0.0, _mixed_secret,
        # A cue's words match with any run of blanks, "_" or "-" between them ("secret access key" matches
        # "secret_access_key", "aws secret" matches "aws_secret" and the start of "aws_secret_access_key", which
        # it ends before a "_": a word boundary), so those spellings are not listed: each would add only
        # occurrences these already give or contain, and a ``str.find`` pass for its head (not a plain word).
        # "secretaccesskey" stays: the index looks a cue up by its first word, and there it has no "secret".
        cues=("secret access key", "aws secret", "secret key", "secretaccesskey"),
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

