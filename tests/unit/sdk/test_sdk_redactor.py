"""The in-process Redactor with the seed's rule format: stable placeholders across messages, restore, one-way modes."""

from __future__ import annotations

import re

import pytest
from cloakr.sdk.redactor import Redactor

RULES = [{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}"},
         {"type": "email", "domains": ["corp.example"]}]


def test_custom_rule_and_email_domain_are_redacted_and_restored() -> None:
    redactor = Redactor(rules=RULES)
    text = "EMP-123456 wrote from ana@corp.example"
    safe = redactor.redact(text)
    assert "EMP-123456" not in safe and "ana@corp.example" not in safe
    assert redactor.restore(safe) == text


def test_same_value_keeps_its_placeholder_across_messages() -> None:
    redactor = Redactor(rules=RULES)
    first, second = redactor.redact_messages([{"role": "user", "content": "ana@corp.example asked"},
                                              {"role": "assistant", "content": "reply to ana@corp.example"}])
    placeholder = re.search(r"\[EMAIL_\d+\]", first["content"]).group()
    assert placeholder in second["content"] and second["role"] == "assistant"


def test_one_way_modes_refuse_restore() -> None:
    redactor = Redactor(mode="replace")
    assert "ana@corp.example" not in redactor.redact("mail ana@corp.example")
    with pytest.raises(ValueError, match="one-way"):
        redactor.restore("anything")


def test_bad_rule_fails_at_construction() -> None:
    with pytest.raises(ValueError):
        Redactor(rules=[{"type": "custom_pattern", "name": "BAD", "pattern": "("}])


def test_a_history_resent_every_turn_is_scanned_once(monkeypatch) -> None:
    from cloakr.pii.engine import PIIEngine

    scanned: list[str] = []
    original = PIIEngine._detect
    monkeypatch.setattr(PIIEngine, "_detect", lambda self, text: scanned.append(text) or original(self, text))
    redactor = Redactor(rules=RULES)
    history = [{"role": "user", "content": "ana@corp.example asked"}]
    first = redactor.redact_messages(history)
    history += [{"role": "assistant", "content": "noted"}, {"role": "user", "content": "and EMP-123456?"}]
    second = redactor.redact_messages(history)
    assert scanned == ["ana@corp.example asked", "noted", "and EMP-123456?"]
    assert second[0] == first[0] and "EMP-123456" not in second[2]["content"]
    # another Redactor (another conversation) scans afresh
    Redactor(rules=RULES).redact("ana@corp.example asked")
    assert scanned[-1] == "ana@corp.example asked" and len(scanned) == 4
