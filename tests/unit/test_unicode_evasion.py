"""PII disguised with Unicode (zero-width characters, full-width or other-script digits, look-alike letters) is
still found, and redaction leaves none of its characters behind.

``HYPOTHESIS_PROFILE=verify`` runs more examples (``make verify``).
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloakr.pii import PIIEngine

settings.register_profile("default", max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("verify", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# (type, value, sentence around it): values valid for their checksums.
SAMPLES = [
    ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111", "Charge card {} today."),
    ("EMAIL", "jane.doe@example.com", "Write to {} please."),
    ("US_SOCIAL_SECURITY_NUMBER", "536-22-1234", "My SSN is {} for the form."),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE89 3704 0044 0532 0130 00", "Pay to IBAN {} by Friday."),
    ("PHONE", "+49 30 901820", "Call me on {} tomorrow."),
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
             # direction marks and embeddings, invisible operators, grapheme joiner, variation selectors
             "\u200e", "\u200f", "\u202a", "\u202e", "\u2062", "\u2066", "\u034f", "\ufe0f", "\u180e"]
# Spaces other than U+0020: no-break, narrow no-break, figure, thin, ideographic.
SPACES = ["\u00a0", "\u202f", "\u2007", "\u2009", "\u3000"]
# Decimal digits of other scripts: full-width, Arabic-Indic, Devanagari, Bengali.
DIGIT_ZEROS = [0xFF10, 0x0660, 0x0966, 0x09E6]
LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"}


@pytest.fixture(scope="module")
def engine():
    return PIIEngine()


@st.composite
def disguised(draw):
    kind, value, sentence = draw(st.sampled_from(SAMPLES))
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    swap_digits = draw(st.booleans())
    chars = []
    for ch in value:
        if swap_digits and ch.isdigit():
            ch = chr(zero + int(ch))
        elif ch in LOOKALIKES and draw(st.booleans()):
            ch = LOOKALIKES[ch]
        elif ch == " " and draw(st.booleans()):
            ch = draw(st.sampled_from(SPACES))
        chars.append(ch)
        if draw(st.integers(0, 4)) == 0:
            chars.append(draw(st.sampled_from(INVISIBLE)))
    return kind, value, sentence.format("".join(chars))


@given(case=disguised())
def test_disguised_pii_is_found_and_fully_redacted(engine, case):
    kind, value, text = case
    result = engine.redact(text)
    assert kind in {f.type for f in result.findings}, text
    # No run of the value's digits or letters survives, in any script.
    leftover = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in result.text)
    core = [part for part in value.replace("@", " ").replace(".", " ").replace("-", " ").replace("+", " ").split() if len(part) >= 4]
    for part in core:
        assert part not in leftover, (text, result.text)


@pytest.mark.parametrize("separator", [*INVISIBLE, *SPACES])
def test_every_invisible_or_space_character_inside_a_card_is_seen_through(engine, separator):
    text = f"card 4111{separator}1111{separator}1111{separator}1111 today"
    findings = engine.detect(text)
    assert [(f.type, text[f.start:f.end]) for f in findings] == [("CREDIT_DEBIT_CARD_NUMBER", text[5:-6])]
