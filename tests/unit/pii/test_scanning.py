"""The fast paths give exactly what the plain ones give.

The engine rewrites pattern leads so sre can skip (``lead_with_atom``), finds cues with ``str.find``
(``TextIndex``) and scans cue-gated rows only near their cues (``scan``). Each is checked against the plain
form it replaces: every table regex as written, ``has_cue``'s regex search, and a full ``finditer``, on the
generated corpus and on hypothesis texts built from digits, separators and cue words.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from cloakr.pii import PIIEngine
from cloakr.pii.context import AFTER, AFTER_STOPS, TextIndex, _merge, has_cue, intersect
from cloakr.pii.normalize import Shadow
from cloakr.pii.recognizers import phone
from cloakr.pii.recognizers.patterns import AGE_YEARS_OLD, DATE, DATE_PLAIN, LABELLED, SPECS, PatternRecognizer
from cloakr.pii.recognizers.secrets import AWS_SECRET_SPECS, AWS_SPECS
from cloakr.pii.scanning import ascii_digits, fast_form, lead_with_atom, scan
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench.corpus import generate

ROWS = (*SPECS, *LABELLED, *AWS_SPECS, *AWS_SECRET_SPECS)
ALL_CUES = tuple(sorted({cue for row in ROWS for cue in row.cues}))


def camel(cue: str) -> str:
    """A cue as a JSON key spells it: "date of birth" -> "dateOfBirth"."""
    first, *rest = cue.split(" ")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


PIECES = st.sampled_from(
    [*"0123456789", *"0123456789", " ", "-", ".", "/", ":", "\n", "#", "+", "00", "(", "\t", "_", "A", "Z", "S", "x", "é", "\u0130", "\u017f",
     "ghp_", "sk-", "api_key=", "token: ", "eyJhbGciOiJIUzI1NiJ9", "Xy9aBc0dEf1GhI2jKl3M", "+44 20 7946 0958", "(",
     ")", "Dear ", "Mr ", "John ", "Smith", "Street", "Apt ", "Box ", "    ", " " * 70,
     # Matches longer than a window's margin: a JWT, a long URL, an e-mail with a long domain, a long token.
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
     "https://example.com/" + "p" * 90, "jane.doe@" + "sub." * 20 + "example.com", "ghp_" + "a1B2" * 12,
     *ALL_CUES, *(camel(cue) for cue in ALL_CUES if " " in cue), '{"', '": "', "4111 1111 1111 1111", "123-45-6789", "078-05-1120", "DOB", "ssn", "12/05/1985", "@", "a@b.io",
     "http://", "www.", "fe80::1", "::", "ab", "2001:db8:", "a:b", ":ff", "00:1A:2B:", "3C-4D-", "5E", "Jan ", "sept. ", "MARCH ", "3rd ", ", 1990", "ſep ", "Age", "age: ", " years old", "y/o", "Password: ", "user=", "PIN ",
     "AKIA", "ABCDE1234F", "S1234567D", "GB82 WEST 1234 5698 7654 32", "1EG4-TE5-MK73",
     # Pasted tables, whose header cues the cells below it (``columns``).
     ",", ";", "|", '"', "'", "id,dob,nhs_number,phone\n", "Name;SteuerID;call_id\n", "| dob | ssn |\n", "INSERT INTO t (dob, sin) VALUES (",
     "', '", "), (", ");"]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@cache
def corpus() -> list[str]:
    return [sample.text for sample in generate(400, seed=3)]


def spans(regex: str, flags: int, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(regex, text, flags)]


def plain_find(spec, text: str) -> list[tuple[int, int, float]]:
    """One table row the plain way: the regex as written over the whole text, cues by regex search."""
    out = []
    for match in re.finditer(spec.regex, text, spec.flags):
        start, end = match.span("v") if "v" in match.re.groupindex else match.span()
        value = text[start:end]
        if spec.reject and spec.reject(text, value, start):
            continue
        if spec.validator is not None and not spec.validator(value):
            continue
        cue = has_cue(text, start, end, spec.cues, before=spec.window, stops=AFTER_STOPS) if spec.cues else False
        if spec.needs_cue and not cue:
            continue
        out.append((start, end, spec.cue_score if cue else spec.score))
    return out


def fast_find(spec, text: str) -> list[tuple[int, int, float]]:
    found = PatternRecognizer(spec.type, (spec,)).find(text)
    return [(f.start, f.end, f.score) for f in found if spec.type != "URL"]


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: f"{s.type}:{s.regex[:24]}")
def test_rewritten_leads_match_the_same_strings(spec):
    fast = lead_with_atom(spec.regex)
    for text in corpus():
        assert spans(fast, spec.flags, text) == spans(spec.regex, spec.flags, text)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_rewritten_leads_on_generated_texts(text):
    for spec in ROWS:
        assert spans(lead_with_atom(spec.regex), spec.flags, text) == spans(spec.regex, spec.flags, text), spec.type


def test_only_provable_leads_are_rewritten():
    assert lead_with_atom(r"(?<![\d-])\d{9}(?![\d-])") == r"\d(?<![\d-][\s\S])\d{8}(?![\d-])"
    assert lead_with_atom(r"\b[STFGM]\d{7}[A-Z]\b") == r"[STFGM](?<!\w[\s\S])\d{7}[A-Z]\b"
    assert lead_with_atom(r"\b[A-Z]?\d{8,9}\b") == r"\b[A-Z]?\d{8,9}\b"  # optional first atom: unchanged
    assert lead_with_atom(r"\b[A-Z0-9*]{1,5}") == r"\b[A-Z0-9*]{1,5}"  # "*" is not a word character
    assert lead_with_atom(r"\b(?:https?://|www\.)") == r"\b(?:https?://|www\.)"


# Rows whose lead is rewritten by hand: (fast form, the plain form it must equal, flags).
HAND_WRITTEN = (
    (AGE_YEARS_OLD, r"\b(?P<v>\d{1,3})(?i:\s{0,8}(?:-|\s)?(?:years?|yrs?)(?:-|\s)old\b|\s{0,8}(?:y/o|yo)\b)", 0),
    (DATE, DATE_PLAIN, re.IGNORECASE),
)
HAND_WRITTEN_EDGES = ("aged 5 yo", "5 y/o", "12-year-old", "x12 years old", "1234 years old", "7yo", "born Sept. 3rd, 1990",
                      "DOB: SEP 3, 1990", "ſep 3, 1990", "3 \u212aov 1990", "1st of Mar, 2001", "3rd March, 1999", "2001-02-03")


def _same_matches(text: str) -> None:
    for fast, plain, flags in HAND_WRITTEN:
        assert [m.span() for m in re.finditer(fast, text, flags)] == [m.span() for m in re.finditer(plain, text, flags)]


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_hand_written_leads_match_their_plain_forms(text):
    _same_matches(text)


def test_hand_written_leads_on_the_corpus():
    for text in (*corpus(), *HAND_WRITTEN_EDGES):
        _same_matches(text)


def test_digit_escapes_become_ascii_ranges_and_nothing_else_changes():
    assert ascii_digits(r"(?<![\d-])\d{9}(?![\d-])") == r"(?<![0-9-])[0-9]{9}(?![0-9-])"
    assert ascii_digits(r"\\d\d") == r"\\d[0-9]"  # an escaped backslash before "d" is no digit escape
    assert ascii_digits(r"[^]\d]x\d") == r"[^]0-9]x[0-9]"  # "]" first in a class is a literal
    assert ascii_digits(r"\D\w\b\s") == r"\D\w\b\s"


OTHER_DIGITS = st.lists(st.one_of(PIECES, st.sampled_from(["\u0661\u0662\u0663", "\uff14\uff11\uff11", "\u0967\u0968", "\u00b2", "\u200b"])), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=OTHER_DIGITS)
def test_compiled_rows_match_the_same_on_the_matching_text(text):
    shadow = Shadow(text).text  # what the engine runs every row on: other-script digits read as ASCII
    for spec in ROWS:
        assert spans(fast_form(spec.regex), spec.flags, shadow) == spans(spec.regex, spec.flags, shadow), spec.type


def test_compiled_rows_match_the_same_on_the_corpus():
    for text in corpus():
        shadow = Shadow(text).text
        for spec in ROWS:
            assert spans(fast_form(spec.regex), spec.flags, shadow) == spans(spec.regex, spec.flags, shadow), spec.type


def cuts_a_word(text: str, start: int, end: int) -> bool:
    """``has_cue``'s windows end at the value's start and ``AFTER`` characters past its end; a cue word cut there
    ("aba|b", "cvc2|A") counts for it, never for the index (which sees "abab", "cvc2A"). Values never start inside
    a word."""
    return any(0 < i < len(text) and text[i - 1].isalnum() and text[i].isalpha() for i in (start, end + AFTER))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_cue_index_agrees_with_the_regex_search(text, data):
    index = TextIndex(text)
    cues = data.draw(st.sampled_from([row.cues for row in ROWS if row.cues]))
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    stops = data.draw(st.sampled_from(["", AFTER_STOPS]))
    if not cuts_a_word(text, start, end):
        assert index.near(start, end, cues, stops=stops) == has_cue(text, start, end, cues, stops=stops)


CUE_SETS = sorted({row.cues for row in ROWS if row.cues})


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(TEXTS, st.lists(st.sampled_from([*{c for cues in CUE_SETS for c in cues}, " ", "x", "é", "\u0906", "2"]),
                                      max_size=6).map("".join)))
@example(text="my \u0906\u0927\u093e\u0930 is 2345 6789 0124")  # a head without ASCII letters: "आधार"
@example(text="a/c 12345678, ss# 536221234, D.O.B 01/02/1990, dea# AB1234563, cvv2 123")  # heads with other characters
def test_cues_said_absent_have_no_occurrence(text):
    """``absent`` is the index's early exit for rows whose cues a text cannot hold: never wrong."""
    index, reference = TextIndex(text), TextIndex(text, exhaustive=True)
    for cues in CUE_SETS:
        if index.absent(cues):
            assert reference.spans(cues) == ([], [], []), cues
        assert not reference.absent(cues)


