"""Phone numbers through Google's libphonenumber metadata (parse + is_valid_number), not a digit regex.

Presidio's weakest type (F2 0.32): a regex cannot tell a phone number from an order number or a date. Here a
candidate must be a *valid* number for its country, and national-format numbers without a cue need a typical phone
shape (separators or a leading ``(``/``0``). A number written without ``+`` is read as the region's default
country's first, then as one of ``ALSO_READ``'s: a Frankfurt tenant's customers write British and Swiss numbers,
a Singapore tenant's write Indian ones, and a number that is not the default country's is still someone's phone.
Such a number needs what marks it as a phone number in that country (its trunk "0", or ten digits in groups) or a
cue; beside a cue, or dialled with its trunk "0", a number in groups is also read as one of ``CUED_READ``'s (Spain,
the Nordics, Hong Kong...). A number with a phone cue needs only a possible length: libphonenumber's ranges lag new
blocks (and leave out the ranges kept for fiction, "07700 900123"). An extension ("x214", "ext. 204") is part of the
number.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType
from typing import Any, Iterator

from cloakr.pii.context import AFTER_STOPS, TextIndex, word_set
from cloakr.pii.model import Finding
from cloakr.pii.normalize import ASCII_NON_DIGITS
from cloakr.pii.scanning import scan_widened

_CUES = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "contact", "handy", "telefon", "ph", "mob",
         "hp", "reach", "text me", "sms",
         # other languages: Spanish, French, Italian, Dutch, Danish/Norwegian/Swedish, Polish, Portuguese
         "móvil", "movil", "fijo", "teléfono", "telefono", "tlf", "telf", "tél", "téléphone", "portable", "cellulare",
         "cell.", "telefoonnummer", "mobiel", "mobil", "mobilnummer", "telefonnummer", "ring til", "ring mig", "numerem",
         "telefonu", "komórka", "telemóvel", "telemovel", "gsm")
# Runs of digits and phone punctuation, cut at line breaks, double spaces and a new "+": libphonenumber reads a
# whole run as one candidate and gives up on it when two numbers touch ("+44 20 7946 0958  +44 20 ...").
# Not glued to letters, digits or hyphens on either side (UUID segments, part numbers). A "/" may stand between
# groups, as German numbers write the area code ("030/12345678"); dates are dropped below.
# Written as ``(?<![\w.-])(?:\+|\b00)?\(?\d`` + body (tests/unit/pii/test_scanning.py holds the two equal), but so
# that sre can skip in C to where a run may start (see ``scanning``): the pattern begins with one class, every
# character but the ASCII ones that are not "+", "(" or a digit. A class holding ``\d`` costs a Unicode lookup per
# character, where this one is a bitmap (and a non-ASCII letter fails on the branch after it). The guard follows
# that first character; the branch after it says which it was: "+" (an optional "(" and a digit next), "(" (a
# digit next) or a digit ("00" needs no branch of its own: it starts a digit run that ends where the "00" one
# would). The body is ``(?:[\d()./-]|[ \t](?![ \t+]))*`` unrolled, so the long digit stretches run in sre's
# single-class loop instead of one alternation per character; both give back characters right to left, so the
# same (rightmost) end is found.
_CANDIDATE = re.compile(
    r"[^\x00-\x27\x29\x2a\x2c-\x2f\x3a-\x7f](?<![\w.-][\s\S])(?:(?<=\+)\(?\d|(?<=\()\d|(?<=\d))"
    r"[\d()./-]*(?:[ \t](?![ \t+])[\d()./-]*)*\d(?![\w-])"
)
# ISO dates and times (a prefix: "2024-01-05T10:00") and whole date-like runs ("05.01.2024", "2024-1-5"), one
# with the hour of its time ("05.11.2026 07:14": the run ends at the colon).
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ \t]\d{1,2})?$")
_TIME_BEFORE = re.compile(r"\d:")
# An extension after a number: "x214", "ext. 204", "extension 12", "Durchwahl -31" is not read (a hyphenated
# suffix is already part of the run).
# A code's name right before a run: the run is that code, whatever its shape ("ISBN-13" too).
_CODE_WORDS = frozenset("ndc sku isbn upc ean gtin imei iccid lot batch serial".split())
_CODE_BEFORE = re.compile(
    rf"(?<![\w])(?i:{'|'.join(word + '(?:-1[03])?' if word == 'isbn' else word for word in sorted(_CODE_WORDS))})"
    r"[ \t]*(?:no\.?|#|:)?[ \t]*\Z")
_CODE_REACH = 16
_EXTENSION = re.compile(r"[ \t]?(?:x|ext\.?|extension)[ \t]?\d{1,6}\b", re.IGNORECASE)
#: Countries whose national numbers every engine also reads, after its default country's: the five regions' own
#: and their neighbours' (the US plan covers Canada). Order matters only for the cost: a number is parsed again
#: for each country until one reads it.
ALSO_READ = ("US", "GB", "DE", "IN", "SG", "AT", "CH", "FR", "AU", "MY")
# Of those, the countries whose national numbers are written without a trunk prefix (India's mobile numbers).
_NO_TRUNK = frozenset({"US", "IN", "SG"})
#: Further countries a national number in groups is read as, when none of the above reads it: the rest of the
#: European Union's larger members and the regions' neighbours ("mi móvil es 654 219 873", "Ring til mig på 28 41 93
#: 57", "Tel 2345 6789" in Hong Kong, "0475 21 86 39" in Belgium). Without a cue only a number dialled with its trunk
#: "0" is asked of them: an eight- or nine-digit run in groups is as often an order or a policy number.
CUED_READ = ("ES", "IT", "NL", "BE", "DK", "NO", "SE", "FI", "PL", "PT", "IE", "LU", "HK", "PH", "NZ", "ID", "TH", "AE")
# Of those, the countries where numbers are written without a trunk "0" (Spain, Italy's mobiles, the Nordics...).
_CUED_NO_TRUNK = ("ES", "IT", "DK", "NO", "PL", "PT", "LU", "HK")


class PhoneRecognizer:
    name = "phone"
    entity_types = frozenset({"PHONE"})

    def __init__(self, country: str = "US") -> None:
        self.country = country
        self._others = tuple(c for c in ALSO_READ if c != country.upper())
        self._others_bare = tuple(c for c in self._others if c in _NO_TRUNK)
        self._cued_others = self._others + tuple(c for c in CUED_READ if c != country.upper())
        self._cued_others_bare = self._others_bare + tuple(c for c in _CUED_NO_TRUNK if c != country.upper())

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        cues = cues if cues is not None else TextIndex(text)
        words = cues.words() if cues.lower is not None else word_set(text.lower())
        coded = not _CODE_WORDS.isdisjoint(words)  # a code's name stands somewhere in the text
        for start, end in _runs(text, cues):
            if text[start] == "(" and ")" not in text[start:end]:
                start += 1  # "(0475 21 86 39)": the bracket around the whole number is the text's, not the number's
            value = text[start:end]
            # Phone numbers have 7 to 15 digits (E.164). A run holds only digits and ASCII punctuation ("+().-",
            # space, tab), so deleting every ASCII non-digit leaves its digits: one C call, not a generator over
            # its characters; and a run shorter than seven characters has too few digits anyway.
            if len(value) < 7:
                continue
            digits = value.translate(ASCII_NON_DIGITS)
            # ISO dates and times and date-like runs are not worth asking libphonenumber.
            # Nor are the seconds of a time and what follows them ("17:20:05 2025 -0700").
            # Nor are numbers a product or record code's word names ("NDC 0280-6000-10", "SKU 4006-381-33391").
            if 7 <= len(digits) <= 17 and not _DATE_LIKE.match(value) and not _TIME_BEFORE.match(text, start - 2, start) \
                    and not (coded and _CODE_BEFORE.search(text, max(0, start - _CODE_REACH), start)):
                found = self._match(value, digits, start, end, cues)
                if found is not None:
                    extension = _EXTENSION.match(text, end)
                    yield Finding("PHONE", start, end if extension is None else extension.end(), *found, self.name)
        if any(len(language.intersection(words)) >= _SPOKEN_GATE for language in _DIGIT_LANGUAGES):
            yield from self._spoken(text, cues)

    def _spoken(self, text: str, cues: TextIndex) -> Iterator[Finding]:
        """A number said digit by digit, as call transcripts write it ("nine eight three nine, zero four one, six two
        seven", "oh seven nine five six ...", Dutch "nul zes, vier twee ..."): seven to fifteen digits ("double" and
        "triple" repeat the next). Reported as a phone number, the likeliest thing a caller spells out; a record or
        card number said so is redacted all the same."""
        raw = cues.latin1 if cues.latin1 is not None else text.encode("latin-1", "replace")
        tokens = raw.translate(_SEPARATORS).split()  # lower-cased, "," "." "-" as blanks: a byte table, all in C
        if bytes(map(_SPOKEN_TOKENS.__contains__, tokens)).find(b"\x01" * _SPOKEN_RUN) < 0:
            return  # no run of digit words (a C-level look at the words; the regex below tries every letter)
        for run in _SPOKEN.finditer(text):
            words = run.group().lower().replace(",", " ").replace("-", " ").replace(".", " ").split()
            digits = len(words) + words.count("triple")  # "double five" is two digits, "triple two" three
            if 7 <= digits <= 15:
                score = 0.85 if _cued(cues, run.start(), run.end()) else 0.7
                yield Finding("PHONE", run.start(), run.end(), score, False, self.name)

    def _foreign(self, raw: str, grouped: bool) -> tuple[str, ...]:
        """The other countries a national number beside a phone cue may be of: one written without a trunk "0" only
        of those that write none (libphonenumber also accepts "23456789" as a German number, which no German writes);
        ``CUED_READ``'s only for a number written in groups (a bare "20250210" or "2031957" beside "call" is as
        likely a date or a record number, and some country has a number of every length)."""
        if _trunk(raw):
            return self._cued_others if grouped else self._others
        return self._cued_others_bare if grouped else self._others_bare

    def _marked(self, raw: str, digits: str) -> tuple[str, ...]:
        """The other countries where a national number looks like a phone number without a cue: dialled with its
        trunk "0" and in groups, of any country ``ALSO_READ`` or ``CUED_READ`` names ("0171 4839201", "020 7946
        0371", "0475 21 86 39"; "08123476" is as likely a company's number), or
        an Indian mobile number in groups ("98112 46730"). An eight-digit Singapore number ("9648 3302") or a bare
        ten-digit run could as well be a waybill or an account: those need a cue outside their own region."""
        if _trunk(raw):
            return self._cued_others if len(digits) != len(raw) else ()
        return ("IN",) if "IN" in self._others and len(digits) == 10 < len(raw) and _INDIAN_MOBILE.match(raw) else ()

    def _match(self, raw: str, digits: str, start: int, end: int, cues: TextIndex) -> tuple[float, bool] | None:
        """The score of the run as a phone number and whether libphonenumber validated it; None if it is none."""
        # The shape and cue tests are cheap and libphonenumber is not (tens of microseconds a candidate): a bare
        # digit run without a cue is never reported, so it is never parsed. A run has a "+" only at its start, so
        # without one it has a separator (space, tab, "(", ")", ".", "/", "-") exactly when it is not all digits.
        if "/" in raw and not _SLASHED.match(raw):
            return None  # "030/12345678" has its trunk prefix; "2024/0012345" is an invoice's, "04/06/2024 07" a date's
        international = raw.startswith(("+", "00"))
        shaped = international or len(digits) != len(raw) or raw.startswith("0")
        if not shaped:
            if not _cued(cues, start, end):
                return None
            if _valid(raw, digits, self.country):
                return 0.95, True
            return (0.85, True) if any(_valid(raw, digits, c) for c in self._foreign(raw, False)) else None
        # Parsed whatever the cue; the cue is looked up (once) only where the answer depends on it.
        possible = _possible(raw, digits, self.country)
        valid = possible is not None and _valid_parsed(*possible)
        foreign, cued = False, None
        if not valid and not international:
            # Another country's national number: without a cue it must look like one there (``_marked``), so
            # only those countries are asked (libphonenumber's parse is the recognizer's main cost).
            cued = _cued(cues, start, end)
            for country in self._foreign(raw, len(digits) != len(raw)) if cued else self._marked(raw, digits):
                other = _possible(raw, digits, country)
                if other is not None and _valid_parsed(*other):
                    possible, valid, foreign = other, True, True
                    break
                possible = possible or other
        if possible is None:
            return None
        if valid and international:
            return 0.95, True
        if cued is None:
            cued = _cued(cues, start, end)
        if not valid:
            # libphonenumber's ranges lag the operators' (new mobile blocks): a number of a possible length beside
            # a phone cue is redacted all the same, unvalidated.
            return (0.8, False) if cued else None
        if not cued:
            # A national number with no cue of its own is only shaped like one: "UTR 51369 84857" is also a valid
            # US number. Reported unvalidated, so a finding over it that a cue backs (that UTR) ranks first
            # (``engine.resolve_overlaps``); where none covers it, it is still redacted as a phone number.
            return 0.75, False
        # Another country's number ranks below an identifier its own cue backs ("NHS number 582 965 3818").
        return (0.85 if foreign else 0.95), True


def _trunk(raw: str) -> bool:
    """The run is dialled with a trunk "0", maybe its area code in brackets ("(02) 8858 5999")."""
    return raw.startswith(("0", "(0"))


# Digits as words in English, Dutch, German, Spanish and French (``PhoneRecognizer._spoken``); "double five" is two.
_DIGIT_LANGUAGE_WORDS = (
    "zero oh one two three four five six seven eight nine", "nul een één twee drie vier vijf zes zeven acht negen",
    "null eins zwei drei vier fünf sechs sieben acht neun", "cero uno dos tres cuatro cinco seis siete ocho nueve",
    "zéro un deux trois quatre cinq six sept huit neuf",
)
_DIGIT_WORDS = sorted({word for words in _DIGIT_LANGUAGE_WORDS for word in words.split()} - {"un"})  # French "un": "a"
_REPEATS = ("double", "triple")
_SPOKEN = re.compile(
    rf"(?i)(?<![\w-])(?:{'|'.join(_DIGIT_WORDS + list(_REPEATS))})(?:[ \t]*[,.-]?[ \t]+(?:{'|'.join(_DIGIT_WORDS + list(_REPEATS))})){{5,24}}(?![\w-])"
)
# Spoken digits are looked for only where the text's word set holds at least ``_SPOKEN_GATE`` different digit words
# of one language (ASCII ones: the set's runs are ASCII), then only where its words hold ``_SPOKEN_RUN`` of them in
# a row. Ordinary English prose has "one" and "two", now and then five number words, hardly ever six in a row; a
# number said digit by digit uses six different digits or more nearly always.
_DIGIT_LANGUAGES = tuple(frozenset(word for word in words.split() if word.isascii()) for words in _DIGIT_LANGUAGE_WORDS)
_SPOKEN_GATE = 6
_SPOKEN_RUN = 6
_SPOKEN_TOKENS = frozenset(word.encode("latin-1") for word in (*_DIGIT_WORDS, *_REPEATS))
_SEPARATORS = bytes(b + 32 if 0x41 <= b <= 0x5A or 0xC0 <= b <= 0xDE and b != 0xD7 else 0x20 if b in b",.-" else b for b in range(256))


# A run with a "/" is a phone number only as "030/12345678" (or after "+", "("): one slash, after the first group.
_SLASHED = re.compile(r"[0+(][^/]*/[^/]*$")
# An Indian mobile number written in groups ("98112 46730", "9871 204 556"): ten digits from 6 to 9 on.
_INDIAN_MOBILE = re.compile(r"[6-9][\d -]{10,11}$")


def _cued(cues: TextIndex, start: int, end: int) -> bool:
    """A phone cue before the run, or after it in the same clause ("Ref No 421003268065. Not you? Call ..." is not)."""
    return cues.near(start, end, _CUES, stops=_STOPS)


_STOPS = AFTER_STOPS + ".?!"


def _runs(text: str, cues: TextIndex) -> Iterator[tuple[int, int]]:
    """The candidate runs' spans; a run of two numbers written "0351 4827103 / 0172 9038451" is two."""
    for run in _candidates(text, cues):
        start, end = run.span()
        if "/" not in run.group() or not _BETWEEN_NUMBERS.search(text, start, end):
            yield start, end
            continue
        for gap in _BETWEEN_NUMBERS.finditer(text, start, end):
            if sum(c.isdigit() for c in text[start:gap.start()]) >= 6:  # "089 / 123 456 - 78" is one number
                yield start, gap.start()
                start = gap.end()
        yield start, end


# A slash with a space on either side stands between two numbers (when a whole number stands before it).
_BETWEEN_NUMBERS = re.compile(r"[ \t]+/[ \t]*|/[ \t]+")


def _candidates(text: str, cues: TextIndex) -> Iterator[re.Match[str]]:
    """``_CANDIDATE.finditer(text)``, scanned only in the index's digit windows (already built for the other
    recognizers): on prose the full scan tests every character and costs more than the rest of the recognizer.
    A run starts at most two characters ("+(") before its first digit, well inside a window's lead, and ends with
    a digit, so a run that starts in a window ends by that window's last digit (``hi``) unless run characters
    bridge the gap to the next window's digits (``_BRIDGE``, more than 48 characters of them): then the whole text
    is scanned. Scanning to ``hi + 1`` lets the final lookahead see the character after the run; a match running
    on past an earlier window makes the next scan start at its end, as ``finditer`` does.
    tests/unit/pii/test_phone.py holds this equal to the full scan."""
    windows = cues.digit_windows()
    if windows is not None and any(_BRIDGE.match(text, hi) for _, hi in windows):
        windows = None
    return scan_widened(_CANDIDATE, text, windows, 0, 1)


# Run characters from a window's end on to a digit: a run that could continue past the window (see ``_candidates``).
_BRIDGE = re.compile(r"[()./-]*(?:[ \t](?![ \t+])[()./-]*)*\d")


def _valid(raw: str, digits: str, country: str) -> bool:
    """libphonenumber's verdict. Not memoised: a cache would keep callers' phone numbers in memory.

    ``digits`` are the ASCII digits of ``raw`` (for the length pre-check, see ``_impossible_length``)."""
    possible = _possible(raw, digits, country)
    return possible is not None and _valid_parsed(*possible)


def _possible(raw: str, digits: str, country: str) -> tuple[int, str] | None:
    """(country code, national significant number) when libphonenumber reads the run as a number of a possible
    length (a cheap test that rejects card and Aadhaar digit groups); None otherwise."""
    if _impossible_length(raw, digits, country):
        return None
    read = _read(raw, digits, country)
    if read is not None:
        return read if read[1] else None
    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return number.country_code, phonenumbers.national_significant_number(number)


def _valid_parsed(code: int, national: str) -> bool:
    # The country's main region first: for +1 numbers is_valid_number tries some twenty-five NANPA regions in turn.
    return _valid_for_region(national, code, _phonenumbers().region_code_for_country_code(code)) or _valid_number(national, code)


def _read(raw: str, digits: str, country: str) -> tuple[int, str] | None:
    """What ``parse(raw, country)`` and ``is_possible_number`` make of a candidate run, for the usual runs (nearly
    every parsed one): its country code and national significant number, that number "" when parse refuses the run
    or the number is not possible; None for the other runs, which are left to parse.

    A candidate run holds only ASCII digits, "+()./-", spaces and tabs (a "+" only first) and ends with a digit.
    Without a tab (not phone punctuation: parse refuses such a run) and within parse's 250 characters, parse's
    first steps only drop a leading "(" (no RFC 3966 context, nothing to trim after the last digit, no second
    number) and find no extension (each extension form needs a letter, "#", "~", "," or ";").
    Then parse takes the country code after a "+" (left to parse when none of one to three digits is one: it
    retries without the "+"); without one, the run is a national number of the default country (possibly written
    with its own country code) unless it starts with that country's international prefix (left to parse). The rest
    is parse's own national prefix strip and length tests, called as parse calls them.
    tests/unit/pii/test_phone.py holds this equal to libphonenumber."""
    if len(raw) > 250 or "\t" in raw or not _has_parse_steps():
        return None
    if raw[0] == "+":
        if digits[0] == "0":
            return None
        regions = _phonenumbers().COUNTRY_CODE_TO_REGION_CODE
        for width in (1, 2, 3):  # _extract_country_code
            code = int(digits[:width])
            if code in regions:
                break
        else:
            return None
        plan = _code_plan(code)
        national = digits[width:]
    else:
        country_plan = _country_plan(country)
        if country_plan is None:
            return None
        idd, own_code, plan = country_plan
        if idd is not None and idd.match(digits):
            return None
        national = digits
        if digits.startswith(own_code) and plan is not None:
            # _maybe_extract_country_code: the country's own code, taken as one when the rest (less a national
            # prefix) fits the general pattern and the whole does not, or when the whole is too long.
            util = _phonenumbers().phonenumberutil
            metadata = plan[1]
            _, rest, _ = util._maybe_strip_national_prefix_carrier_code(digits[len(own_code):], metadata)
            general = metadata.general_desc
            if (not util._match_national_number(digits, general, False)
                    and util._match_national_number(rest, general, False)) or (
                    util._test_number_length(digits, metadata) == util.ValidationResult.TOO_LONG):
                national, plan = rest, _code_plan(plan[0])
    if plan is None:
        return None
    code, metadata, keeps_strip, possible = plan
    if len(national) < 2:  # parse: too short an NSN
        return code, ""
    if keeps_strip is not None:  # the region has a national prefix
        _, stripped, _ = _phonenumbers().phonenumberutil._maybe_strip_national_prefix_carrier_code(national, metadata)
        if keeps_strip[min(len(stripped), 63)]:  # (past the longest possible length the verdict stays TOO_LONG)
            national = stripped
    if not 2 <= len(national) <= 17:  # parse: too short or too long an NSN
        return code, ""
    # is_possible_number, on the national significant number (which is ``national``, leading zeros and all)
    return (code, national) if possible[len(national)] else (code, "")


_PARSE_STEPS = ("_maybe_strip_national_prefix_carrier_code", "_match_national_number", "_test_number_length", "re_compile")


@cache
def _has_parse_steps() -> bool:
    """Whether this libphonenumber still has the internal steps ``_read`` calls (they are not public API): without
    them every run goes to ``parse``, slower but never wrong."""
    util = _phonenumbers().phonenumberutil
    return all(hasattr(util, step) for step in _PARSE_STEPS) and hasattr(util, "ValidationResult")


# Country code, the metadata parse strips a national prefix with, and per national-number length whether parse
# keeps the stripped number (None: no national prefix) and whether is_possible_number accepts it.
_Plan = tuple[int, Any, tuple[bool, ...] | None, tuple[bool, ...]]


@cache
def _code_plan(code: int) -> _Plan | None:
    """``_read``'s metadata for a number written with "+" and this country code (from metadata only)."""
    phonenumbers = _phonenumbers()
    from phonenumbers.phonemetadata import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, phonenumbers.region_code_for_country_code(code))
    return None if metadata is None else _plan(code, metadata, metadata)


