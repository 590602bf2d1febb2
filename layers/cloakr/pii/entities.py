"""The entity vocabulary: Amazon Bedrock Guardrails names where they exist, plus Cloakr's additions.

Using the Guardrails names lets a user move policies between Cloakr and Guardrails unchanged. Each entry
records what the rest of the system needs to know about a type without running a recognizer: its data
class (drives HIPAA/PCI modes and classification), how `mask` mode treats it, and which regions enable it
by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DataClass(str, Enum):
    """Sensitivity class of an entity type; ordered from least to most restricted in CLASS_RANK."""

    PII = "PII"
    PHI = "PHI"
    PCI = "PCI"
    FINANCIAL = "FINANCIAL"
    SECRET = "SECRET"


@dataclass(frozen=True, slots=True)
class EntityType:
    name: str
    data_class: DataClass
    description: str
    #: How many trailing characters `mask` mode keeps visible (0: mask everything).
    mask_keep_last: int = 0
    #: Regions where the type is tied to a local identifier scheme; empty means global.
    regions: tuple[str, ...] = ()


_P, _H, _C, _F, _S = DataClass.PII, DataClass.PHI, DataClass.PCI, DataClass.FINANCIAL, DataClass.SECRET
_US = ("us-east-1", "us-west-2")

ENTITY_TYPES: dict[str, EntityType] = {
    e.name: e
    for e in (
        # Bedrock Guardrails vocabulary
        EntityType("NAME", _P, "Person name"),
        EntityType("EMAIL", _P, "E-mail address"),
        EntityType("PHONE", _P, "Telephone number, validated with libphonenumber"),
        EntityType("ADDRESS", _P, "Postal or street address"),
        EntityType("AGE", _P, "Age of a person"),
        EntityType("USERNAME", _P, "Login or handle"),
        EntityType("PASSWORD", _S, "Password given in text"),
        EntityType("URL", _P, "Web address"),
        EntityType("IP_ADDRESS", _P, "IPv4 or IPv6 address"),
        EntityType("MAC_ADDRESS", _P, "Network hardware address"),
        EntityType("DRIVER_ID", _P, "Driver licence number"),
        EntityType("LICENSE_PLATE", _P, "Vehicle licence plate"),
        EntityType("VEHICLE_IDENTIFICATION_NUMBER", _P, "17-character VIN with check digit"),
        EntityType("CREDIT_DEBIT_CARD_NUMBER", _C, "Payment card number (Luhn)", mask_keep_last=4),
        EntityType("CREDIT_DEBIT_CARD_CVV", _C, "Card verification value"),
        EntityType("CREDIT_DEBIT_CARD_EXPIRY", _C, "Card expiry date"),
        EntityType("PIN", _C, "Personal identification number"),
        EntityType("INTERNATIONAL_BANK_ACCOUNT_NUMBER", _F, "IBAN (mod-97)", mask_keep_last=4),
        EntityType("SWIFT_CODE", _F, "SWIFT/BIC code"),
        EntityType("US_BANK_ACCOUNT_NUMBER", _F, "US bank account number", mask_keep_last=4, regions=_US),
        EntityType("US_BANK_ROUTING_NUMBER", _F, "ABA routing number (3-7-1 checksum)", regions=_US),
        EntityType("US_SOCIAL_SECURITY_NUMBER", _P, "SSN (issuance rules)", mask_keep_last=4, regions=_US),
        EntityType("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", _P, "ITIN", mask_keep_last=4, regions=_US),
        EntityType("US_PASSPORT_NUMBER", _P, "US passport number", regions=_US),
        EntityType("UK_NATIONAL_INSURANCE_NUMBER", _P, "NINO (prefix rules)"),
        EntityType("UK_NATIONAL_HEALTH_SERVICE_NUMBER", _H, "NHS number (mod-11)"),
        EntityType("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", _P, "UTR (10 digits, needs a taxpayer-reference cue)"),
        EntityType("CA_SOCIAL_INSURANCE_NUMBER", _P, "SIN (Luhn)", mask_keep_last=3),
        EntityType("CA_HEALTH_NUMBER", _H, "Canadian provincial health number"),
        EntityType("AWS_ACCESS_KEY", _S, "AWS access key id"),
        EntityType("AWS_SECRET_KEY", _S, "AWS secret access key"),
        # Cloakr additions for the five regions and the HIPAA/PCI modes
        EntityType("IN_AADHAAR", _P, "Aadhaar number (Verhoeff)", mask_keep_last=4, regions=("ap-south-1",)),
        EntityType("IN_PERMANENT_ACCOUNT_NUMBER", _P, "Indian PAN", regions=("ap-south-1",)),
        EntityType("SG_NRIC", _P, "Singapore NRIC/FIN (check letter)", regions=("ap-southeast-1",)),
        EntityType("DE_TAX_IDENTIFICATION_NUMBER", _P, "German tax id, Steuer-ID (MOD 11,10; needs a cue)", regions=("eu-central-1",)),
        EntityType("DE_SOCIAL_INSURANCE_NUMBER", _P, "German social insurance number, Rentenversicherungsnummer (check digit)", regions=("eu-central-1",)),
        EntityType("PASSPORT_NUMBER", _P, "Passport number of another country's shape (DE, IN, SG, CA...; needs a passport cue)"),
        EntityType("DATE_OF_BIRTH", _H, "Date of birth"),
        EntityType("MEDICAL_RECORD_NUMBER", _H, "Medical record or health plan member number"),
        EntityType("US_MEDICARE_BENEFICIARY_IDENTIFIER", _H, "Medicare MBI", regions=_US),
        EntityType("US_NATIONAL_PROVIDER_IDENTIFIER", _H, "NPI (Luhn over 80840 + number)", regions=_US),
        EntityType("US_DEA_NUMBER", _H, "DEA registration number (check digit)", regions=_US),
        EntityType("PRIVATE_KEY", _S, "PEM private key block"),
        EntityType("JWT", _S, "JSON Web Token"),
        EntityType("API_TOKEN", _S, "Well-known API token formats (GitHub, Slack, Stripe, OpenAI, Google...)"),
    )
}

ALL_ENTITY_TYPES: frozenset[str] = frozenset(ENTITY_TYPES)

#: Types whose presence makes a text PHI under HIPAA when they appear together with a person identifier.
PHI_TYPES: frozenset[str] = frozenset(n for n, e in ENTITY_TYPES.items() if e.data_class is DataClass.PHI)
#: Card data covered by PCI DSS: must be tokenized and never leave in clear.
PCI_TYPES: frozenset[str] = frozenset(n for n, e in ENTITY_TYPES.items() if e.data_class is DataClass.PCI)
SECRET_TYPES: frozenset[str] = frozenset(n for n, e in ENTITY_TYPES.items() if e.data_class is DataClass.SECRET)


def unknown_types(names: object) -> list[str]:
    """Return the names that are not in the vocabulary (for clear 4xx errors on bad `entities` lists)."""
    if not isinstance(names, (list, tuple, set, frozenset)):
        return [repr(names)]
    return sorted(str(n) for n in names if n not in ENTITY_TYPES)
