"""The built-in recognizers, assembled for a country and an entity selection."""

from __future__ import annotations

from cloakr.pii.model import Recognizer


def build_recognizers(country: str | None, entities: frozenset[str]) -> list[Recognizer]:
    """Only recognizers that can emit an enabled type are built, so a narrow selection also runs faster."""
    from cloakr.pii.recognizers.addresses import AddressRecognizer
    from cloakr.pii.recognizers.hl7 import Hl7Recognizer
    from cloakr.pii.recognizers.names import NameRecognizer
    from cloakr.pii.recognizers.patterns import pattern_recognizers
    from cloakr.pii.recognizers.phone import PhoneRecognizer
    from cloakr.pii.recognizers.secrets import secret_recognizers

    tables = [table for table in (t.only(entities) for t in pattern_recognizers()) if table is not None]
    names = NameRecognizer(country)
    candidates: list[Recognizer] = [
        *tables,
        *secret_recognizers(),
        PhoneRecognizer(country or "US"),
        names,
        AddressRecognizer(country, names if "NAME" in entities else None),  # names: the addressee heading an address
        Hl7Recognizer(),
    ]
    return [r for r in candidates if r.entity_types & entities]
