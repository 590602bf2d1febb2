"""Phone numbers through Google's libphonenumber metadata (parse + is_valid_number), not a digit regex.

Presidio's weakest type (F2 0.32): a regex cannot tell a phone number from an order number or a date. Here a
candidate must be a *valid* number for its country (the region's default country when written without ``+``),
and national-format numbers without a cue need a typical phone shape (separators or a leading ``(``/``0``).
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType
from typing import Iterator

from cloakr.pii.context import TextIndex
from cloakr.pii.model import Finding

_CUES = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "contact", "handy", "telefon", "ph", "mob")
# Runs of digits and phone punctuation, cut at line breaks, double spaces and a new "+": libphonenumber reads a
# whole run as one candidate and gives up on it when two numbers touch ("+44 20 7946 0958  +44 20 ...").
# Not glued to letters, digits or hyphens on either side (UUID segments, part numbers).
# Written as ``(?<![\w.-])(?:\+|\b00)?\(?\d`` + body, with each way to begin as its own branch that starts on a
# character (the guard moved after it), so sre skips to the next "+", "(" or digit in C (see ``scanning``).
_BODY = r"(?:[\d().-]|[ \t](?![ \t+]))*\d(?![\w-])"
_CANDIDATE = re.compile(rf"(?:\+(?<![\w.-]\+)\(?\d|0(?<![\w.-]0)0\(?\d|\((?<![\w.-]\()\d|\d(?<![\w.-]\d)){_BODY}")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DATEISH = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
_SEPARATOR = re.compile(r"[\s().-]")


class PhoneRecognizer:
    name = "phone"
    entity_types = frozenset({"PHONE"})

    def __init__(self, country: str = "US") -> None:
        self.country = country

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        cues = cues if cues is not None else TextIndex(text)
        for run in _CANDIDATE.finditer(text):
            value = run.group()
            digit_count = sum(ch.isdigit() for ch in value)
            # Phone numbers have 7 to 15 digits (E.164); ISO dates and times are not worth asking libphonenumber.
            if 7 <= digit_count <= 17 and not _ISO_TIME.match(value):
                yield from self._match(text, run.start(), run.end(), cues)

    def _match(self, text: str, start: int, end: int, cues: TextIndex) -> Iterator[Finding]:
        raw = text[start:end]
        if _DATEISH.match(raw.strip()):
            return
        # The shape and cue tests are cheap and libphonenumber is not (tens of microseconds a candidate): a bare
        # digit run without a cue is never reported, so it is never parsed.
        international = raw.startswith(("+", "00"))
        shaped = international or bool(_SEPARATOR.search(raw)) or raw.startswith("0")
        cue = cues.near(start, end, _CUES)
        if not (cue or shaped) or not _valid(raw, self.country):
            return
        score = 0.95 if cue or international else 0.75
        yield Finding("PHONE", start, end, score, True, self.name)


def _valid(raw: str, country: str) -> bool:
    """libphonenumber's verdict. Not memoised: a cache would keep callers' phone numbers in memory."""
    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return False
    # A valid number has a possible length (a cheap test that rejects card and Aadhaar digit groups); then the
    # country's main region first: for +1 numbers is_valid_number tries some twenty-five NANPA regions in turn.
    if not phonenumbers.is_possible_number(number):
        return False
    main = phonenumbers.region_code_for_country_code(number.country_code)
    return phonenumbers.is_valid_number_for_region(number, main) or phonenumbers.is_valid_number(number)


@cache
def _phonenumbers() -> ModuleType:
    """Imported on the first candidate, not at start-up: the import compiles some hundred patterns (~50 ms of a
    Lambda cold start) that a text without a phone-shaped number never needs."""
    import phonenumbers

    # libphonenumber compiles its metadata patterns through re.compile, whose cache holds 512 patterns; the
    # engine's own push them out and every parse would recompile. Keep them instead (a few hundred, once).
    phonenumbers.enable_pattern_cache()
    _speed_up_digit_normalisation(phonenumbers.phonenumberutil)
    return phonenumbers


# Every character of the ASCII range but the ten digits.
_ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(i) for i in range(128) if not "0" <= chr(i) <= "9"))


def _speed_up_digit_normalisation(util: ModuleType) -> None:
    """libphonenumber's ``normalize_digits_only`` looks up every character in the Unicode database one at a time,
    in Python: some 40% of a parse. For ASCII text (nearly every candidate) ``str.translate`` gives the same string
    in C; anything else still goes the original way. ``parse`` calls it through the module global, which is
    what is replaced (tests/unit/pii/test_phone.py holds the two equal)."""
    original = util.normalize_digits_only
    if getattr(original, "__wrapped__", None) is not None:
        return

    def normalize_digits_only(number: object, keep_non_digits: bool = False) -> str:
        if type(number) is str and number.isascii():
            return number if keep_non_digits else number.translate(_ASCII_NON_DIGITS)
        return original(number, keep_non_digits)

    normalize_digits_only.__wrapped__ = original  # type: ignore[attr-defined]
    normalize_digits_only.__doc__ = original.__doc__
    util.normalize_digits_only = normalize_digits_only
