"""The pattern table's shortcuts find exactly what the plain rows find.

Each row's ``longest`` bounds its matches (sre's own width of the regex), anchor shapes hold at the anchor of every
match, and the validators' C-level paths (digit sums by byte, table lookups) agree with their reference forms.
"""

from __future__ import annotations

import ipaddress
import re._parser as sre_parse

import pytest
from cloakr.pii import validators as v
from cloakr.pii.context import TextIndex
from cloakr.pii.recognizers.patterns import LABELLED, SPECS, PatternRecognizer, _ip, _ipv4
from cloakr.pii.scanning import MARGIN
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.pii.test_scanning import corpus, plain_find

ROWS = (*SPECS, *LABELLED)


# Rows left at the default ``MARGIN`` are bounded by a lookahead sre's width does not see (a record number's 16).
@pytest.mark.parametrize("spec", [s for s in ROWS if s.longest not in (None, MARGIN)], ids=lambda s: f"{s.type}:{s.regex[:24]}")
def test_longest_bounds_every_match(spec):
    assert sre_parse.parse(spec.regex, spec.flags).getwidth()[1] <= spec.longest


def first_digit_bound(items, flags: int) -> int | None:
    """The furthest into any match of ``items`` (sre's parse tree) its first digit can lie, or None when some
    match may hold no digit that the tree itself guarantees (a digit required only by a lookahead counts not)."""
    before = 0  # the most characters a match can have before the current item
    for op, av in items:
        if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            continue
        if op in (sre_parse.LITERAL, sre_parse.IN, sre_parse.NOT_LITERAL, sre_parse.ANY):
            tree = sre_parse.SubPattern(sre_parse.State(), [(op, av)])
            if op is not sre_parse.ANY and all(ch in "0123456789" for ch in map(chr, range(0x250)) if _matches_one(tree, ch, flags)):
                return before
            before += 1
            continue
        if op is sre_parse.SUBPATTERN:
            inner = first_digit_bound(av[3], flags | av[1])
        elif op is sre_parse.BRANCH:
            bounds = [first_digit_bound(alternative, flags) for alternative in av[1]]
            inner = None if None in bounds else max(bounds)
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT):
            inner = first_digit_bound(av[2], flags) if av[0] >= 1 else None
        else:
            return None
        if inner is not None:
            return before + inner
        before += sre_parse.SubPattern(sre_parse.State(), [(op, av)]).getwidth()[1]
        if before >= sre_parse.MAXREPEAT - 1:
            return None  # an unbounded part ("\s*") before the first digit
    return None


def requires_digit(items, flags: int) -> bool:
    """Every match of ``items`` holds a digit or is followed by one that a lookahead of it requires."""
    for op, av in items:
        if op in (sre_parse.LITERAL, sre_parse.IN):
            tree = sre_parse.SubPattern(sre_parse.State(), [(op, av)])
            if all(ch in "0123456789" for ch in map(chr, range(0x250)) if _matches_one(tree, ch, flags)):
                return True
        elif op is sre_parse.SUBPATTERN and requires_digit(av[3], flags | av[1]):
            return True
        elif op is sre_parse.ASSERT and av[0] == 1 and requires_digit(av[1], flags):  # a lookahead, not a lookbehind
            return True
        elif op is sre_parse.BRANCH and all(requires_digit(alternative, flags) for alternative in av[1]):
            return True
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT) and av[0] >= 1 and requires_digit(av[2], flags):
            return True
    return False


def _matches_one(tree, ch: str, flags: int) -> bool:
    import re._compiler as sre_compile

    return bool(sre_compile.compile(tree, flags).fullmatch(ch))


# VIN: all 17 characters may be letters in a match (the validator rejects those); a 17-character word cannot hold the
# start of another, which is why its digit windows still find every VIN (the corpus and generated-text tests below).
@pytest.mark.parametrize("spec", [s for s in ROWS if s.digit and s.type != "VEHICLE_IDENTIFICATION_NUMBER"], ids=lambda s: f"{s.type}:{s.regex[:24]}")
def test_digit_rows_hold_a_digit_within_their_lead(spec):
    """``digit`` rows are scanned only near digits: every match must hold one within ``digit_lead`` characters; with
    no lead, a text without digits is skipped: every match must still need a digit."""
    parsed = sre_parse.parse(spec.regex, spec.flags)
    if spec.digit_lead is None:
        assert requires_digit(parsed.data, parsed.state.flags)
        return
    bound = first_digit_bound(parsed.data, parsed.state.flags)
    assert bound is not None and bound <= spec.digit_lead, bound


def test_the_digit_checks_see_lookaheads_and_optional_parts():
    def check(regex):
        parsed = sre_parse.parse(regex)
        return first_digit_bound(parsed.data, parsed.state.flags), requires_digit(parsed.data, parsed.state.flags)

    assert check(r"[A-Z]{2}\d") == (2, True) and check(r"(?:ab|c)\d") == (2, True) and check(r"[0-9]") == (0, True)
    assert check(r"(?=[A-Z-]*\d)[A-Z]+") == (None, True) and check(r"\w+") == (None, False)
    assert check(r"(?<=\d)[A-Z]+") == (None, False) and check(r"(?!\d)\d?[A-Z]") == (None, False)
    assert check(r"a\s*\d") == (None, True) and check(r"(?:\d|x)y") == (None, False)