@cache
def _country_plan(country: str) -> tuple[re.Pattern[str] | None, str, _Plan | None] | None:
    """``_read``'s metadata for a national number of the default country: its international prefix pattern, its
    own country code and the plan; is_possible_number reads the metadata of the country code's main region ("US"
    for a "CA" number)."""
    phonenumbers = _phonenumbers()
    from phonenumbers.phonemetadata import PhoneMetadata

    region = country.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None:
        return None
    code = metadata.country_code
    main = PhoneMetadata.metadata_for_region_or_calling_code(code, phonenumbers.region_code_for_country_code(code))
    idd = metadata.international_prefix
    return (
        None if idd is None else phonenumbers.phonenumberutil.re_compile(idd), str(code),
        None if main is None else _plan(code, metadata, main),
    )


def _plan(code: int, metadata: Any, main: Any) -> _Plan:
    """``_test_number_length`` depends on a number's length only: its verdicts for lengths 0 to 63 (the same for
    any longer one), as parse and is_possible_number use them (parse refuses numbers of more than 17 digits before
    the second)."""
    util = _phonenumbers().phonenumberutil
    results = util.ValidationResult
    keeps_strip = tuple(util._test_number_length("0" * n, metadata) not in (
        results.TOO_SHORT, results.IS_POSSIBLE_LOCAL_ONLY, results.INVALID_LENGTH) for n in range(64))
    possible = tuple(util._test_number_length("0" * n, main) in (
        results.IS_POSSIBLE, results.IS_POSSIBLE_LOCAL_ONLY) for n in range(18))
    return code, metadata, keeps_strip if metadata.national_prefix_for_parsing else None, possible


