"""Person names without a downloadable NER model: cues first, then lexicon-backed capitalised pairs.

Evidence, strongest first: an honorific (``Dr. Jane Smith``), a form label (``Patient: Jane Smith``), a salutation
(``Dear Jane``), ``my name is``; then a capitalised pair whose first token is a known given name. The span is the
name only (the honorific or label stays, so redacted text keeps its shape: ``Dr. [NAME]``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Iterator

from cloakr.pii.model import Finding

_NAME_TOKEN = r"[A-ZÄÖÜÀ-Ý][a-zäöüßà-ÿ'’-]+|[A-Z]\."
_PARTICLE = r"(?:van|von|der|de|da|di|del|la|le|bin|binti|binte|bte|al|el|s/o|d/o)"
# Two to four name tokens, with optional lower-case particles between them.
_FULL = rf"(?:{_NAME_TOKEN})(?:\s+(?:{_PARTICLE}\s+)?(?:{_NAME_TOKEN})){{0,3}}"
_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Shri|Smt|Sri|Mdm|Madam|Encik|Cik|Tuan|Puan)\.?"
_LABEL = (
    r"(?i:name|full name|patient|patient name|employee|customer|client|contact|applicant|candidate|member|"
    r"account holder|cardholder|beneficiary|insured|guardian|attn|signed|from|to|cc|vorname|nachname)"
)
_CUED = re.compile(
    rf"(?:\b{_HONORIFIC}\s+(?P<h>{_FULL}))"
    rf"|(?:(?m:^|\b){_LABEL}\s*:\s*(?P<l>{_FULL}))"
    rf"|(?:\b(?i:dear|hi|hello|hey|thanks|thank you|regards|cheers|sincerely|best)\b,?\s+(?P<s>{_FULL}))"
    rf"|(?:\b(?i:my name is|my name's|i am|i'm|this is|called|named)\s+(?P<m>{_FULL}|[a-z]+(?:\s+[a-z]+)?))"
)
# Zero-width, so every capitalised word is tried as a first name ("Call John Miller" finds "John Miller").
_PAIR = re.compile(rf"\b(?=(?P<first>[A-Z][a-z]+)\s+(?P<rest>(?:(?:{_PARTICLE})\s+)?[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)?))")
_NOT_NAMES = frozenset(
    "the a an this that team all everyone folks there guys sir madam customer support please thanks thank hello hi "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december mr mrs ms dr prof i you we they it he she our your my is was am are".split()
)
# Capitalised words that commonly follow a given name in product or company names, not surnames.
_ORG_WORDS = frozenset(
    "inc ltd llc corp corporation company co gmbh ag services web teams office cloud chrome drive street st road "
    "avenue ave lane bank university college hospital school group foundation institute labs studio studios".split()
)
_LEADING = _NOT_NAMES | {"i'm", "i’m", "im", "me", "mr", "mrs", "ms", "dr"}
_AMBIGUOUS = frozenset("will may june bill rose mark grant hope white brown young long king april august joy faith art pat sue ray dawn".split())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    text = resources.files("cloakr.pii.lexicons").joinpath("first_names.txt").read_text(encoding="utf-8")
    return frozenset(text.split())


class NameRecognizer:
    name = "names"
    entity_types = frozenset({"NAME"})

    def __init__(self, country: str | None = None) -> None:
        self.country = country
        self._first = first_names()

    def find(self, text: str) -> Iterator[Finding]:
        seen: set[tuple[int, int]] = set()
        for match in _CUED.finditer(text):
            group = next(g for g in ("h", "l", "s", "m") if match.group(g))
            start, end = match.span(group)
            # Drop words that start or end the phrase but are not names ("Hi, I'm Jane", "Jane Smith Thanks").
            tokens = [(m.start() + start, m.end() + start, m.group()) for m in re.finditer(r"\S+", text[start:end])]
            while tokens and tokens[0][2].lower().strip(".,") in _LEADING:
                tokens.pop(0)
            while tokens and tokens[-1][2].lower().strip(".,") in _NOT_NAMES | _ORG_WORDS:
                tokens.pop()
            if not tokens:
                continue
            if group == "m" and tokens[0][2].islower() and tokens[0][2] not in self._first:
                continue
            start, end = tokens[0][0], tokens[-1][1]
            score = 0.9 if group in ("h", "l", "m") else 0.8
            seen.add((start, end))
            yield Finding("NAME", start, end, score, False, self.name)
        for match in _PAIR.finditer(text):
            first = match.group("first").lower()
            if first not in self._first or first in _NOT_NAMES:
                continue
            rest = match.group("rest").split()
            if rest[-1].lower() in _ORG_WORDS or rest[0].lower() in _ORG_WORDS | _NOT_NAMES:
                continue
            if first in _AMBIGUOUS and rest[0].lower() in _NOT_NAMES:
                continue
            start, end = match.start("first"), match.end("rest")
            if any(s <= start < e for s, e in seen):
                continue
            yield Finding("NAME", start, end, 0.7 if first not in _AMBIGUOUS else 0.45, False, self.name)