# Logs and forms: timestamps and MACs share ":"; "you" holds "yo"; dates near birth cues.
PIECES = st.sampled_from(
    [*"0123456789abcdefABCDEF", " ", "-", ":", ".", "\n", "T", "Z", "x", "_", "2024-05-01T10:00:36Z", "10:00:36 ",
     "2c:4b:61:5e:3a:68", "2C-4B-61-5E-3A-68", "00:1A:2B:", "3c-4d-", "fe80::1", "::", "2001:db8::ff00:42:8329",
     "::ffff:", "1:2:3:4:5:6:7:8", "you ", "your ", "yo", "YO ", " y/o", "year", " years old", "-year-old", " yrs old",
     "YEARS OLD", "42", "7 ", "\u017f", "\u212a", "DOB: ", "born ", "date of birth ", "12/05/1985", "Sept ", "3rd ",
     ", 1990", "1990-01-02", "ip ", "host ", "192.168.0.1", "010.1.1.1", "256.1.1.1", "v1.2.3.4", "CVV ", "acct ",
     "exp 12/29", "DL: ", "D6494235", "MRN ", "AB-12345", "passport ", "272838031689"]
)
TEXTS = st.lists(PIECES, max_size=50).map("".join)


def assert_rows_find_what_plain_rows_find(text: str) -> None:
    index = TextIndex(text)
    for spec in ROWS:
        found = [(f.start, f.end, f.score) for f in PatternRecognizer(spec.type, (spec,)).find(text, index)]
        if spec.type != "URL":
            assert found == plain_find(spec, text), (spec.type, spec.regex)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS)
def test_rows_on_generated_logs_and_forms(text):
    assert_rows_find_what_plain_rows_find(text)


def test_rows_on_the_corpus():
    for text in corpus():
        assert_rows_find_what_plain_rows_find(text)


def digits_reference(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_reference(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and v.luhn_by_digit(number)


def verhoeff_reference(number: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = v._VERHOEFF_D[c][v._VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def iban_reference(value: str) -> bool:
    s = "".join(value.split()).upper()
    if len(s) < 15 or v._IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit() or not s.isalnum():
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


DIGITISH = st.text(alphabet=st.sampled_from([*"0123456789", " ", "-", ".", "/", "a", "Z", "\u0663", "\uff14", "\u00b2"]), max_size=24)
DIGIT_RUNS = st.text(alphabet=st.sampled_from("0123456789"), max_size=24)


@settings(max_examples=2000, deadline=None)
@given(value=st.one_of(DIGITISH, DIGIT_RUNS))
def test_digits_and_luhn_match_their_reference(value):
    assert v.digits(value) == digits_reference(value)
    assert v.luhn(value) == luhn_reference(value)
    if value.isdecimal():
        assert v.verhoeff(value) == verhoeff_reference(value)


@settings(max_examples=2000, deadline=None)
@given(body=st.text(alphabet=st.sampled_from([*"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", " ", "b"]), max_size=34),
       country=st.sampled_from(["GB", "DE", "NO", "FR", "XX", "gb"]))
def test_iban_matches_its_reference(body, country):
    for value in (country + body, country + "82" + body):
        assert v.iban(value) == iban_reference(value)


def test_iban_and_cards_on_known_values():
    assert v.iban("GB82 WEST 1234 5698 7654 32") and not v.iban("GB82 WEST 1234 5698 7654 33")
    assert v.card("4111 1111 1111 1111") and not v.card("4111 1111 1111 1112")
    assert v.aadhaar("2345 6789 0124") == verhoeff_reference("234567890124")


OCTETS = st.one_of(st.integers(0, 999).map(str), st.sampled_from(["00", "01", "007", "0", "255", "256", "", "1a"]))


@settings(max_examples=2000, deadline=None)
@given(parts=st.lists(OCTETS, min_size=1, max_size=5))
def test_ipv4_matches_ipaddress(parts):
    value = ".".join(parts)
    try:
        ipaddress.ip_address(value)
        expected = True
    except ValueError:
        expected = False
    assert _ipv4(value) == expected == _ip(value)


# Labelled rows' words next to letters, digits, separators and look-alikes ("usernames", "passé", "Pin1234", "ſ").
WORD_PIECES = st.sampled_from(
    ["user", "User", "USERNAME", "user name", "user id", "userid", "login", "benutzername", "password", "passwd",
     "pwd", "pass", "Passcode", "passphrase", "kennwort", "passwort", " is ", "pin", "PIN", " code", " number",
     "age", "aged", "Alter", "http", "https", "://", "www", ".", "years", "yr", "yrs", "y/o", "yo", "you", " old",
     "-", ":", "=", "#", " ", "\n", "_", "s", "x", "é", "\u017f", "\u212a", "42", "1234", "hunter22", "Ab3$xYz9",
     '"', "'", '": "', "user_id", "user-name", "{"]
)


@settings(max_examples=400, deadline=None)
@given(text=st.lists(WORD_PIECES, max_size=30).map("".join))
def test_rows_with_words_find_what_plain_rows_find(text):
    """A row with ``words`` skips a text whose word set lacks them: never a text where the plain row matches."""
    index = TextIndex(text)
    for spec in (s for s in ROWS if s.words):
        found = [(f.start, f.end, f.score) for f in PatternRecognizer(spec.type, (spec,)).find(text, index)]
        if spec.type != "URL":
            assert found == plain_find(spec, text), (spec.type, spec.regex)
        if plain_find(spec, text) and index.lower is not None:
            assert not index.words().isdisjoint(spec.words), (spec.type, text)
