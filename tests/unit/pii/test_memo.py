"""A conversation's texts are detected once per engine, however many turns resend them (``PIIEngine.detect``'s
``scope``), with the same findings as a fresh detection, kept per scope, bounded, and never after a failure."""

from __future__ import annotations

import pytest

from cloakr.pii import PIIEngine
from cloakr.pii import engine as engine_module
from cloakr.pii.engine import DetectionError
from cloakr.pii.model import Finding

TEXT = "Mail jane.doe@example.com or call +44 20 7946 0958 about card 4111 1111 1111 1111."


class Counting:
    """A recognizer that counts the texts it is asked about (and can be told to fail)."""

    name = "counting"
    entity_types = frozenset({"EMAIL"})

    def __init__(self):
        self.texts: list[str] = []
        self.fail = False

    def find(self, text, cues=None):
        self.texts.append(text)
        if self.fail:
            raise RuntimeError("recognizer down")
        return [Finding("EMAIL", 0, 4, 0.9, False, self.name)]


@pytest.fixture
def engine():
    engine = PIIEngine()
    engine._recognizers.append(Counting())
    return engine


def counting(engine) -> Counting:
    return engine._recognizers[-1]


def test_a_scope_gets_the_findings_of_a_fresh_detection_once(engine):
    fresh = engine.detect(TEXT)
    assert engine.detect(TEXT, scope="c1") == fresh and engine.detect(TEXT, scope="c1") == fresh
    assert counting(engine).texts == [TEXT, TEXT]  # the unscoped call, then the scope's first
    engine.detect(TEXT, scope="c2")  # another conversation learns nothing from the first
    engine.detect(TEXT + " ", scope="c1")  # nor does another text
    assert len(counting(engine).texts) == 4
    assert engine.redact(TEXT, mode="replace", scope="c1").text == engine.redact(TEXT, mode="replace").text
    assert len(counting(engine).texts) == 5  # the unscoped redact only


def test_callers_cannot_change_what_the_memo_holds(engine):
    first = engine.detect(TEXT, scope="c1")
    first.clear()
    assert engine.detect(TEXT, scope="c1") == engine.detect(TEXT)


def test_a_failed_detection_is_not_kept(engine):
    counting(engine).fail = True
    with pytest.raises(DetectionError):
        engine.detect(TEXT, scope="c1")
    counting(engine).fail = False
    assert engine.detect(TEXT, scope="c1") == engine.detect(TEXT)
    assert len(counting(engine).texts) == 3


def test_the_memo_is_bounded_for_all_engines_and_keeps_no_text(engine, monkeypatch):
    monkeypatch.setattr(engine_module, "MEMO_ENTRIES", 3)
    monkeypatch.setattr(engine_module, "_MEMO", {})
    for i in range(10):
        engine.detect(f"{TEXT} {i}", scope="c1")
    PIIEngine(entities=["EMAIL"]).detect(TEXT, scope="c1")  # another engine's entries count against the same bound
    assert len(engine_module._MEMO) == 3
    assert all(TEXT not in repr(key) and isinstance(key[2], bytes) for key in engine_module._MEMO)
    engine.detect(f"{TEXT} 9", scope="c1")  # among the newest: kept
    assert len(counting(engine).texts) == 10


def test_engines_never_share_findings(engine):
    narrow = PIIEngine(entities=["EMAIL"])
    assert {f.type for f in narrow.detect(TEXT, scope="c1")} == {"EMAIL"}
    assert {f.type for f in engine.detect(TEXT, scope="c1")} > {"EMAIL", "PHONE"}
    with pytest.raises(TypeError):
        engine.detect(5, scope="c1")  # type: ignore[arg-type]


def test_threads_sharing_the_memo_get_fresh_findings_and_keep_it_bounded(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(engine_module, "MEMO_ENTRIES", 50)
    monkeypatch.setattr(engine_module, "_MEMO", {})
    engine = PIIEngine()
    texts = [f"{TEXT} {i}" for i in range(40)]
    expected = {text: engine.detect(text) for text in texts}

    def work(n):
        text = texts[n % len(texts)]
        return text, engine.detect(text, scope=f"c{n % 7}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(2000)))
    assert all(found == expected[text] for text, found in results)
    assert len(engine_module._MEMO) <= 50 + 8  # a thread may add one entry past an eviction it lost
    engine.detect("one more", scope="c0")  # and the next insertion brings it back within the bound
    assert len(engine_module._MEMO) <= 50
