"""The names recognizer's fast paths must find exactly what their plain forms find: the shaped-byte hint scan what
the class-led ``_HINT`` regex finds, the gated cue searches what searching for every phrase finds."""

from __future__ import annotations

import random
import re

from cloakr.pii.context import TextIndex
from cloakr.pii.normalize import latin1_bytes
from cloakr.pii.recognizers import names


def _spans(matches) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [(m.span(), m.span(1)) for m in matches]


def test_shaped_hint_scan_matches_the_regex() -> None:
    pieces = [chr(c) for c in range(256)] + ["van ", "de ", "s/o ", "Ab ", "Cd, ", " ", "\t", "bin ", "della ", "Ōno ", "ā"]
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 24)))
        assert _spans(names._hints(text, latin1_bytes(text))) == _spans(names._HINT.finditer(text)), text


def test_shaped_hint_scan_on_names() -> None:
    text = "Dr. José Müller met Ørjan Ødegaard, Tan Wei Ming and Ana de la Cruz; Dear, Jane. ÉLODIE Ng?"
    assert _spans(names._hints(text, latin1_bytes(text))) == _spans(names._HINT.finditer(text))
    assert names._hints("Łukasz Kowalski", latin1_bytes("Łukasz Kowalski")) is not None  # beyond Latin-1: the plain scan
    assert _spans(names._hints("Łukasz Kowalski", latin1_bytes("Łukasz Kowalski"))) == _spans(names._HINT.finditer("Łukasz Kowalski"))


def test_flat_possessive_hint_pattern_matches_the_nested_form() -> None:
    # The shaped pattern as first written: comma greedy, particles in a nested alternation.
    nested = re.compile(
        rb"U[a-z.]++(,?)[ \t]++(?:U|(?:"
        + "|".join(
            f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in sorted(names._PARTICLE_BY_LETTER.items())
        ).encode("ascii")
        + rb")[ \t])"
    )
    pieces = [b"U", b"Ua", b"ab", b"x", b".", b",", b" ", b"\t", b"/", b"1", *(p.encode() + b" " for p in names._PARTICLES)]
    pieces += [p.encode() for p in names._PARTICLES]
    rnd = random.Random(11)
    for _ in range(20_000):
        shaped = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 16)))
        assert _spans(names._HINT_SHAPED.finditer(shaped)) == _spans(nested.finditer(shaped)), shaped


def _cued_plain(recognizer: names.NameRecognizer, text: str) -> list:
    """``_cued`` without the word-set and character gates: every phrase and sign-off end searched for."""
    saved = names._PHRASE_WORDS, names._END_CHAR, names._FIRST_WORD
    names._PHRASE_WORDS = {p: frozenset() for p in saved[0]}
    names._END_CHAR, names._FIRST_WORD = {}, {}
    try:
        return list(recognizer._cued(text, TextIndex(text)))
    finally:
        names._PHRASE_WORDS, names._END_CHAR, names._FIRST_WORD = saved


def test_cue_gates_change_nothing() -> None:
    pieces = [
        *names._INTROS, *names._LOWER_SALUTATIONS, *names._SIGN_OFF_ENDS, *names._SIGN_OFFS, "Jane ", "Smith", "jane ",
        "smith", "\n", " ", ",", "!", "\r", "x", "ß", "ü", "'", "’", "army ", "MY NAME IS ", "Name: ", "Best,\n", "a",
    ]
    rnd = random.Random(5)
    recognizer = names.NameRecognizer()
    for _ in range(5_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        assert list(recognizer._cued(text, TextIndex(text))) == _cued_plain(recognizer, text), text
