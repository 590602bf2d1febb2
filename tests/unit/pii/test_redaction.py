"""Redaction modes, TokenMap stability and restore, tenant rules, fail-closed behaviour and Comprehend."""


import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from cloakr.pii import DetectionError, PIIEngine, TokenMap
from cloakr.pii.engine import resolve_overlaps
from cloakr.pii.model import Finding
from cloakr.pii.rules import MAX_RULES, RuleError, compile_rules

TEXT = "Jane's card 4111 1111 1111 1111, mail jane@corp.example"


@pytest.fixture(scope="module")
def engine():
    return PIIEngine(hash_key=b"tenant-key")


def test_replace(engine):
    assert engine.redact(TEXT).text == "Jane's card [CREDIT_DEBIT_CARD_NUMBER], mail [EMAIL]"


def test_mask_keeps_last_four_of_cards(engine):
    out = engine.redact(TEXT, mode="mask").text
    assert "**** **** **** 1111" in out and "jane@" not in out
    assert "*" * 4 + " " + "*" * 4 in engine.redact(TEXT, mode="mask", mask_keep=0).text


def test_hash_is_keyed_and_stable(engine):
    a = engine.redact(TEXT, mode="hash").text
    assert a == engine.redact(TEXT, mode="hash").text
    assert a != PIIEngine(hash_key=b"other-tenant").redact(TEXT, mode="hash").text
    with pytest.raises(ValueError, match="hash_key"):
        PIIEngine().redact(TEXT, mode="hash")


def test_remove(engine):
    assert engine.redact("mail jane@corp.example now", mode="remove").text == "mail now"


def test_counts(engine):
    assert engine.redact(TEXT).counts == {"CREDIT_DEBIT_CARD_NUMBER": 1, "EMAIL": 1}


def test_tokenize_is_stable_across_messages(engine):
    tokens = TokenMap()
    first = engine.redact("write to JANE@corp.example", mode="tokenize", token_map=tokens).text
    second = engine.redact("cc jane@corp.example and bob@corp.example", mode="tokenize", token_map=tokens).text
    assert first == "write to [EMAIL_1]"
    assert second == "cc [EMAIL_1] and [EMAIL_2]"


def test_placeholders_never_collide_with_input(engine):
    text = "literal [EMAIL_1] and EMAIL_2 then jane@corp.example"
    out = engine.redact(text, mode="tokenize").text
    assert out == "literal [EMAIL_1] and EMAIL_2 then [EMAIL_3]"


@pytest.mark.parametrize("form", ["[EMAIL_1]", "[email_1]", "EMAIL_1", "[EMAIL 1]", "<EMAIL_1>", "**[EMAIL_1]**", "EMAIL-1"])
def test_restore_tolerates_reformatted_placeholders(engine, form):
    tokens = TokenMap()
    engine.redact("jane@corp.example", mode="tokenize", token_map=tokens)
    assert "jane@corp.example" in tokens.restore(f"Reply to {form}.")


def test_restore_leaves_unissued_lookalikes(engine):
    tokens = TokenMap()
    engine.redact("jane@corp.example", mode="tokenize", token_map=tokens)
    assert tokens.restore("[EMAIL_2] and [NAME_1]") == "[EMAIL_2] and [NAME_1]"


def test_token_map_round_trips(engine):
    tokens = TokenMap()
    engine.redact(TEXT, mode="tokenize", token_map=tokens)
    again = TokenMap.from_dict(tokens.to_dict())
    assert again.restore("[EMAIL_1]") == "jane@corp.example"
    assert engine.redact("jane@corp.example", mode="tokenize", token_map=again).text == "[EMAIL_1]"


def test_overlaps_prefer_validated_then_longer():
    a = Finding("US_BANK_ACCOUNT_NUMBER", 0, 16, 0.8)
    b = Finding("CREDIT_DEBIT_CARD_NUMBER", 0, 16, 0.7, validated=True)
    c = Finding("PHONE", 2, 8, 0.9)
    assert resolve_overlaps([a, b, c]) == [b]
    assert resolve_overlaps([Finding("X", 0, 5, 0.5), Finding("Y", 0, 9, 0.5)]) == [Finding("Y", 0, 9, 0.5)]


