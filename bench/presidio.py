"""Presidio set up the way it can run here: predefined pattern recognizers on a blank spaCy pipeline, offline.

No spaCy NER model can be downloaded in this environment, so Presidio runs without NER (as its pattern-only
deployments do); tldextract is pointed at its bundled public-suffix snapshot so it never fetches the list.
"""

from __future__ import annotations

from functools import lru_cache

# Presidio's names -> Cloakr's vocabulary, so both are scored by the same rule.
TYPE_MAP = {
    "CREDIT_CARD": "CREDIT_DEBIT_CARD_NUMBER", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "IP_ADDRESS": "IP_ADDRESS",
    "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "US_SSN": "US_SOCIAL_SECURITY_NUMBER", "US_ITIN": "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_BANK_NUMBER": "US_BANK_ACCOUNT_NUMBER", "US_DRIVER_LICENSE": "DRIVER_ID", "US_PASSPORT": "US_PASSPORT_NUMBER",
    "UK_NHS": "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NINO": "UK_NATIONAL_INSURANCE_NUMBER", "URL": "URL",
    "PERSON": "NAME", "LOCATION": "ADDRESS", "DATE_TIME": "DATE_OF_BIRTH", "MEDICAL_LICENSE": "US_DEA_NUMBER",
    "IN_AADHAAR": "IN_AADHAAR", "IN_PAN": "IN_PERMANENT_ACCOUNT_NUMBER", "SG_NRIC_FIN": "SG_NRIC", "MAC_ADDRESS": "MAC_ADDRESS",
    "US_MBI": "US_MEDICARE_BENEFICIARY_IDENTIFIER", "US_NPI": "US_NATIONAL_PROVIDER_IDENTIFIER", "ABA_ROUTING_NUMBER": "US_BANK_ROUTING_NUMBER",
}


def to_cloakr_type(presidio_type: str) -> str:
    return TYPE_MAP.get(presidio_type, presidio_type)


@lru_cache(maxsize=1)
def analyzer():
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    email_recognizer.tldextract = _OfflineTld(tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None))

    class BlankSpacy(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    nlp = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=nlp)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


class _OfflineTld:
    """Stands in for the ``tldextract`` module inside Presidio's e-mail recognizer."""

    def __init__(self, extractor) -> None:
        self.extract = extractor
