"""The phone recognizer's speed-up of libphonenumber's digit normalisation changes no answer."""

from __future__ import annotations

import phonenumbers
from cloakr.pii import PIIEngine
from cloakr.pii.recognizers.phone import _phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

_PHONE_TEXT = st.text(alphabet=st.sampled_from("0123456789 +-().x#*/abcEXT\u0661\u0662\uff11\u00b2\u2460\u00a0"), max_size=30)


def _original():
    return _phonenumbers().phonenumberutil.normalize_digits_only.__wrapped__


def test_parse_uses_the_fast_normalisation():
    util = _phonenumbers().phonenumberutil
    assert util.normalize_digits_only is not _original()
    _phonenumbers()  # configuring twice does not wrap the wrapper
    assert util.normalize_digits_only.__wrapped__ is _original()
    assert getattr(_original(), "__wrapped__", None) is None


@settings(max_examples=400, deadline=None)
@given(_PHONE_TEXT, st.booleans())
def test_fast_normalisation_equals_libphonenumbers(text, keep):
    fast = _phonenumbers().phonenumberutil.normalize_digits_only
    assert fast(text, keep) == _original()(text, keep)


@settings(max_examples=200, deadline=None)
@given(_PHONE_TEXT, st.sampled_from(["US", "GB", "DE", "IN", "SG"]))
def test_parse_gives_the_same_number(text, region):
    util = _phonenumbers().phonenumberutil
    fast = util.normalize_digits_only

    def parsed():
        try:
            return phonenumbers.format_number(phonenumbers.parse(text, region), phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException as exc:
            return exc.error_type

    with_fast = parsed()
    util.normalize_digits_only = _original()
    try:
        assert parsed() == with_fast
    finally:
        util.normalize_digits_only = fast


def test_numbers_still_found_and_refused():
    engine = PIIEngine()
    text = "Call +44 20 7946 0958 or (415) 555-0134; card 4111 1111 1111 1111; order 183 066 9974."
    phones = [text[f.start:f.end] for f in engine.detect(text) if f.type == "PHONE"]
    assert phones == ["+44 20 7946 0958", "(415) 555-0134"]
