"""Every destructive command (revoke, erase, unschedule, destroy-key) asks through one ``confirm``."""

from __future__ import annotations

import argparse

import pytest
from cloakr.cli.main import CliError
from cloakr.cli.output import confirm


def test_yes_skips_the_question(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda _: pytest.fail("asked although --yes"))
    assert confirm(argparse.Namespace(yes=True), "Delete?", "deleting is final")


def test_without_a_terminal_it_refuses_and_says_how(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CliError, match="deleting is final; pass --yes to confirm"):
        confirm(argparse.Namespace(yes=False), "Delete?", "deleting is final")


@pytest.mark.parametrize(("typed", "expected"), [("y", True), (" Y ", True), ("", False), ("yes please", False), ("n", False)])
def test_at_a_terminal_only_y_goes_on(monkeypatch, typed, expected):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or typed)
    assert confirm(argparse.Namespace(yes=False), "Delete schedule s1?", "deleting is final") is expected
    assert asked == ["Delete schedule s1? [y/N] "]