# Every cue as written, glued in camelCase and with "_", between separators, letters and digits.
CUE_PIECES = st.sampled_from(sorted({form for cues in CUE_SETS for c in cues for form in (c, camel(c), c.replace(" ", "_"), c.upper())}
                                    | {" ", "\"", ": ", "x", "X", "_", "-", "1", "\n", "é"}))


@settings(max_examples=500, deadline=None)
@given(text=st.lists(CUE_PIECES, max_size=8).map("".join))
@example(text='{"accountNumber": "123456789012", "dateOfBirth": "01/02/1990", "licensePlate": "ABC 1234"}')
def test_the_cue_index_finds_every_cue_the_regex_finds(text):
    """Glued spellings included ("accountNumber"): the word set opens a phrase on its first word or on its first
    words glued together."""
    index, reference = TextIndex(text), TextIndex(text, exhaustive=True)
    for cues in CUE_SETS:
        assert index.spans(cues) == reference.spans(cues), cues


def test_a_cue_running_on_into_a_word_is_not_a_cue():
    cues = ("aba", "routing")
    assert not TextIndex("abab 123").near(5, 8, cues)
    assert TextIndex("aba 123").near(4, 7, cues) and TextIndex("DOB01/02/1990").near(3, 13, ("dob",))
    assert not TextIndex("dob1 01/02/1990").near(5, 15, ("dob",))


