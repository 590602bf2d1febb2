"""Data classification of a text from the engine's findings: a level, the counts behind it, and the controls it needs.

Levels, least to most restricted: PUBLIC, INTERNAL (internal-use labels, no personal data), CONFIDENTIAL
(credentials, secrets and the tenant's own custom types), PII (personal identifiers), PHI (health identifiers, or
personal identifiers in a medical context: HIPAA's "individually identifiable health information"), PCI (card data).
The level is the highest that applies; the controls are those of every level present, most restricted first, so a
text with a card number and an AWS secret is told to handle both. Only types and counts go in; values never do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cloakr.pii.entities import ENTITY_TYPES, DataClass

LEVELS = ("PUBLIC", "INTERNAL", "CONFIDENTIAL", "PII", "PHI", "PCI")
#: Health identifiers that make a text PHI on their own; a date of birth is PHI only next to medical context.
HEALTH_IDENTIFIERS = frozenset(n for n, e in ENTITY_TYPES.items() if e.data_class is DataClass.PHI) - {"DATE_OF_BIRTH"}
#: Types identifying a person (the "individually identifiable" half of PHI).
_PERSONAL = frozenset(n for n, e in ENTITY_TYPES.items() if e.data_class in (DataClass.PII, DataClass.PHI, DataClass.FINANCIAL))
_MEDICAL_CONTEXT = re.compile(
    r"\b(?:patient|diagnos(?:is|ed|es)|prognosis|symptoms?|prescri(?:bed|ption)|medications?|dosage|treatment|therapy|"
    r"chemotherapy|radiotherapy|surgery|surgical|clinic(?:al)?|hospital(?:i[sz]ed)?|admitted|discharged?|physician|"
    r"oncolog\w*|cardiolog\w*|psychiatr\w*|blood (?:test|pressure|sugar)|lab results?|biopsy|mri|ct scan|x-ray|"
    r"hiv|aids|diabetes|diabetic|cancer|tumou?r|asthma|depression|pregnan(?:t|cy)|insulin|allerg(?:y|ies|ic)|"
    r"vaccinat\w*|icd-?10|medical record|health plan|health insurance|medicare|medicaid)\b",
    re.IGNORECASE,
)
_INTERNAL_MARKERS = re.compile(
    r"\b(?:internal (?:use )?only|for internal use|company confidential|strictly confidential|confidential|"
    r"proprietary|do not (?:distribute|forward|share)|not for (?:distribution|external)|restricted|under nda)\b",
    re.IGNORECASE,
)

CONTROLS: dict[str, tuple[str, ...]] = {
    "PCI": (
        "PCI DSS 3.4: render the PAN unreadable wherever stored (tokenize, truncate or hash); show at most the last 4 digits",
        "PCI DSS 3.3: never store CVV, PIN or track data after authorization",
        "Keep card data out of model prompts, logs and analytics (tokenize before forwarding)",
        "PCI DSS 3.5/4.2: encrypt at rest with managed keys and in transit with strong TLS",
        "PCI DSS 7 and 10: restrict cardholder data to need-to-know and log every access",
    ),
    "PHI": (
        "HIPAA minimum necessary (45 CFR 164.502(b)): disclose only the identifiers the task needs",
        "Audit every access to PHI (45 CFR 164.312(b))",
        "Remove or tokenize identifiers; do not use mask mode (partial values can re-identify)",
        "Encrypt at rest and in transit (45 CFR 164.312(a)(2)(iv), (e)(1))",
        "Send only to models and processors covered by a business associate agreement",
    ),
    "PII": (
        "Redact or tokenize personal identifiers before sending text to a model",
        "Process under a lawful basis and honour data-subject rights (GDPR Art. 6, 15-17)",
        "Keep the data in the tenant's region (data residency)",
        "Retain no longer than the tenant's retention period",
    ),
    "CONFIDENTIAL": (
        "Remove credentials and secrets; never send them to a model",
        "Rotate any credential that appeared in the text",
        "Restrict to need-to-know",
    ),
    "INTERNAL": (
        "Share only within the organisation",
        "Use only approved, in-region models",
    ),
    "PUBLIC": (),
}


@dataclass(frozen=True)
class Classification:
    level: str
    entity_counts: dict[str, int] = field(default_factory=dict)
    controls: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "entity_counts": dict(self.entity_counts), "controls": list(self.controls)}


def levels_present(text: str, counts: Mapping[str, int]) -> set[str]:
    """Every level whose condition holds for ``text`` with these finding counts (PUBLIC always)."""
    found = {t for t, n in counts.items() if n}
    classes = {ENTITY_TYPES[t].data_class for t in found if t in ENTITY_TYPES}
    present = {"PUBLIC"}
    if DataClass.PCI in classes:
        present.add("PCI")
    personal = found & _PERSONAL
    if found & HEALTH_IDENTIFIERS or (personal and _MEDICAL_CONTEXT.search(text)):
        present.add("PHI")
    if personal:
        present.add("PII")
    if DataClass.SECRET in classes or any(t not in ENTITY_TYPES for t in found):
        present.add("CONFIDENTIAL")
    if _INTERNAL_MARKERS.search(text):
        present.add("INTERNAL")
    return present


def classify(text: str, counts: Mapping[str, int]) -> Classification:
    """The level of ``text`` given the engine's finding counts per type, and the controls that level requires."""
    present = sorted(levels_present(text, counts), key=LEVELS.index, reverse=True)
    controls = [control for level in present for control in CONTROLS[level]]
    return Classification(present[0], {t: n for t, n in sorted(counts.items()) if n}, controls)
