"""Phone numbers through Google's libphonenumber metadata (parse + is_valid_number), not a digit regex.

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
# Not glued to letters, digits or hyphens on either side (UUID segments, part numbers).
_CANDIDATE = re.compile(r"(?<![\w.-])(?:\+|\b00)?\(?\d(?:[\d().-]|[ \t](?![ \t+]))*\d(?![\w-])")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


class PhoneRecognizer:
    name = "phone"
    entity_types = frozenset({"PHONE"})

    def __init__(self, country: str = "US") -> None:
        self.country = country

    def find(self, text: str) -> Iterator[Finding]:
        for run in _CANDIDATE.finditer(text):
            value = run.group()
            digit_count = sum(ch.isdigit() for ch in value)
            # Phone numbers have 7 to 15 digits (E.164); ISO dates and times are not worth asking libphonenumber.
            if 7 <= digit_count <= 17 and not _ISO_TIME.match(value):
                yield from self._match(text, run.start(), run.end())

    def _match(self, text: str, start: int, end: int) -> Iterator[Finding]:
        raw = text[start:end]
        if _DATEISH.match(raw.strip()):
            return
        try:
            number = phonenumbers.parse(raw, self.country)
        except phonenumbers.NumberParseException:
            return
        if not phonenumbers.is_valid_number(number):
            return
        cue = has_cue(text, start, end, _CUES)
        international = raw.startswith(("+", "00"))
        shaped = international or bool(re.search(r"[\s().-]", raw)) or raw.startswith("0")
        if not (cue or shaped):
            return
        score = 0.95 if cue or international else 0.75
        yield Finding("PHONE", start, end, score, True, self.name)