def test_an_overlapped_finding_never_leaves_its_rest_in_clear(engine):
    # A better finding at the head of a longer one: the rest is kept, as its own type.
    assert engine.redact("Ship to John Smith, 42 Baker Street, London NW1 6XE").text == "Ship to [NAME], [ADDRESS]"
    # A finding strictly inside another gives way to the one around it.
    inner, outer = Finding("PHONE", 5, 16, 0.95, validated=True), Finding("EMAIL", 0, 28, 0.9)
    assert resolve_overlaps([inner, outer]) == [outer]
    # Partial overlap on either side: the loser's uncovered stretch survives, trimmed to its letters and digits.
    text = "aaaa bbbb, cccc"
    kept = resolve_overlaps([Finding("X", 0, 9, 0.9), Finding("Y", 5, 15, 0.5)], text)
    assert [(f.type, text[f.start:f.end]) for f in kept] == [("X", "aaaa bbbb"), ("Y", "cccc")]
    assert resolve_overlaps([Finding("X", 0, 9, 0.9), Finding("Y", 5, 10, 0.5)], text) == [Finding("X", 0, 9, 0.9)]


FINDINGS = st.lists(
    st.builds(lambda kind, start, length, score, validated: Finding(kind, start, start + length, score, validated),
              st.sampled_from(["A", "B", "C"]), st.integers(0, 40), st.integers(0, 12),
              st.sampled_from([0.5, 0.7, 0.9]), st.booleans()),
    max_size=14,
)


@settings(max_examples=500, deadline=None)
@given(findings=FINDINGS, text=st.text(st.sampled_from("ab ,-"), min_size=60, max_size=60) | st.none())
def test_overlaps_resolved_group_by_group_as_all_at_once(findings, text):
    """Each group of findings chained by overlaps is resolved on its own; the result is that of resolving all the
    findings together (the definition, ``_resolve_group`` over the whole list). Empty findings are dropped."""
    from cloakr.pii.engine import _resolve_group

    def fields(resolved):
        return [(f.type, f.start, f.end, f.score, f.validated) for f in resolved]

    assert fields(resolve_overlaps(findings, text)) == fields(_resolve_group([f for f in findings if f.end > f.start], text))


