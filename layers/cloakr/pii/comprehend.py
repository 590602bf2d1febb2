"""Optional Amazon Comprehend ``DetectPiiEntities`` backend, in the stack's own region, off by default.

Its findings are merged with the built-in ones. Any error raises ``DetectionError`` so the request fails closed.
"""

from __future__ import annotations

from typing import Any, Iterator

from cloakr.pii.context import TextIndex
from cloakr.pii.model import Finding

# Comprehend accepts at most 100 KB of UTF-8 per call.
MAX_BYTES = 100_000
TYPE_MAP = {
    "NAME": "NAME", "EMAIL": "EMAIL", "PHONE": "PHONE", "ADDRESS": "ADDRESS", "AGE": "AGE", "USERNAME": "USERNAME",
    "PASSWORD": "PASSWORD", "URL": "URL", "IP_ADDRESS": "IP_ADDRESS", "MAC_ADDRESS": "MAC_ADDRESS",
    "DRIVER_ID": "DRIVER_ID", "LICENSE_PLATE": "LICENSE_PLATE", "VEHICLE_IDENTIFICATION_NUMBER": "VEHICLE_IDENTIFICATION_NUMBER",
    "CREDIT_DEBIT_NUMBER": "CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CVV": "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_EXPIRY": "CREDIT_DEBIT_CARD_EXPIRY", "PIN": "PIN", "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "SWIFT_CODE": "SWIFT_CODE", "BANK_ACCOUNT_NUMBER": "US_BANK_ACCOUNT_NUMBER", "BANK_ROUTING": "US_BANK_ROUTING_NUMBER",
    "SSN": "US_SOCIAL_SECURITY_NUMBER", "PASSPORT_NUMBER": "US_PASSPORT_NUMBER", "AWS_ACCESS_KEY": "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY": "AWS_SECRET_KEY", "DATE_TIME": "DATE_OF_BIRTH", "IN_AADHAAR": "IN_AADHAAR",
    "IN_PERMANENT_ACCOUNT_NUMBER": "IN_PERMANENT_ACCOUNT_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER": "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER": "CA_SOCIAL_INSURANCE_NUMBER",
    "CA_HEALTH_NUMBER": "CA_HEALTH_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
}


def chunks(text: str, limit: int = MAX_BYTES) -> Iterator[tuple[int, str]]:
    """(offset, piece) with each piece at most ``limit`` UTF-8 bytes, split on whitespace where possible."""
    start = 0
    while start < len(text):
        end = start
        size = 0
        last_space = -1
        while end < len(text):
            width = len(text[end].encode("utf-8"))
            if size + width > limit:
                break
            size += width
            if text[end].isspace():
                last_space = end
            end += 1
        if end < len(text) and last_space > start:
            end = last_space + 1
        yield start, text[start:end]
        start = end


class ComprehendRecognizer:
    name = "comprehend"
    entity_types = frozenset(TYPE_MAP.values())

    def __init__(self, client: Any, language: str = "en") -> None:
        self.client = client
        self.language = language

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        from cloakr.pii.engine import DetectionError

        for offset, piece in chunks(text):
            try:
                response = self.client.detect_pii_entities(Text=piece, LanguageCode=self.language)
            except Exception as exc:  # noqa: BLE001 - botocore raises many types; all mean "not checked"
                raise DetectionError(f"Amazon Comprehend failed ({type(exc).__name__})") from None
            for entity in response.get("Entities", []):
                ours = TYPE_MAP.get(entity["Type"])
                if ours:
                    yield Finding(ours, offset + entity["BeginOffset"], offset + entity["EndOffset"], float(entity["Score"]), False, self.name)