# libphonenumber's is_valid_number_for_region and is_valid_number ask ``_number_type_helper`` whether a national
# number matches a region's general description and then any of ten type descriptions (mobile only where its
# pattern differs from fixed line's), each by its possible lengths and a full match of its pattern: a dozen Python
# calls a region, and is_valid_number tries every region sharing the country code (some twenty-five for +1) until
# one claims the number. Below, the same questions go to one regular expression per region and national-number
# length (``_type_patterns``), built from metadata only; the control flow around them is libphonenumber's, line
# for line. tests/unit/pii/test_phone.py holds both equal to libphonenumber.


def _valid_for_region(national: str, country_code: int, region: str | None) -> bool:
    """``phonenumbers.is_valid_number_for_region`` for a number with this national significant number."""
    if region is None:
        return False
    check = _region_check(country_code, region)
    if check is None or (region != "001" and check[0] != country_code):
        return False
    return _matches_a_type(national, check[1])


def _valid_number(national: str, country_code: int) -> bool:
    """``phonenumbers.is_valid_number``: valid for the region that ``region_code_for_number`` picks."""
    regions = _phonenumbers().COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if regions is None:
        return False
    if len(regions) == 1:
        return _valid_for_region(national, country_code, regions[0])
    for region in regions:  # _region_code_for_number_from_list
        claim = _region_claim(region)
        if claim is None:
            continue
        leading_digits, patterns = claim
        if leading_digits is not None:
            if leading_digits.match(national):
                return _valid_for_region(national, country_code, region)
        elif _matches_a_type(national, patterns):
            return _valid_for_region(national, country_code, region)
    return False


