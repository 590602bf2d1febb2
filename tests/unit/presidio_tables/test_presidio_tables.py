"""Presidio's own recognizer test tables, run against Cloakr as an outside check.

Rows are taken from microsoft/presidio, ``presidio-analyzer/tests/test_{credit_card,us_ssn,uk_nhs,
us_driver_license,us_bank}_recognizer.py`` (MIT License, Copyright (c) Microsoft Corporation). Presidio's types
are mapped to Cloakr's vocabulary. Where Cloakr deliberately behaves differently, the row is listed under
DEVIATIONS with the reason, and the test asserts Cloakr's documented behaviour instead: nothing is skipped.
"""

from __future__ import annotations

import pytest

from cloakr.pii import PIIEngine

CARD, SSN, NHS, DL, BANK = (
    "CREDIT_DEBIT_CARD_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "DRIVER_ID",
    "US_BANK_ACCOUNT_NUMBER",
)

# (text, type, expected spans) where Presidio and Cloakr agree.
AGREED: list[tuple[str, str, list[tuple[int, int]]]] = [
    # test_credit_card_recognizer.py
    ("4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881", CARD, [(0, 16), (17, 36), (37, 56)]),
    ("122000000000003", CARD, [(0, 15)]),
    ("my credit card: 122000000000003", CARD, [(16, 31)]),
    ("371449635398431", CARD, [(0, 15)]),
    ("5555555555554444", CARD, [(0, 16)]),
    ("5019717010103742", CARD, [(0, 16)]),
    ("30569309025904", CARD, [(0, 14)]),
    ("6011000400000000", CARD, [(0, 16)]),
    ("3528000700000000", CARD, [(0, 16)]),
    ("6759649826438453", CARD, [(0, 16)]),
    ("4111111111111111", CARD, [(0, 16)]),
    ("4917300800000000", CARD, [(0, 16)]),
    ("4484070000000000", CARD, [(0, 16)]),
    ("4012-8888-8888-1882", CARD, []),
    ("my credit card number is 4012-8888-8888-1882", CARD, []),
    ("36168002586008", CARD, []),
    ("my credit card number is 36168002586008", CARD, []),
    # test_us_ssn_recognizer.py
    ("078-05-1123", SSN, [(0, 11)]),
    ("078.05.1123", SSN, [(0, 11)]),
    ("078 05 1123", SSN, [(0, 11)]),
    ("0780511201", SSN, []),
    ("078051120", SSN, []),
    ("000000000", SSN, []),
    ("666000000", SSN, []),
    ("078-05-0000", SSN, []),
    ("078 00 1123", SSN, []),
    ("693-09.4444", SSN, []),
    # test_uk_nhs_recognizer.py (invalid check digit)
    ("401-023-2138", NHS, []),
    # test_us_driver_license_recognizer.py (rows Presidio expects to find nothing)
    ("3A1B2**9ABA7", DL, []),
    ("C12T345672", DL, []),
    ("ABCDEFG ABCDEFGH ABCDEFGHI", DL, []),
    ("ABCD ABCDEFGHIJ", DL, []),
    # test_us_bank_recognizer.py
    ("1234567", BANK, []),
]

# Rows where Cloakr differs on purpose: (text, type, Presidio's spans, Cloakr's spans, reason).
DEVIATIONS: list[tuple[str, str, list[tuple[int, int]], list[tuple[int, int]], str]] = [
    ("078051121", SSN, [(0, 9)], [], "A bare 9-digit run is an SSN only next to an SSN cue; Presidio reports it at 0.3-0.4."),
    ("401-023-2137", NHS, [(0, 12)], [], "One random 10-digit number in 11 passes mod-11; Cloakr requires an NHS cue nearby."),
    ("221 395 1837", NHS, [(0, 12)], [], "As above: NHS numbers need a cue (phone numbers have the same shape)."),
    ("0032698674", NHS, [(0, 10)], [], "As above."),
    ("AA1B2**9ABA7 A*1234AB*CD9", DL, [(0, 12), (13, 25)], [], "Driver licences need a licence cue: Presidio's weak matches are its known false-positive source."),
    ("H12234567", DL, [(0, 9)], [], "As above."),
    ("123456789 1234567890 12345679012 123456790123 1234567901234", DL, [(0, 9), (10, 20), (21, 32), (33, 45), (46, 59)], [], "Bare digit runs are not PII without a cue (Presidio scores them below 0.02)."),
    ("945456787654", BANK, [(0, 12)], [], "Bank account numbers need an account cue (Presidio scores this 0.05)."),
]
# The same values, given the cue Cloakr asks for, are found with Presidio's spans shifted by the cue's length.
WITH_CUE: list[tuple[str, str, str]] = [
    ("NHS number: ", "401-023-2137", NHS),
    ("NHS no ", "221 395 1837", NHS),
    ("NHS number ", "0032698674", NHS),
    ("driver's license: ", "AA1B2**9ABA7", DL),
    ("driver licence ", "H12234567", DL),
    ("account number ", "945456787654", BANK),
    ("SSN ", "078051121", SSN),
]


@pytest.fixture(scope="module")
def engine() -> PIIEngine:
    return PIIEngine()


def spans(engine: PIIEngine, text: str, entity_type: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in engine.detect(text) if f.type == entity_type]


@pytest.mark.parametrize(("text", "entity_type", "expected"), AGREED)
def test_agreed_rows(engine, text, entity_type, expected):
    assert spans(engine, text, entity_type) == expected


@pytest.mark.parametrize(("text", "entity_type", "presidio", "cloakr", "reason"), DEVIATIONS)
def test_documented_deviations(engine, text, entity_type, presidio, cloakr, reason):
    assert presidio != cloakr and reason
    assert spans(engine, text, entity_type) == cloakr


@pytest.mark.parametrize(("cue", "value", "entity_type"), WITH_CUE)
def test_deviating_values_are_found_with_a_cue(engine, cue, value, entity_type):
    assert spans(engine, cue + value, entity_type) == [(len(cue), len(cue) + len(value))]
