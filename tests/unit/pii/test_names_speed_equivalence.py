"""The names recognizer's shaped-byte hint scan must find exactly what the class-led ``_HINT`` regex finds."""

from __future__ import annotations

import random

from cloakr.pii.recognizers import names


def _spans(matches) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    return [(m.span(), m.span(1)) for m in matches]


def test_shaped_hint_scan_matches_the_regex() -> None:
    pieces = [chr(c) for c in range(256)] + ["van ", "de ", "s/o ", "Ab ", "Cd, ", " ", "\t", "bin ", "della ", "Ōno ", "ā"]
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 24)))
        assert _spans(names._hints(text)) == _spans(names._HINT.finditer(text)), text


def test_shaped_hint_scan_on_names() -> None:
    text = "Dr. José Müller met Ørjan Ødegaard, Tan Wei Ming and Ana de la Cruz; Dear, Jane. ÉLODIE Ng?"
    assert _spans(names._hints(text)) == _spans(names._HINT.finditer(text))
    assert names._hints("Łukasz Kowalski") is not None  # beyond Latin-1: the plain scan
    assert _spans(names._hints("Łukasz Kowalski")) == _spans(names._HINT.finditer("Łukasz Kowalski"))
