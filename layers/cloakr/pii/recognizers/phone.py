"""Phone numbers through Google's libphonenumber metadata, not a digit regex.

Presidio's weakest type (F2 0.32): a regex cannot tell a phone number from an order number or a date. Here a
candidate must be a *valid* number for its country (the region's default country when written without ``+``),
and national-format numbers without a cue need a typical phone shape (separators or a leading ``(``/``0``).
"""

from __future__ import annotations

import re
from typing import Iterator

import phonenumbers

from cloakr.pii.context import has_cue
from cloakr.pii.model import Finding

_CUES = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "contact", "handy", "telefon", "ph", "mob")
# Runs of digits and phone punctuation, cut at line breaks, double spaces and a new "+": libphonenumber reads a
# whole run as one candidate and gives up on it when two numbers touch ("+44 20 7946 0958  +44 20 ...").
_CANDIDATE = re.compile(r"(?:\+|\b00)?\(?\d(?:[\d().-]|[ \t](?![ \t+]))*\d")
_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


class PhoneRecognizer:
    name = "phone"
    entity_types = frozenset({"PHONE"})

    def __init__(self, country: str = "US") -> None:
        self.country = country

    def find(self, text: str) -> Iterator[Finding]:
        for run in _CANDIDATE.finditer(text):
            if run.end() - run.start() >= 7:
                yield from self._match(text, run.start(), run.end())

    def _match(self, text: str, offset: int, stop: int) -> Iterator[Finding]:
        # The matcher sees a little context on each side (it checks what precedes and follows a number).
        begin = max(0, offset - 1)
        for match in phonenumbers.PhoneNumberMatcher(text[begin:stop + 1], self.country, leniency=phonenumbers.Leniency.VALID):
            start, end = begin + match.start, begin + match.end
            raw = match.raw_string
            if _DATEISH.match(raw.strip()):
                continue
            cue = has_cue(text, start, end, _CUES)
            international = raw.lstrip().startswith(("+", "00"))
            shaped = international or bool(re.search(r"[\s().-]", raw)) or raw.startswith("0")
            if not (cue or shaped):
                continue
            score = 0.95 if cue or international else 0.75
            yield Finding("PHONE", start, end, score, True, self.name)
