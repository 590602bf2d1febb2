"""The entity reference page (``docs/entities.md``), generated from the vocabulary so it cannot drift.

Every example is fake (test numbers, reserved domains) and is checked by the test suite to be detected as its
type, so the table doubles as a smoke test of each recognizer.
"""

from __future__ import annotations

from cloakr.pii.entities import ENTITY_TYPES

EXAMPLES: dict[str, str] = {
    "NAME": "Dear Dr. Priya Sharma,",
    "EMAIL": "jane.doe@example.com",
    "PHONE": "+44 20 7946 0958",
    "ADDRESS": "1600 Amphitheatre Parkway, Mountain View, CA 94043",
    "AGE": "she is 42 years old",
    "USERNAME": "username: jdoe_42",
    "PASSWORD": "password: S3cret!pass",
    "URL": "https://example.com/u/jane",
    "IP_ADDRESS": "192.168.10.24",
    "MAC_ADDRESS": "00:1A:2B:3C:4D:5E",
    "DRIVER_ID": "driver's license: D1234-56789",
    "LICENSE_PLATE": "license plate 7ABC123",
    "VEHICLE_IDENTIFICATION_NUMBER": "VIN 1HGCM82633A004352",
    "CREDIT_DEBIT_CARD_NUMBER": "4111 1111 1111 1111",
    "CREDIT_DEBIT_CARD_CVV": "CVV: 737",
    "CREDIT_DEBIT_CARD_EXPIRY": "expires 09/28",
    "PIN": "PIN: 4821",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "DE89 3704 0044 0532 0130 00",
    "SWIFT_CODE": "SWIFT: DEUTDEFF500",
    "US_BANK_ACCOUNT_NUMBER": "checking account 123456789012",
    "US_BANK_ROUTING_NUMBER": "routing number 011000015",
    "US_SOCIAL_SECURITY_NUMBER": "SSN 536-22-1234",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": "ITIN 912-70-1234",
    "US_PASSPORT_NUMBER": "passport number 483920174",
    "PASSPORT_NUMBER": "Reisepassnummer C01X00T47",
    "UK_NATIONAL_INSURANCE_NUMBER": "AB 12 34 56 C",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": "NHS number 943 476 5919",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": "UTR 12345 67890",
    "CA_SOCIAL_INSURANCE_NUMBER": "SIN 130 692 544",
    "CA_HEALTH_NUMBER": "OHIP health card 1234-567-890-AB",
    "AWS_ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_KEY": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "IN_AADHAAR": "2341 2341 2346",
    "IN_PERMANENT_ACCOUNT_NUMBER": "ABCPE1234F",
    "SG_NRIC": "S1234567D",
    "DE_TAX_IDENTIFICATION_NUMBER": "Steuer-ID 86 095 742 719",
    "DE_SOCIAL_INSURANCE_NUMBER": "15 070649 C 103",
    "DATE_OF_BIRTH": "DOB: March 4, 1985",
    "MEDICAL_RECORD_NUMBER": "MRN: 00482913",
    "US_MEDICARE_BENEFICIARY_IDENTIFIER": "1EG4-TE5-MK73",
    "US_NATIONAL_PROVIDER_IDENTIFIER": "NPI 1245319599",
    "US_DEA_NUMBER": "DEA AB1234563",
    "PRIVATE_KEY": "-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----",
    "JWT": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "API_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
}


def entity_reference_markdown() -> str:
    lines = [
        "# Entity types",
        "",
        "Generated from `cloakr.pii.entities` and `cloakr.pii.reference` (`python -m cloakr.pii.reference > docs/entities.md`);",
        "a test keeps this page equal to the generator and checks that every example is detected as its type.",
        "Names follow Amazon Bedrock Guardrails where a Guardrails name exists. *Regions*: where the type is on by",
        "default as a local identifier (empty: everywhere). All examples are fake.",
        "",
        "| Type | Class | Validation | Mask keeps | Regions | Example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, entity in ENTITY_TYPES.items():
        example = EXAMPLES[name].replace("|", "\\|")
        lines.append(
            f"| `{name}` | {entity.data_class.value} | {entity.description} | {entity.mask_keep_last or '-'} | "
            f"{', '.join(entity.regions) or '-'} | `{example}` |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(entity_reference_markdown(), end="")
