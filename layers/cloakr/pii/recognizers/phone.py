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
from cloakr.pii.normalize import ASCII_NON_DIGITS

_CUES = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "contact", "handy", "telefon", "ph", "mob")
# Runs of digits and phone punctuation, cut at line breaks, double spaces and a new "+": libphonenumber reads a
# whole run as one candidate and gives up on it when two numbers touch ("+44 20 7946 0958  +44 20 ...").
# Not glued to letters, digits or hyphens on either side (UUID segments, part numbers).
# Written as ``(?<![\w.-])(?:\+|\b00)?\(?\d`` + body (tests/unit/pii/test_scanning.py holds the two equal), but so
# that sre can skip in C to where a run may start (see ``scanning``): the pattern begins with one class, every
# character but the ASCII ones that are not "+", "(" or a digit. A class holding ``\d`` costs a Unicode lookup per
# character, where this one is a bitmap (and a non-ASCII letter fails on the branch after it). The guard follows
# that first character; the branch after it says which it was: "+" (an optional "(" and a digit next), "(" (a
# digit next) or a digit ("00" needs no branch of its own: it starts a digit run that ends where the "00" one
# would). The body is ``(?:[\d().-]|[ \t](?![ \t+]))*`` unrolled, so the long digit stretches run in sre's
# single-class loop instead of one alternation per character; both give back characters right to left, so the
# same (rightmost) end is found.
_CANDIDATE = re.compile(
    r"[^\x00-\x27\x29\x2a\x2c-\x2f\x3a-\x7f](?<![\w.-][\s\S])(?:(?<=\+)\(?\d|(?<=\()\d|(?<=\d))"
    r"[\d().-]*(?:[ \t](?![ \t+])[\d().-]*)*\d(?![\w-])"
)
# ISO dates and times (a prefix: "2024-01-05T10:00") and whole date-like runs ("05.01.2024", "2024-1-5").
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


class PhoneRecognizer:
    name = "phone"
    entity_types = frozenset({"PHONE"})

    def __init__(self, country: str = "US") -> None:
        self.country = country

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        cues = cues if cues is not None else TextIndex(text)
        for run in _CANDIDATE.finditer(text):
            value = run.group()
            # Phone numbers have 7 to 15 digits (E.164). A run holds only digits and ASCII punctuation ("+().-",
            # space, tab), so deleting every ASCII non-digit leaves its digits: one C call, not a generator over
            # its characters; and a run shorter than seven characters has too few digits anyway.
            if len(value) < 7:
                continue
            digit_count = len(value.translate(ASCII_NON_DIGITS))
            # ISO dates and times and date-like runs are not worth asking libphonenumber.
            if 7 <= digit_count <= 17 and not _DATE_LIKE.match(value):
                finding = self._match(value, digit_count, run.start(), run.end(), cues)
                if finding is not None:
                    yield finding

    def _match(self, raw: str, digit_count: int, start: int, end: int, cues: TextIndex) -> Finding | None:
        # The shape and cue tests are cheap and libphonenumber is not (tens of microseconds a candidate): a bare
        # digit run without a cue is never reported, so it is never parsed. A run has a "+" only at its start, so
        # without one it has a separator (space, tab, "(", ")", ".", "-") exactly when it is not all digits.
        international = raw.startswith(("+", "00"))
        shaped = international or digit_count != len(raw) or raw.startswith("0")
        if shaped:
            # Parsed whatever the cue; the cue then only sets the score, so it is looked up for valid numbers.
            if not _valid(raw, self.country):
                return None
            cue = international or cues.near(start, end, _CUES)
        elif not cues.near(start, end, _CUES) or not _valid(raw, self.country):
            return None
        else:
            cue = True
        return Finding("PHONE", start, end, 0.95 if cue else 0.75, True, self.name)


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
            return number if keep_non_digits else number.translate(ASCII_NON_DIGITS)
        return original(number, keep_non_digits)

    normalize_digits_only.__wrapped__ = original  # type: ignore[attr-defined]
    normalize_digits_only.__doc__ = original.__doc__
    util.normalize_digits_only = normalize_digits_only