def test_custom_pattern_rule():
    engine = PIIEngine(rules=[{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": r"EMP-\d{6}", "replacement": "[EMPLOYEE]"}])
    assert engine.redact("ticket from EMP-123456").text == "ticket from [EMPLOYEE]"


def test_email_and_phone_rules_limit_what_is_redacted():
    engine = PIIEngine(rules=[{"type": "email", "domains": ["corp.example"]}, {"type": "phone", "country_codes": ["+44"]}])
    out = engine.redact("a@corp.example b@gmail.com +44 20 7946 0958 +1 415-555-0132").text
    assert out == "[EMAIL] b@gmail.com [PHONE] +1 415-555-0132"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"type": "custom_pattern", "name": "X_ID", "pattern": r"(a)\1"}, "backreferences"),
        ({"type": "custom_pattern", "name": "X_ID", "pattern": r"(?=a)b"}, "lookaround"),
        ({"type": "custom_pattern", "name": "X_ID", "pattern": r"a*"}, "empty string"),
        ({"type": "custom_pattern", "name": "X_ID", "pattern": "a" * 501}, "longer"),
        ({"type": "custom_pattern", "name": "lower", "pattern": "a"}, "UPPER_SNAKE_CASE"),
        ({"type": "email", "domains": []}, "domains"),
        ({"type": "phone", "country_codes": ["plus one"]}, "country_codes"),
        ({"type": "nope"}, "unknown type"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(RuleError, match=message) as info:
        compile_rules([rule])
    assert "rules[0]" in str(info.value)


def test_rule_count_is_capped():
    rule = {"type": "custom_pattern", "name": "X_ID", "pattern": "x"}
    with pytest.raises(RuleError, match=str(MAX_RULES)):
        compile_rules([rule] * (MAX_RULES + 1))


def test_catastrophic_pattern_runs_in_linear_time_engine():
    engine = PIIEngine(rules=[{"type": "custom_pattern", "name": "EVIL", "pattern": "(a+)+$"}])
    # Under backtracking this input takes longer than the age of the universe; RE2 answers at once.
    assert engine.detect("a" * 50_000 + "!") == []


def test_recognizer_failure_fails_closed_without_the_text(monkeypatch):
    engine = PIIEngine()

    class Broken:
        name = "broken"
        entity_types = frozenset({"EMAIL"})

        def find(self, text):
            raise RuntimeError(text)

    engine._recognizers.append(Broken())
    with pytest.raises(DetectionError) as info:
        engine.redact("secret jane@corp.example")
    assert "jane" not in str(info.value)


def test_comprehend_backend_merges_and_fails_closed():
    client = boto3.client("comprehend", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    text = "Kontakt: Zyx Qwertz"
    with Stubber(client) as stub:
        stub.add_response(
            "detect_pii_entities",
            {"Entities": [{"Type": "NAME", "Score": 0.99, "BeginOffset": 9, "EndOffset": 19}]},
            {"Text": text, "LanguageCode": "en"},
        )
        findings = PIIEngine(comprehend_client=client).detect(text)
    assert [(f.type, text[f.start:f.end]) for f in findings] == [("NAME", "Zyx Qwertz")]
    with Stubber(client) as stub:
        stub.add_client_error("detect_pii_entities", "ThrottlingException")
        with pytest.raises(DetectionError):
            PIIEngine(comprehend_client=client).detect(text)


_VALUES = st.sampled_from(["jane@corp.example", "4111 1111 1111 1111", "536-22-1234", "+44 20 7946 0958", "S1234567D"])
_FILLER = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Zs")), max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_FILLER, _VALUES), min_size=1, max_size=5))
def test_redacted_text_never_contains_a_detected_value_and_tokenize_restores(parts):
    engine = _shared_engine()
    text = " ".join(f"{filler} {value}" for filler, value in parts)
    findings = engine.detect(text)
    replaced = engine.redact(text).text
    for f in findings:
        assert text[f.start:f.end] not in replaced
    result = engine.redact(text, mode="tokenize")
    assert result.token_map.restore(result.text) == text


_ENGINE: list[PIIEngine] = []


def _shared_engine() -> PIIEngine:
    if not _ENGINE:
        _ENGINE.append(PIIEngine())
    return _ENGINE[0]


@pytest.mark.parametrize("written", ["corp.example", ".corp.example", "@Corp.Example", " corp.example. "])
def test_email_domain_rules_are_normalised(written):
    engine = PIIEngine(rules=[{"type": "email", "domains": [written]}])
    assert engine.redact("jane.doe@corp.example and bob@other.example").text == "[EMAIL] and bob@other.example"


@pytest.mark.parametrize("domains", [["."], [""], ["not a domain"], ["corp..example"], [5]])
def test_email_domain_rules_that_name_no_domain_are_refused(domains):
    with pytest.raises(RuleError):
        compile_rules([{"type": "email", "domains": domains}])


def test_custom_patterns_are_capped_by_compiled_size():
    from cloakr.pii.rules import MAX_PROGRAM_SIZE, MAX_TOTAL_PROGRAM_SIZE

    with pytest.raises(RuleError, match="too complex"):
        compile_rules([{"type": "custom_pattern", "name": "BIG", "pattern": "[a-z0-9]{1,1000}X"}])
    medium = {"type": "custom_pattern", "name": "MEDIUM", "pattern": "[a-z0-9]{1,300}X"}  # ~900 instructions
    assert compile_rules([medium]).patterns[0].regex.programsize <= MAX_PROGRAM_SIZE
    with pytest.raises(RuleError, match="together"):
        compile_rules([medium] * (MAX_TOTAL_PROGRAM_SIZE // 900 + 1))