def assert_windowed_equals_plain(spec, text: str) -> None:
    """The windowed row finds what the full scan finds, with two intended differences: where ``has_cue``'s window
    cuts a cue word (``cuts_a_word``), and where a candidate starting before every window, one the row rejects
    anyway, overlaps a finding (``shadowed``): the full scan resumes after that candidate and so never tries the
    finding's start, the windowed scan never sees the candidate and finds it (and then not the full scan's later
    finding that overlaps it)."""
    fast, plain = fast_find(spec, text), [f for f in plain_find(spec, text) if spec.type != "URL"]
    if fast != plain:
        differing = set(fast) ^ set(plain)
        kept = [(start, end) for start, end, _ in set(fast) - set(plain) if shadowed(spec, text, start)]
        assert all(cuts_a_word(text, start, end) or any(s < end and start < e for s, e in kept) for start, end, _ in differing), (
            spec.type, text, fast, plain)


def shadowed(spec, text: str, start: int) -> bool:
    """A match of the full scan (before any check) starts before ``start`` and ends after it."""
    return any(m.start() < start < m.end() for m in re.finditer(spec.regex, text, spec.flags))


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: f"{s.type}:{s.regex[:24]}")
def test_windowed_rows_find_what_full_scans_find(spec):
    for text in corpus():
        assert fast_find(spec, text) == [f for f in plain_find(spec, text) if spec.type != "URL"]


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_windowed_rows_on_generated_texts(text):
    for spec in ROWS:
        assert_windowed_equals_plain(spec, text)


def test_a_rejected_candidate_before_the_window_hides_nothing_from_the_windowed_scan():
    plate = next(row for row in ROWS if row.type == "LICENSE_PLATE")
    text = "00000GB82 WEST 1234 5698 7654 32license plate"  # found by hypothesis
    assert fast_find(plate, text) == [(10, 29, 0.8)] and plain_find(plate, text) == [(20, 29, 0.8)]
    assert_windowed_equals_plain(plate, text)


