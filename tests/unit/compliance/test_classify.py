"""Classification levels from real engine findings, the controls they carry, and that no value leaves."""

from __future__ import annotations

import json

import pytest
from cloakr.compliance.classify import CONTROLS, LEVELS, classify
from cloakr.gateway.app import resolve
from cloakr.pii import PIIEngine
from cloakr.sdk.models import Classification

ENGINE = PIIEngine(region="us-east-1")


def _classify(text: str):
    return classify(text, ENGINE.redact(text).counts)


@pytest.mark.parametrize("text,level", [
    ("Card 4111 1111 1111 1111 exp 12/27 cvv 123", "PCI"),
    ("Patient Jane Doe, MRN: 00123456, was diagnosed with diabetes.", "PHI"),
    ("NPI 1245319599 ordered the test", "PHI"),
    ("DEA number AB1234563", "PHI"),
    ("Medicare MBI 1EG4-TE5-MK73", "PHI"),
    ("email jane.doe@example.com, she has asthma", "PHI"),  # personal identifier + medical context
    ("Jane Doe, born 1980-04-12, was prescribed insulin", "PHI"),
    ("DOB: 04/12/1980", "PII"),  # a birth date without medical context is personal, not health, data
    ("Write to jane.doe@example.com about the meeting", "PII"),
    ("Confidential: write to jane.doe@example.com", "PII"),
    ("key AKIAIOSFODNN7EXAMPLE for the deploy", "CONFIDENTIAL"),
    ("INTERNAL ONLY: Q3 roadmap draft", "INTERNAL"),
    ("Company confidential - do not distribute", "INTERNAL"),
    ("The hospital opens a new wing next year.", "PUBLIC"),  # medical words alone identify no one
    ("The weather is nice today.", "PUBLIC"),
])
def test_levels(text, level):
    assert _classify(text).level == level


def test_highest_level_wins_and_controls_cover_every_level_present():
    result = _classify("Card 4111 1111 1111 1111, mail jane.doe@example.com, key AKIAIOSFODNN7EXAMPLE. Internal only.")
    assert result.level == "PCI"
    assert result.entity_counts == {"AWS_ACCESS_KEY": 1, "CREDIT_DEBIT_CARD_NUMBER": 1, "EMAIL": 1}
    assert result.controls == [*CONTROLS["PCI"], *CONTROLS["PII"], *CONTROLS["CONFIDENTIAL"], *CONTROLS["INTERNAL"]]
    assert any("PCI DSS 3.4" in c for c in result.controls)


def test_phi_controls_name_minimum_necessary_audit_and_no_mask():
    controls = " ".join(_classify("Patient MRN: 00123456").controls)
    assert "minimum necessary" in controls and "Audit every access to PHI" in controls and "do not use mask" in controls


def test_custom_tenant_types_are_confidential_and_public_has_no_controls():
    assert classify("EMP-123456", {"EMPLOYEE_ID": 1}).level == "CONFIDENTIAL"
    public = classify("hello", {})
    assert (public.level, public.controls, public.entity_counts) == ("PUBLIC", [], {})


def test_the_result_holds_types_and_counts_never_values():
    text = "Patient Jane Doe, MRN: 00123456, card 4111 1111 1111 1111"
    body = str(_classify(text).to_dict())
    for value in ("Jane", "00123456", "4111"):
        assert value not in body
    assert set(_classify(text).to_dict()) == {"level", "entity_counts", "controls"}
    assert LEVELS[-1] == "PCI" and LEVELS[0] == "PUBLIC"


def _classify_route(services, body, **kwargs):
    response = resolve(services.event("POST", "/v1/classify", body, **kwargs), None)
    return response["statusCode"], json.loads(response["body"])


def test_route_answers_the_sdk_model_and_audits_types_only(services):
    status, body = _classify_route(services, {"text": "Patient Jane Doe, MRN: 00123456, card 4111 1111 1111 1111"})
    assert status == 200 and set(body) == {"level", "entity_counts", "controls"}
    parsed = Classification.model_validate(body)
    assert parsed.level == "PCI" and parsed.entity_counts["MEDICAL_RECORD_NUMBER"] == 1
    records = [json.loads(i["record"]) for i in services.table("audit").scan()["Items"]]
    record = next(r for r in records if r["action"] == "classify")
    assert record["category"] == "data_access" and "MEDICAL_RECORD_NUMBER" in record["pii_redaction"]["detected"]
    assert "level:PCI" in record["compliance_flags"]
    assert not any(v in json.dumps(records) for v in ("Jane", "00123456", "4111"))


def test_route_narrows_entities_and_refuses_unknown_ones(services):
    status, body = _classify_route(services, {"text": "mail jane.doe@example.com", "entities": ["PHONE"]})
    assert status == 200 and body["level"] == "PUBLIC"
    status, body = _classify_route(services, {"text": "x", "entities": ["NOT_A_TYPE"]})
    # Named by position with the allowed types, never echoed: the caller's text may be anything.
    assert status == 400 and "NOT_A_TYPE" not in body["error"]["message"] and "position" in body["error"]["message"]
    assert _classify_route(services, {"text": 5})[0] == 400
