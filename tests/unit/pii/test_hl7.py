"""Hl7Recognizer: HL7 v2 segments read by field position, one finding per repetition, the message's separators."""

import pytest

from cloakr.pii import PIIEngine
from cloakr.pii.recognizers.hl7 import Hl7Recognizer

ADT = (
    "MSH|^~\\&|EPIC|HOSP|LAB|HOSP|202405011200||ADT^A01|MSG00001|P|2.5\r"
    "PID|1||12345678^^^HOSP^MR~A998877^^^CLINIC^PI||DOE^JANE^A||19800101|F|||123 MAIN ST^^SPRINGFIELD^IL^62704||"
    "(217)555-0134|||S||ACCT991|536-22-1234|D1234567^IL\r"
    "NK1|1|DOE^JOHN|SPO|123 MAIN ST^^SPRINGFIELD^IL^62704|(217)555-0199\r"
    "PV1|1|I|W^389^1^UABH^^^^3||||12345^MORGAN^REX^J^^^MD\r"
)


def found(text):
    return [(f.type, text[f.start:f.end]) for f in Hl7Recognizer().find(text)]


def test_patient_and_next_of_kin_fields_by_position():
    assert found(ADT) == [
        ("MEDICAL_RECORD_NUMBER", "12345678^^^HOSP^MR"),
        ("MEDICAL_RECORD_NUMBER", "A998877^^^CLINIC^PI"),  # each repetition on its own
        ("NAME", "DOE^JANE^A"),
        ("DATE_OF_BIRTH", "19800101"),
        ("ADDRESS", "123 MAIN ST^^SPRINGFIELD^IL^62704"),
        ("PHONE", "(217)555-0134"),
        ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234"),
        ("DRIVER_ID", "D1234567^IL"),
        ("NAME", "DOE^JOHN"),
        ("ADDRESS", "123 MAIN ST^^SPRINGFIELD^IL^62704"),
        ("PHONE", "(217)555-0199"),
    ]


def test_the_engine_redacts_the_fields_and_keeps_the_message_shape():
    result = PIIEngine().redact(ADT)
    pid = result.text.split("\r")[1]
    assert pid.startswith("PID|1||[MEDICAL_RECORD_NUMBER]~[MEDICAL_RECORD_NUMBER]||[NAME]||[DATE_OF_BIRTH]|F|||[ADDRESS]||")
    assert "DOE" not in result.text and "19800101" not in result.text and "536-22-1234" not in result.text


def segment(name, fields):
    """An HL7 segment with ``fields`` (number -> value) at their places and the others empty."""
    return "|".join([name, *(fields.get(i, "") for i in range(1, max(fields) + 1))])


def test_guarantor_and_insurance_segments_and_line_feeds():
    gt1 = {3: "ROE^RICHARD", 5: "456 OAK AVE^^PEORIA^IL^61602", 6: "(309)555-0101", 8: "19650304", 12: "078-05-1120"}
    in1 = {2: "PLAN01", 16: "ROE^RICHARD", 18: "19650304", 19: "456 OAK AVE^^PEORIA^IL^61602", 36: "POL-7781"}
    text = segment("GT1", gt1) + "\n" + segment("IN1", in1)
    assert found(text) == [
        ("NAME", "ROE^RICHARD"), ("ADDRESS", "456 OAK AVE^^PEORIA^IL^61602"), ("PHONE", "(309)555-0101"),
        ("DATE_OF_BIRTH", "19650304"), ("US_SOCIAL_SECURITY_NUMBER", "078-05-1120"),
        ("NAME", "ROE^RICHARD"), ("DATE_OF_BIRTH", "19650304"), ("ADDRESS", "456 OAK AVE^^PEORIA^IL^61602"),
        ("MEDICAL_RECORD_NUMBER", "POL-7781"),
    ]


def test_the_message_header_sets_the_component_separator():
    text = "MSH|$~\\&|APP\rPID|1||555000$$$H$MR||ROE$ANN||19900101"
    assert found(text) == [("MEDICAL_RECORD_NUMBER", "555000$$$H$MR"), ("NAME", "ROE$ANN"), ("DATE_OF_BIRTH", "19900101")]


@pytest.mark.parametrize("text", [
    "a | b | PID| not at a line start",
    "PIDGIN|x|y",
    "| Name | PID |\n|---|---|\n| x | 1 |",  # a Markdown table that mentions PID
    "PID|1||||||",  # empty fields
    "no pipes at all",
])
def test_other_text_gives_nothing(text):
    assert found(text) == []


def test_every_segment_of_a_long_message_with_line_feeds_is_read():
    text = "\n".join(f"PID|{i}||{100000 + i}^^^H^MR||ROE^ANN||19900101" for i in range(2000))
    assert sum(1 for t, _ in found(text) if t == "NAME") == 2000