def test_a_cue_cut_by_the_reference_window_is_an_allowed_difference():
    cvv = next(row for row in ROWS if row.type == "CREDIT_DEBIT_CARD_CVV")
    assert_windowed_equals_plain(cvv, "4111 1111 1111 1111chart numberPIN cvcA")
    # A cue ending in a digit, cut before a letter ("cvc2|A"): the index sees the longer word "cvc2A", no cue.
    assert_windowed_equals_plain(cvv, "GB82 WEST 1234 5698 7654 323rd 3rd 3rd cvc2A")


WINDOWS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=8).map(
    lambda spans: _merge(sorted((lo, lo + width) for lo, width in spans))
)


@settings(max_examples=500, deadline=None)
@given(a=WINDOWS, b=WINDOWS)
def test_intersected_windows_hold_exactly_the_positions_in_both(a, b):
    positions = lambda windows: {p for lo, hi in windows for p in range(lo, hi + 1)}  # noqa: E731 - both ends included
    both = intersect(a, b)
    assert positions(both) == positions(a) & positions(b)
    assert both == sorted(both) and all(lo <= hi for lo, hi in both)


def test_scan_without_windows_is_finditer():
    regex = re.compile(r"\d+")
    assert [m.span() for m in scan(regex, "a 12 b 345", None)] == [(2, 4), (7, 10)]
    assert [m.span() for m in scan(regex, "a 12 b 345", [(6, 8)])] == [(7, 10)]
    assert list(scan(regex, "a 12 b 345", [])) == []


@cache
def recognizers():
    return PIIEngine()._recognizers


def by_recognizer(text: str, exhaustive: bool) -> dict[str, list[tuple]]:
    index = TextIndex(text, exhaustive=exhaustive)
    return {r.name: sorted((f.type, f.start, f.end, f.score) for f in r.find(text, index)) for r in recognizers()}


def test_every_recognizer_finds_the_same_with_and_without_shortcuts():
    for text in corpus():
        assert by_recognizer(text, exhaustive=False) == by_recognizer(text, exhaustive=True)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_every_recognizer_on_generated_texts(text):
    assert by_recognizer(text, exhaustive=False) == by_recognizer(text, exhaustive=True)


EDGE_TEXTS = (
    "auth: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "see https://example.com/" + "path/" * 40 + " and www.example.org/x",
    "mail jane.doe@" + "sub." * 20 + "example.com today",
    "token ghp_" + "a1B2" * 12 + " and sk-proj-" + "Ab3" * 20,
    "password:" + " " * 80 + "hunter2!x and user id =    jdoe42",
    "she is 42        years old, aged    37, PIN     1234",
    "DOB01/02/1990, SSN078-05-1120, acct#12345678",
    "call 555-0100 x" + "9" * 30 + " or +44 20 7946 0958",
    "vin ABCDEFGHXJKLMNPA0 and ABCDEFGHXJKLMNPA0, digit only at the end",
    "twilio SK" + "0123456789abcdef" * 2 + ", mac 00:1A:2B:3C:4D:5E and AA-BB-CC-DD-EE-FF, gho_" + "x" * 36,
)


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_every_recognizer_on_long_and_glued_values(text):
    assert by_recognizer(text, exhaustive=False) == by_recognizer(text, exhaustive=True)


PLAIN_PHONE_CANDIDATE = r"(?<![\w.-])(?:\+|\b00)?\(?\d(?:[\d()./-]|[ \t](?![ \t+]))*\d(?![\w-])"


def test_phone_candidates_match_the_plain_pattern():
    for text in (*corpus(), *EDGE_TEXTS, "007 0044 20 7946 0958 (0)20 x-00(1)2 +(44)1 a00 12"):
        assert [m.span() for m in phone._CANDIDATE.finditer(text)] == spans(PLAIN_PHONE_CANDIDATE, 0, text)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_phone_candidates_on_generated_texts(text):
    assert [m.span() for m in phone._CANDIDATE.finditer(text)] == spans(PLAIN_PHONE_CANDIDATE, 0, text)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS | OTHER_DIGITS | st.text(st.sampled_from("0123456789 ab-\u0661\u00e9\u00b2"), max_size=400))
def test_digit_clusters_found_by_search_equal_the_regex(text):
    from cloakr.pii.context import _DIGIT_CLUSTER, _digit_clusters
    from cloakr.pii.normalize import latin1_bytes

    assert _digit_clusters(text, latin1_bytes(text)) == [m.span() for m in _DIGIT_CLUSTER.finditer(text)]


