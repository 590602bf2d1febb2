"""The hand-written holdout: its files load, every label lands on its value, and bad lines are refused clearly."""

from __future__ import annotations

import json

import pytest

from bench import holdout
from bench.eval import main


def test_spans_label_every_occurrence_and_the_longer_value_wins():
    text = "Amy Chen wrote; Amy signed. Call Amy Chen."
    spans = holdout.spans(text, [{"type": "NAME", "value": "Amy"}, {"type": "NAME", "value": "Amy Chen"}])
    assert [text[s:e] for _, s, e in spans] == ["Amy Chen", "Amy", "Amy Chen"]
    assert [s for _, s, _ in spans] == sorted(s for _, s, _ in spans)


def test_an_age_is_labelled_as_its_number_wherever_the_author_put_the_unit():
    text = "Age/Sex: 58 Y / Male, in ward 58 for 5 years"
    assert holdout.spans(text, [{"type": "AGE", "value": "58 Y"}]) == [("AGE", 9, 11)]


def test_a_name_is_labelled_without_its_title_and_only_as_a_whole_word():
    text = "Dr. Ray Chen fixed the array; Ray said so."
    spans = holdout.spans(text, [{"type": "NAME", "value": "Dr. Ray Chen"}, {"type": "NAME", "value": "Ray"}])
    assert [text[s:e] for _, s, e in spans] == ["Ray Chen", "Ray"]


@pytest.mark.parametrize(
    ("line", "message"),
    [("{not json", "not a holdout line"),
     (json.dumps({"id": "x-1", "text": "hello", "entities": [{"type": "NAME", "value": "Bob"}]}), "do not occur"),
     (json.dumps({"id": "x-2", "text": "Bob", "entities": [{"type": "NAME", "value": "Bob"}], "negative": True}), "hard negative")],
)
def test_a_bad_line_is_refused_with_its_place(line, message):
    with pytest.raises(holdout.HoldoutError, match=message) as caught:
        holdout.parse(line, "us.jsonl:3")
    assert "us.jsonl:3" in str(caught.value)


@pytest.mark.parametrize(("directory", "shapes"), [(holdout.HOLDOUT_DIR, {"us", "eu", "ap"}), (holdout.SECOND_DIR, {"na", "eu", "apac"}),
                                                      (holdout.THIRD_DIR, {"na", "eu", "apac"}), (holdout.FOURTH_DIR, {"na", "eu", "apac"}),
                                                      (holdout.FIFTH_DIR, {"na", "eu", "apac"})])
def test_the_shipped_holdouts_load_with_positives_and_negatives(directory, shapes):
    samples = holdout.load(directory)
    assert len(samples) >= 200
    assert {s.shape for s in samples} == shapes
    assert sum(1 for s in samples if s.negative) >= 40
    assert sum(len(s.spans) for s in samples) >= 800
    for sample in samples:
        for _, start, end in sample.spans:
            assert sample.text[start:end].strip() == sample.text[start:end]


def test_eval_scores_the_corpus_and_every_holdout(capsys):
    assert main(["--samples", "40", "--json"]) == 0
    names = [r["engine"] for r in json.loads(capsys.readouterr().out)]
    assert names == ["cloakr on the generated corpus", "cloakr on the first hand-written holdout",
                     "cloakr on the second hand-written holdout", "cloakr on the third hand-written holdout",
                     "cloakr on the fourth hand-written holdout", "cloakr on the fifth hand-written holdout"]
