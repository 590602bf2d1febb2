"""AWS rows in ``recognizers.secrets``: the key id written literal-first and the secret's cue list kept short
must find what the longer forms found."""

from __future__ import annotations

import re

import pytest

from cloakr.pii.context import TextIndex
from cloakr.pii.recognizers.patterns import PatternRecognizer
from cloakr.pii.recognizers.secrets import AWS_SECRET_SPECS, AWS_SPECS

SECRET = "qRdTobbB6enzhwaGp88AMR2acXsEDVYu2JYVsI1W"


@pytest.mark.parametrize(
    "label", ["aws_secret_access_key", "secret_access_key", "secretaccesskey", "aws_secret", "AWS_SECRET_ACCESS_KEY", "secret key"]
)
def test_every_secret_label_spelling_still_cues(label):
    text = f'{label} = "{SECRET}"'
    found = list(PatternRecognizer("AWS_SECRET_KEY", AWS_SECRET_SPECS).find(text, TextIndex(text)))
    assert [(text[f.start:f.end], f.score) for f in found] == [(SECRET, 0.9)]


@pytest.mark.parametrize(
    "text", ["AKIAIINHYE3X3OMNHLDL", "x AKIAIINHYE3X3OMNHLDL.", "xAKIAIINHYE3X3OMNHLDL", "_ASIAIINHYE3X3OMNHLDL", "éAIDAIINHYE3X3OMNHLDL",
             "AAKIAIINHYE3X3OMNHLDL", "AKIAIINHYE3X3OMNHLDLX", "akiaIINHYE3X3OMNHLDL", "AROA1234567890123456 ACCAABCDEFGHIJKLMNOP"]
)
def test_key_id_matches_like_the_plain_form(text):
    plain = r"\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{16}\b"
    found = list(PatternRecognizer("AWS_ACCESS_KEY", AWS_SPECS).find(text, TextIndex(text)))
    assert [(f.start, f.end) for f in found] == [m.span() for m in re.finditer(plain, text)]