def _matches_a_type(national: str, patterns: tuple[re.Pattern[str] | None, ...]) -> bool:
    """``_number_type_helper(national, metadata) != UNKNOWN`` for the metadata ``patterns`` were built from."""
    pattern = patterns[len(national)] if len(national) < len(patterns) else None
    return pattern is not None and pattern.fullmatch(national) is not None


@cache
def _region_check(country_code: int, region: str) -> tuple[int, tuple[re.Pattern[str] | None, ...]] | None:
    """The metadata is_valid_number_for_region reads: the region's country code and its type patterns."""
    from phonenumbers.phonemetadata import PhoneMetadata

    _phonenumbers()
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region.upper())
    return None if metadata is None else (metadata.country_code, _type_patterns(metadata))


@cache
def _region_claim(region: str) -> tuple[re.Pattern[str] | None, tuple[re.Pattern[str] | None, ...]] | None:
    """The metadata ``_region_code_for_number_from_list`` reads: leading digits (if any) and type patterns."""
    from phonenumbers.phonemetadata import PhoneMetadata

    _phonenumbers()
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None:
        return None
    leading_digits = re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None
    return leading_digits, _type_patterns(metadata)


def _type_patterns(metadata: Any) -> tuple[re.Pattern[str] | None, ...]:
    """Per national-number length (0 to 17, the longest parse gives), one pattern whose full match is
    ``_number_type_helper(number, metadata) != UNKNOWN``: the general pattern as a lookahead, then the patterns of
    the type descriptions that allow that length as alternatives; None where none does."""

    def fits(desc: Any, length: int) -> bool:  # _is_number_matching_desc, less the pattern
        return desc is not None and bool(desc.national_number_pattern) and (
            not desc.possible_length or length in desc.possible_length)

    descs = [metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip, metadata.personal_number,
             metadata.pager, metadata.uan, metadata.voicemail, metadata.fixed_line]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    general = metadata.general_desc
    patterns: list[re.Pattern[str] | None] = []
    for length in range(18):
        types = [d.national_number_pattern for d in descs if fits(d, length)]
        if not fits(general, length) or not types:
            patterns.append(None)
        else:
            patterns.append(re.compile(
                f"(?=(?:{general.national_number_pattern})$)(?:" + "|".join(f"(?:{t})" for t in types) + ")"))
    return tuple(patterns)


