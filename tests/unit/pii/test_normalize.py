"""The matching copy (``Shadow``) against its definition: every character read on its own, one at a time."""

from __future__ import annotations

import random
import re
import unicodedata

from cloakr.pii.normalize import _HOMOGLYPHS, _INVISIBLE_CLASS, _SPACES, _SPACES_CLASS, INVISIBLE, Shadow, needs_work
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import generate


def reference(original: str) -> tuple[str, list[int]]:
    """The plain definition: each character dropped, replaced or kept, and the original index of each kept one
    (plus the original's length, where a span's end after the last character maps)."""
    out: list[str] = []
    index: list[int] = []
    skip = 0
    for i, ch in enumerate(original):
        if skip:
            skip -= 1
            continue
        if original.startswith("%40", i):  # a URL's "@", read as one
            out.append("@")
            index.append(i)
            skip = 2
            continue
        if ch in INVISIBLE:
            continue
        if _SPACES.match(ch):
            ch = " "
        elif "\uff01" <= ch <= "\uff5e":
            ch = unicodedata.normalize("NFKC", ch)
        elif ch.isdecimal() and not ch.isascii():
            ch = str(unicodedata.decimal(ch))
        else:
            ch = ch.translate(_HOMOGLYPHS)
        out.append(ch)
        index.append(i)
    index.append(len(original))
    return "".join(out), index


def assert_matches_reference(original: str) -> None:
    shadow = Shadow(original)
    text, index = reference(original)
    assert shadow.text == text
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 6) + 1):
            assert shadow.span(start, end) == (index[start], index[end - 1] + 1)


EVASIONS = [
    "a", "Z", "1", " ", "\n", "@", "é", "\u00ad", "\u200b", "\u200d", "\ufeff", "\u2060", "\ufe0f", "\u00a0", "\u202f",
    "\u3000", "\uff14", "\uff41", "\uff20", "\u0661", "\u0967", "\u09e8", "\u00b2", "\u0430", "\u0435", "\u03bf",
    "\u0391", "\u03a3", "\u0416", "İ", "ß", "\U0001d7d9", "%40", "%4", "%", "40", "0",
]
TRICKY = st.sampled_from(EVASIONS)


@settings(max_examples=400, deadline=None)
@given(st.lists(TRICKY, max_size=30).map("".join) | st.text(max_size=30))
def test_the_matching_copy_and_its_offsets_follow_the_definition(original):
    assert_matches_reference(original)


def test_the_matching_copy_on_corpus_texts_with_evasions():
    """Corpus texts with characters slipped in (the corpus itself has none), as an attacker would."""
    rng = random.Random(9)
    for sample in generate(60, seed=9):
        text = sample.text
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(EVASIONS) + text[at:]
        assert_matches_reference(text)


# The plain definition of the characters that need work: each kind as its own branch.
PLAIN_NEEDS_WORK = re.compile(f"[{_INVISIBLE_CLASS}{_SPACES_CLASS}\uff01-\uff5e\u0370-\u03ff\u0400-\u04ff]|[^\\x00-\\x7f](?<=\\d)")


@settings(max_examples=400, deadline=None)
@given(st.lists(TRICKY, max_size=30).map("".join) | st.text(max_size=30) | st.text(st.characters(max_codepoint=0xFF)))
def test_needing_work_follows_the_plain_pattern(text):
    assert needs_work(text) == bool(PLAIN_NEEDS_WORK.search(text))


def test_needing_work_character_by_character():
    for code in range(0x80, 0x110000):
        ch = chr(code)
        assert needs_work("x" + ch) == bool(PLAIN_NEEDS_WORK.search(ch)), hex(code)


def test_an_encoded_at_sign_is_read_as_one():
    shadow = Shadow("GET /u?email=jane.doe%40example.com&x=%4%40%40")
    assert shadow.text == "GET /u?email=jane.doe@example.com&x=%4@@"
    start = shadow.text.index("jane")
    assert shadow.span(start, start + len("jane.doe@example.com")) == (start, start + len("jane.doe%40example.com"))


def test_text_needing_no_work_is_the_original_itself():
    for text in ("plain ascii 123", "Müller straße 5", ""):
        assert Shadow(text).text is text
