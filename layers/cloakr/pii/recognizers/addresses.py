"""Postal addresses by grammar: house number + street name + street type, then town and postcode by country.

A postcode alone is not an address, nor is a street name without a number ("turn left at Main St").
"""

from __future__ import annotations

import re
from typing import Iterator

from cloakr.pii.model import Finding

_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Ter|Way|"
    r"Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Close|Crescent|Cres|Grove|Gardens|Gdns|Mews|Row|Hill|Walk|"
    r"Marg|Nagar|Salai|Path|Crossing|Link|View|Rise|Green"
)
_WORD = r"[A-Z][A-Za-z'.-]*"
_US_STATE = (
    r"A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|"
    r"W[AIVY]"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?\s*[A-Za-z0-9-]+)"
_TOWN_TAIL = (
    rf"(?:,?\s+(?:{_WORD}(?:\s+{_WORD}){{0,2}}),?\s+(?:(?:{_US_STATE})\s+\d{{5}}(?:-\d{{4}})?|{_UK_POSTCODE}|\d{{6}}|\d{{5}}))"
    rf"|(?:,\s*(?:{_WORD}(?:\s+{_WORD}){{0,2}})(?=[,.\n]|$))"
)
_STREET = re.compile(
    rf"(?:\b(?:Flat|Apt|Unit|Blk|Block)\s+[A-Za-z0-9-]+,?\s+)?"
    rf"\b\d{{1,5}}[A-Za-z]?(?:-\d{{1,4}})?,?\s+(?:{_WORD}\s+){{0,4}}(?:{_STREET_TYPES})\b\.?"
    rf"(?:\s*#\d{{1,3}}-\d{{1,4}})?{_UNIT}?(?:{_TOWN_TAIL})?(?:,?\s*(?:Singapore|India|USA|UK|United Kingdom)\s*\d{{0,6}})?"
)
_GERMAN = re.compile(
    r"\b[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)"
    r"\s+\d{1,4}[a-z]?(?:,?\s+\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:\s+[A-ZÄÖÜ][a-zäöüß]+)?)?"
)
_PO_BOX = re.compile(rf"\b(?:P\.?\s?O\.?\s?Box|Postfach)\s+\d{{1,6}}(?:,?\s+{_WORD}(?:\s+{_WORD})?,?\s+(?:(?:{_US_STATE})\s+)?\d{{5}})?")
_CUED_POSTCODE = re.compile(
    rf"(?i:\b(?:address|ship to|lives at|residing at|resident at|anschrift)\b\s*:?\s*)(?P<v>[^\n]{{5,120}}?(?:\b\d{{5,6}}\b|\b{_UK_POSTCODE}\b))"
)


class AddressRecognizer:
    name = "addresses"
    entity_types = frozenset({"ADDRESS"})

    def __init__(self, country: str | None = None) -> None:
        self.country = country

    def find(self, text: str) -> Iterator[Finding]:
        for pattern, score in ((_STREET, 0.8), (_GERMAN, 0.85), (_PO_BOX, 0.8)):
            for match in pattern.finditer(text):
                value = match.group().rstrip(" ,.")
                yield Finding("ADDRESS", match.start(), match.start() + len(value), score, False, self.name)
        for match in _CUED_POSTCODE.finditer(text):
            yield Finding("ADDRESS", *match.span("v"), 0.75, False, self.name)