def _impossible_length(raw: str, digits: str, country: str) -> bool:
    """True when no way ``phonenumbers.parse(raw, country)`` reads ``raw`` gives a national number of a possible
    length, so ``_valid`` would refuse it: spares the parse for card, Aadhaar and account numbers (most wasted
    parses on dense text). Mirrors parse for a national-format ASCII run (no "+"): the national number is the run's
    digits, less a national prefix (``national_prefix_for_parsing``, matched here exactly as parse matches it, or
    grown by ``national_prefix_transform_rule``), or less the region's own country code ("4930...") and then up to
    two national prefixes. A run that starts with the region's international prefix (any country code may follow)
    is left to parse. tests/unit/pii/test_phone.py holds this against libphonenumber."""
    if raw[0] == "+" or not raw.isascii():
        return False
    plan = _length_plan(country)
    if plan is None:
        return False
    own_code, possible_upto, prefix, growth, own_code_strip, own_code_growth, idd = plan
    count = len(digits)
    shortest = count
    if prefix is not None:
        match = prefix.match(digits)
        if match is not None:
            shortest = count - match.end()
    if _any_possible(possible_upto, shortest, count + growth):
        return False
    rest = count - len(own_code)
    if digits.startswith(own_code) and _any_possible(possible_upto, rest - own_code_strip, rest + own_code_growth):
        return False
    return idd is None or idd.match(digits) is None


