"""Placeholders a conversation hands out never stand for text the user wrote, and only real placeholders (in the
forms a model may reformat them into) are restored."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloakr.gateway.conversation import Conversation
from cloakr.pii import PIIEngine, TokenMap


@pytest.fixture(scope="module")
def engine():
    return PIIEngine()


def test_a_placeholder_never_repeats_text_of_another_message(engine):
    conversation = Conversation(engine)
    request = {"messages": [
        {"role": "user", "content": "What does literally [EMAIL_1] mean in a template?"},
        {"role": "assistant", "content": "It is a placeholder."},
        {"role": "user", "content": "Now email bob@corp.example"},
    ]}
    sent = conversation.redact_request(request)["messages"]
    assert sent[0]["content"] == request["messages"][0]["content"]
    assert sent[2]["content"] == "Now email [EMAIL_2]"
    answer = {"choices": [{"message": {"role": "assistant", "content": "The literal [EMAIL_1] is not [EMAIL_2]."}}]}
    assert conversation.restore_response(answer)["choices"][0]["message"]["content"] == "The literal [EMAIL_1] is not bob@corp.example."


@pytest.mark.parametrize("written", ["{email_1}", "[Email 1]", "(EMAIL-1)", "<email_1>", "EMAIL_1"])
def test_look_alikes_in_the_text_are_reserved_in_every_form_restore_reads(engine, written):
    tokens = TokenMap()
    out = engine.redact(f"Fill {written} with bob@corp.example", mode="tokenize", token_map=tokens).text
    assert out == f"Fill {written} with [EMAIL_2]"
    assert tokens.restore(f"Fill {written} with [EMAIL_2]") == f"Fill {written} with bob@corp.example"


@pytest.mark.parametrize("prose", ["Write two drafts titled Email 1 and Email 2", "I sent the email 1 hour ago",
                                   "name 1: the first", "email-1 is due"])
def test_ordinary_prose_is_not_taken_for_a_placeholder(engine, prose):
    tokens = TokenMap()
    engine.redact("jane.doe@example.com and Jane Doe", mode="tokenize", token_map=tokens)
    assert tokens.restore(prose) == prose


def test_placeholders_of_rules_with_digits_in_their_names_are_restored():
    engine = PIIEngine(rules=[{"type": "custom_pattern", "name": "EMP2_ID", "pattern": r"E\d{5}"},
                              {"type": "custom_pattern", "name": "TICKET_V2", "pattern": r"T-\d{4}"}])
    tokens = TokenMap()
    out = engine.redact("Employee E12345 filed T-0042", mode="tokenize", token_map=tokens).text
    assert out == "Employee [EMP2_ID_1] filed [TICKET_V2_1]"
    assert tokens.restore("Employee [emp2_id_1] filed TICKET_V2_1") == "Employee E12345 filed T-0042"


def test_spaces_inside_brackets_are_part_of_the_placeholder(engine):
    tokens = TokenMap()
    engine.redact("jane.doe@example.com", mode="tokenize", token_map=tokens)
    assert tokens.restore("[ EMAIL_1 ] and (see EMAIL_1") == "jane.doe@example.com and (see jane.doe@example.com"


def test_reserved_look_alikes_survive_the_stored_map(engine):
    tokens = TokenMap()
    engine.redact("literal [EMAIL_1]", mode="tokenize", token_map=tokens)
    again = TokenMap.from_dict(json.loads(json.dumps(tokens.to_dict())))
    assert engine.redact("bob@corp.example", mode="tokenize", token_map=again).text == "[EMAIL_2]"


def test_tool_arguments_keys_and_participant_names_are_tokenized(engine):
    conversation = Conversation(engine)
    arguments = json.dumps({"jane.doe@example.com": "status ok"})
    sent = conversation.redact_request({"messages": [
        {"role": "user", "name": "jane_doe", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                                                                "function": {"name": "lookup", "arguments": arguments}}]},
    ]})["messages"]
    assert sent[0]["name"] == "NAME_1"
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"[EMAIL_1]": "status ok"}
    assert "jane" not in json.dumps(sent)


def test_the_same_value_in_other_script_digits_or_with_invisible_characters_is_one_value(engine):
    tokens = TokenMap()
    texts = ["card 4111 1111 1111 1111", "card \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
             "mail jane.doe@\u200bexample.com", "mail Jane.Doe@example.com"]
    outs = [engine.redact(t, mode="tokenize", token_map=tokens).text for t in texts]
    assert outs == ["card [CREDIT_DEBIT_CARD_NUMBER_1]"] * 2 + ["mail [EMAIL_1]"] * 2
    hashing = PIIEngine(hash_key=b"tenant")
    assert len({hashing.redact(t, mode="hash").text for t in texts[:2]}) == 1
    assert len({hashing.redact(t, mode="hash").text for t in texts[2:]}) == 1


def test_remove_mode_closes_only_the_gap_it_leaves(engine):
    assert engine.redact("def f():\n    return  1\t\tx", mode="remove").text == "def f():\n    return  1\t\tx"
    assert engine.redact("mail jane.doe@example.com now", mode="remove").text == "mail now"


@pytest.mark.parametrize("text, masked", [
    ("card 4111 1111 1111 1111", "card **** **** **** 1111"),
    ("PIN 1234 ok", "PIN **** ok"),
])
def test_mask_never_shows_more_than_it_hides(text, masked):
    engine = PIIEngine()
    assert engine.redact(text, mode="mask").text == masked
    assert engine.redact("Dear Jane Doe,", mode="mask", mask_keep=4).text == "Dear **** ***,"


def test_a_batch_shares_one_map(services):
    from cloakr.gateway.app import resolve
    from cloakr.local.server import to_event

    event = to_event("POST", "/v1/redact", {"Authorization": "Bearer x", "Content-Type": "application/json"}, json.dumps(
        {"texts": ["Mail jane.doe@example.com", "literal [EMAIL_2]; mail bob@corp.example and jane.doe@example.com"],
         "mode": "tokenize"}).encode())
    event["requestContext"]["authorizer"] = services.context
    results = json.loads(resolve(event, None)["body"])["results"]
    assert [r["text"] for r in results] == ["Mail [EMAIL_1]", "literal [EMAIL_2]; mail [EMAIL_3] and [EMAIL_1]"]


def test_an_image_url_with_personal_data_is_refused_not_forwarded(engine):
    from cloakr.gateway.errors import ValidationError

    def request(url):
        return {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                                          {"type": "image_url", "image_url": {"url": url}}]}]}

    for url in ("https://img.example/u/jane.doe@example.com/avatar.png", "https://img.example/a.png?who=jane.doe%40example.com"):
        with pytest.raises(ValidationError) as refused:
            Conversation(engine).redact_request(request(url))
        assert refused.value.code == "pii_in_image_url" and "jane" not in refused.value.message
    for url in ("https://img.example/cat.png", "data:image/png;base64,iVBORw0KGgo="):
        sent = Conversation(engine).redact_request(request(url))
        assert sent["messages"][0]["content"][1]["image_url"]["url"] == url


def test_a_phone_number_in_any_format_is_one_value():
    engine, tokens = PIIEngine(region="us-east-1", hash_key=b"tenant"), TokenMap()
    texts = ["call +1 415 555 2671", "call (415) 555-2671", "call 415.555.2671"]
    assert {engine.redact(t, mode="tokenize", token_map=tokens).text for t in texts} == {"call [PHONE_1]"}
    assert len({engine.redact(t, mode="hash").text for t in texts}) == 1
    assert engine.redact("call +44 20 7946 0958", mode="tokenize", token_map=tokens).text == "call [PHONE_2]"


LOOKALIKE_PIECES = st.sampled_from(["[", "]", "(", ")", "{", "}", "<", ">", " ", "_", "-", "EMAIL", "email", "Name", "x",
                                    "1", "2", "12", "é", "9", "EMP2_ID", "a_1", "  ", "\u0130", "ß", "\n"])


def _reference_key(match) -> str | None:
    """What a ``_LOOSE`` match stands for: brackets, or "_", or "-" after an upper-case label make it a placeholder."""
    opening, label, separator, number, closing = match.groups()
    if opening is None and closing is None and not (separator == "_" or (separator == "-" and label.isupper())):
        return None
    return f"{label.upper()}_{number}"


def _loose_keys(text: str) -> set[str]:
    """The reference: every ``_LOOSE`` match that ``restore`` would read as a placeholder."""
    from cloakr.pii.tokens import _LOOSE

    return {key for match in _LOOSE.finditer(text) if (key := _reference_key(match)) is not None}


def _plain_restore(tokens: TokenMap, text: str) -> str:
    """The reference ``restore``: ``_LOOSE.sub`` over the whole text."""
    from cloakr.pii.tokens import _LOOSE

    canonical = {p[1:-1].upper(): value for p, value in tokens._originals.items()}

    def swap(match):
        key = _reference_key(match)
        value = canonical.get(key) if key is not None else None
        if value is None:
            return match.group(0)
        opening, closing = match.group(1), match.group(5)
        if (opening is None) == (closing is None):
            return value
        return opening + value if opening is not None else value + closing

    return _LOOSE.sub(swap, text)


PLACEHOLDER_PIECES = LOOKALIKE_PIECES | st.sampled_from(
    ["[EMAIL_1]", "{name_2}", "< PHONE 1 >", "(Email_3", "NAME-1)", "[NAME_12]", "x_1-2", "a_11-12", "( [", "] )", "1"])


@settings(max_examples=600, deadline=None)
@given(text=st.lists(PLACEHOLDER_PIECES, max_size=24).map("".join))
def test_look_alikes_are_found_where_the_loose_pattern_finds_them(text):
    from cloakr.pii.tokens import _LOOSE, _lookalikes

    assert list(_lookalikes(text)) == [(*m.span(), *m.groups()) for m in _LOOSE.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(text=st.lists(PLACEHOLDER_PIECES, max_size=24).map("".join))
def test_restore_follows_the_plain_substitution(text):
    tokens = TokenMap()
    for entity_type, value in (("EMAIL", "jane@example.com"), ("NAME", "Jane Doe"), ("PHONE", "+1 415 555 2671")):
        tokens.placeholder(entity_type, value)
    assert tokens.restore(text) == _plain_restore(tokens, text)


def test_restore_on_redacted_corpus_texts(engine):
    from bench.corpus import generate
    from cloakr.pii.tokens import _LOOSE, _lookalikes

    for sample in generate(150, seed=12):
        tokens = TokenMap()
        redacted = engine.redact(sample.text, mode="tokenize", token_map=tokens).text
        for answer in (redacted, redacted.lower(), redacted.replace("[", "{").replace("]", "}"), redacted.replace("_", " ")):
            assert tokens.restore(answer) == _plain_restore(tokens, answer)
        assert list(_lookalikes(sample.text)) == [(*m.span(), *m.groups()) for m in _LOOSE.finditer(sample.text)]
        assert tokens.restore(redacted) == sample.text


@settings(max_examples=500, deadline=None)
@given(text=st.lists(LOOKALIKE_PIECES, max_size=16).map("".join))
def test_reserved_look_alikes_are_exactly_what_restore_reads(text):
    from cloakr.pii.tokens import lookalike_keys

    assert lookalike_keys(text) == _loose_keys(text)


def test_reserved_look_alikes_on_the_corpus():
    from bench.corpus import generate
    from cloakr.pii.tokens import lookalike_keys

    for sample in generate(300, seed=4):
        assert lookalike_keys(sample.text) == _loose_keys(sample.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("09 +-().aZßİ\u00ad\u200b\u00a0\uff11\u0661\u00b2\t\nΣ"), max_size=20))
def test_normalise_shortcuts_change_no_key(value):
    """The ASCII shortcuts of ``normalise``'s two steps give what the steps are defined as."""
    import unicodedata

    from cloakr.pii.normalize import INVISIBLE
    from cloakr.pii.tokens import _decimal_digits, _visible

    assert _visible(value) == "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch not in INVISIBLE)
    assert _decimal_digits(value) == "".join(str(unicodedata.decimal(ch)) for ch in value if ch.isdecimal())
