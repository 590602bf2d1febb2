"""Handlers freeze the heap once, after their first call, whatever that call does."""

from __future__ import annotations

import gc

import pytest
from cloakr.heap import freeze_after_first_call


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_heap_is_frozen_after_the_first_call_only():
    calls = []

    @freeze_after_first_call
    def handler(event):
        calls.append(gc.get_freeze_count())
        return {"ok": event}

    assert handler(1) == {"ok": 1}
    frozen = gc.get_freeze_count()
    assert calls == [0] and frozen > 0
    gc.unfreeze()
    assert handler(2) == {"ok": 2}
    assert gc.get_freeze_count() == 0  # not again: later requests' objects stay collectable
    assert handler.__name__ == "handler"


def test_a_first_call_that_raises_still_freezes():
    @freeze_after_first_call
    def handler():
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        handler()
    assert gc.get_freeze_count() > 0


def test_every_lambda_handler_freezes_after_its_first_call():
    from pathlib import Path

    handlers = sorted((Path(__file__).resolve().parents[2] / "lambdas").glob("*/handler.py"))
    assert handlers
    for path in handlers:
        assert "@freeze_after_first_call\ndef handler(" in path.read_text(), path