def _any_possible(possible_upto: tuple[int, ...], shortest: int, longest: int) -> bool:
    """Whether a possible length lies in [shortest, longest]; ``possible_upto[n]`` counts those up to n."""
    top = len(possible_upto) - 1
    return possible_upto[min(longest, top)] > (possible_upto[min(shortest - 1, top)] if shortest > 0 else 0)


# own country code, possible lengths up to n, national prefix, its growth, own-code strip, own-code growth, IDD
_LengthPlan = tuple[str, tuple[int, ...], re.Pattern[str] | None, int, int, int, re.Pattern[str] | None]


@cache
def _length_plan(country: str) -> _LengthPlan | None:
    """What ``_impossible_length`` needs to know of a region, from libphonenumber's metadata only (never input):
    its country code; how many national-number lengths up to n ``is_possible_number`` accepts for that code (its
    main region's possible and local-only lengths); its national prefix pattern and how much the transform rule
    can lengthen a number; after the own country code, the most digits two national-prefix strips remove (their
    patterns' widest match) and add; and its international prefix pattern. None when some bound is unknown (an
    unknown region, an unbounded pattern, an unusual transform rule): then every candidate is parsed."""
    phonenumbers = _phonenumbers()
    from phonenumbers.phonemetadata import PhoneMetadata

    region = PhoneMetadata.metadata_for_region(country.upper(), None)
    if region is None:
        return None
    code = region.country_code
    main = PhoneMetadata.metadata_for_region_or_calling_code(code, phonenumbers.region_code_for_country_code(code))
    if main is None:
        return None
    general = main.general_desc
    lengths = {n for n in (*general.possible_length, *general.possible_length_local_only) if n > 0}
    if not lengths:
        return None
    widths = [_prefix_bounds(region), _prefix_bounds(main)]
    if None in widths:
        return None
    (strip, growth), (main_strip, main_growth) = widths  # type: ignore[misc]
    possible_upto = tuple(sum(1 for n in lengths if n <= k) for k in range(max(lengths) + 1))
    prefix = re.compile(region.national_prefix_for_parsing) if region.national_prefix_for_parsing else None
    idd = re.compile(region.international_prefix) if region.international_prefix is not None else None
    # After the own country code parse strips with the region's metadata and then again with the main region's
    # (or the region's again): allow the larger of both for the second.
    return (
        str(code), possible_upto, prefix, growth,
        strip + max(strip, main_strip), growth + max(growth, main_growth), idd,
    )


def _prefix_bounds(metadata: object) -> tuple[int, int] | None:
    """The most digits a national prefix strip removes (the pattern's widest match) and adds (the transform rule's
    literal digits, plus a group's width for each repeated group reference); None when unbounded or unusual."""
    from re import _parser  # type: ignore[attr-defined]  # the stdlib's own regex width, no dependency

    pattern = getattr(metadata, "national_prefix_for_parsing", None)
    if not pattern:
        return 0, 0
    widest = _parser.parse(pattern).getwidth()[1]
    if widest >= _parser.MAXREPEAT:
        return None
    rule = getattr(metadata, "national_prefix_transform_rule", None) or ""
    if not re.fullmatch(r"(?:\d|\\\d)*", rule):
        return None
    references = rule.count("\\")
    return widest, len(rule) - 2 * references + max(0, references - 1) * widest


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