def test_digit_clusters_on_the_corpus():
    from cloakr.pii.context import _DIGIT_CLUSTER, _digit_clusters
    from cloakr.pii.normalize import latin1_bytes

    for text in (*corpus(), "a1" + " " * 16 + "2" + " " * 17 + "3", "x" * 50, "ü" + "1 " * 150 + "\u0661" * 3 + "2" * 90):
        assert _digit_clusters(text, latin1_bytes(text)) == [m.span() for m in _DIGIT_CLUSTER.finditer(text)]


def test_latin1_has_no_decimal_digits_but_ascii_ones():
    assert [ch for ch in map(chr, range(256)) if ch.isdecimal()] == list("0123456789")


@settings(max_examples=300, deadline=None)
@given(text=TEXTS | st.text())
def test_the_word_set_is_every_run_of_ascii_letters(text):
    index = TextIndex(text)
    if index.lower is not None:
        assert index.words() == frozenset(re.findall("[a-z]+", index.lower))


def test_the_word_set_on_the_corpus():
    for text in (*corpus(), "Müller-Lüdenscheidt straße", "naïve\u00a0café\tÉCOLE ok"):
        index = TextIndex(text)
        assert index.words() == frozenset(re.findall("[a-z]+", index.lower))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS | st.text() | st.text(st.characters(max_codepoint=0x2200)))
def test_fold_characters_are_found_as_by_looking_at_each(text):
    from cloakr.pii.context import _FOLDS_TO_ASCII, _has_fold
    from cloakr.pii.normalize import latin1_bytes

    assert _has_fold(text, latin1_bytes(text)) == any(ch in _FOLDS_TO_ASCII for ch in text)
    folded = "Grüße " + "".join(_FOLDS_TO_ASCII) + text
    assert _has_fold(folded, latin1_bytes(folded))


def test_the_corpus_exercises_both_digit_scans():
    """Digit rows scan windows in prose and the whole text where digits are dense (tables, forms): the
    equivalence tests above only prove both if the corpus holds texts of each kind."""
    kinds = {TextIndex(text).digit_windows() is None for text in corpus() if any(ch.isdigit() for ch in text)}
    assert kinds == {True, False}


def test_lazy_patterns_compile_on_first_use_and_then_skip_the_fallback_lookup():
    from cloakr.pii.scanning import LazyPattern

    pattern = LazyPattern(r"a(\d)")
    assert "compiled" not in vars(pattern)
    assert pattern.match("a1").group(1) == "1"
    assert pattern.match("b") is None
    assert vars(pattern)["match"] == pattern.compiled.match  # later calls find it without __getattr__
    assert [m.span() for m in pattern.finditer("a1 a2")] == [(0, 2), (3, 5)]


def plain_spans(index: TextIndex, cues: tuple[str, ...]) -> list[tuple[int, int]]:
    """``TextIndex.spans`` without its word-set shortcuts: every head searched for in the text (a plain-word head
    too, which may open a glued phrase inside a longer run: "accessKey")."""
    from cloakr.pii.context import _bare_pattern, _cues_by_head, occurrences

    found = set()
    for head, group in _cues_by_head(cues).items():
        head = head.lower()
        for at in occurrences(index.lower, head):
            found.update(m.span() for cue in group if (m := _bare_pattern(cue).match(index.text, at)))
    return sorted(found)


OTHER_HEADS = st.lists(st.sampled_from(["cvc2", "CVV2", "a/c", "A/C", "ss#", "d.o.b", "D.O.B.", "a", "ss", "cvc", "d", "x",
                                        "1", " ", "/", "#", ".", "é", "numéro", "n°", "no.", "nr.", "-", "_"]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS | OTHER_HEADS, data=st.data())
def test_cue_heads_skipped_by_their_letters_have_no_cue(text, data):
    index = TextIndex(text)
    if index.lower is not None:
        cues = data.draw(st.sampled_from([row.cues for row in ROWS if row.cues] + [ALL_CUES]))
        starts, ends, _ = index.spans(cues)
        assert list(zip(starts, ends)) == plain_spans(index, cues)


def test_cue_heads_skipped_by_their_letters_on_the_corpus():
    for text in corpus():
        index = TextIndex(text)
        if index.lower is not None:
            for cues in {row.cues for row in ROWS if row.cues} | {ALL_CUES}:
                starts, ends, _ = index.spans(cues)
                assert list(zip(starts, ends)) == plain_spans(index, cues)


def test_a_cue_that_ends_in_a_sign_has_ended_before_a_letter():
    """Found by hypothesis: "ss#" right before "Dear" is a whole cue for the regex search and, now, for the index."""
    text, cues = "ss#Dear ", ("ssn", "ss#")
    assert TextIndex(text).near(3, 3, cues) is True
    assert has_cue(text, 3, 3, cues) is True
