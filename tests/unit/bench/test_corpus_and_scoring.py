"""The measurement harness itself: corpus labels are exact and deterministic, identifiers valid, scoring right."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bench import identifiers as ids
from bench.corpus import generate
from bench.eval import coverage, matches, score
from cloakr.pii import validators as v


def test_corpus_is_deterministic_and_labels_are_exact():
    first, again = generate(300, seed=5), generate(300, seed=5)
    assert [s.text for s in first] == [s.text for s in again]
    assert [s.text for s in generate(300, seed=6)] != [s.text for s in first]
    for sample in first:
        previous_end = -1
        for entity_type, start, end in sorted(sample.spans, key=lambda s: s[1]):
            value = sample.text[start:end]
            assert entity_type and value and value == value.strip(), (sample.shape, entity_type, value)
            assert start >= previous_end
            previous_end = end
        if sample.negative:
            assert sample.spans == []


@pytest.mark.parametrize(
    ("generator", "check"),
    [(ids.card, v.card), (ids.iban_de, v.iban), (ids.aba, v.aba_routing), (ids.ssn, v.ssn), (ids.aadhaar, v.aadhaar),
     (ids.nric, v.nric), (ids.nhs, v.nhs), (ids.nino, v.nino), (ids.npi, v.npi), (ids.dea, v.dea), (ids.pan, v.pan),
     (ids.itin, v.itin), (ids.vin, v.vin), (ids.mbi, v.mbi), (ids.ca_sin, v.ca_sin), (ids.swift, v.swift),
     (ids.de_tax_id, v.de_tax_id), (lambda rng: ids.de_social_insurance(rng, date(1967, 3, 12), "Özdemir"), v.de_social_insurance)],
)
def test_independent_generators_agree_with_the_engine_validators(generator, check):
    rng = random.Random(1)
    for _ in range(200):
        value = generator(rng)
        assert check(value), value


def test_the_corpus_holds_every_type_of_the_vocabulary():
    """``make eval`` prints precision and recall per type: a type the corpus lacks would go unmeasured."""
    from cloakr.pii.entities import ALL_ENTITY_TYPES

    present = {entity_type for sample in generate(2000) for entity_type, _, _ in sample.spans}
    assert present == set(ALL_ENTITY_TYPES)


def test_hard_negative_generators_are_invalid():
    rng = random.Random(2)
    for _ in range(200):
        assert not v.card(ids.luhn_invalid_16(rng))
        never = ids.never_issued_ssn(rng)
        assert not v.ssn(never) and not v.itin(never)


def test_match_rule_and_coverage():
    gold = ("EMAIL", 10, 30)
    assert matches(gold, ("EMAIL", 10, 30)) and matches(gold, ("EMAIL", 12, 30))
    assert not matches(gold, ("NAME", 10, 30)) and not matches(gold, ("EMAIL", 25, 40))
    assert coverage(gold, [("X", 10, 20), ("Y", 18, 28)]) == 0.9


def test_scores_on_a_hand_made_corpus():
    from bench.corpus import Sample

    corpus = [
        Sample("mail a@b.example now", [("EMAIL", 5, 16)], "t"),
        Sample("card 4111", [("CREDIT_DEBIT_CARD_NUMBER", 5, 9)], "t"),
        Sample("order 12345", [], "negative", "order_number"),
    ]
    found = {corpus[0].text: [("EMAIL", 5, 16)], corpus[1].text: [], corpus[2].text: [("PHONE", 6, 11)]}
    result = score(corpus, lambda text: found[text])
    assert (result.tp["EMAIL"], result.fn["CREDIT_DEBIT_CARD_NUMBER"], result.fp["PHONE"]) == (1, 1, 1)
    assert result.leaked == 1 and result.gold == 2
    precision, recall, _ = result.micro()
    assert (precision, recall) == (0.5, 0.5)
    assert result.negative_fp["order_number"] == 1
