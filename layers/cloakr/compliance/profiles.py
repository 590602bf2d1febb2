"""What a tenant's HIPAA and PCI profiles require of a request: one small pure policy every route applies.

``hipaa``: PHI identifiers are always detected, even when a request narrows ``entities``; ``mask`` mode is refused
(a partly visible identifier can still re-identify a patient, and HIPAA's Safe Harbor method removes identifiers
whole); every request that finds PHI writes an extra ``compliance``/``phi_access`` audit record with the types and
counts (45 CFR 164.312(b), audit controls).

``pci``: card data (PAN, CVV, expiry, PIN) is always detected and redacted or tokenized whatever ``entities`` says;
``mask`` keeps at most the last four PAN digits (the vocabulary's ``mask_keep_last``, PCI DSS 3.4) and nothing of
the other card types; and card data never reaches a model: chat tokenizes every text of a request and refuses one
that carries card data where it forwards text as sent (object keys, ids: ``conversation.as_sent``).

The routes ask this module and turn its answers into errors and audit records; it holds no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloakr.audit.trail import AuditEvent
from cloakr.pii.entities import PCI_TYPES, PHI_TYPES

HIPAA = "hipaa"
PCI = "pci"


@dataclass(frozen=True)
class Policy:
    profiles: frozenset[str]
    #: Types detected whatever the request's ``entities`` says.
    always_on: frozenset[str] = frozenset()
    #: Redaction modes the profiles forbid, with the reason given to the caller.
    refused_modes: Mapping[str, str] | None = None
    #: Types whose detection writes an extra ``phi_access`` audit record.
    audited: frozenset[str] = frozenset()
    #: Types that must never be forwarded to a model, wherever in the request they appear.
    never_forward: frozenset[str] = frozenset()

    def entities(self, requested: Iterable[str] | None) -> list[str] | None:
        """The entity types to detect: all (None) when the request does not narrow them, else its list plus the
        profiles' always-on types (sorted, so equal requests share one cached engine)."""
        if requested is None:
            return None
        return sorted(set(requested) | self.always_on)

    def mode_refusal(self, mode: str) -> str | None:
        """Why ``mode`` is not allowed for this tenant, or None."""
        return (self.refused_modes or {}).get(mode)

    def audited_counts(self, counts: Mapping[str, int]) -> dict[str, int]:
        return {t: n for t, n in sorted(counts.items()) if t in self.audited and n}

    def phi_access(self, tenant_id: str, user_id: str | None, counts: Mapping[str, int], *, action: str,
                   session_id: str | None = None) -> AuditEvent | None:
        """The extra audit record a request that found PHI needs (types and counts only), or None."""
        found = self.audited_counts(counts)
        if not found:
            return None
        return AuditEvent(tenant_id=tenant_id, action="phi_access", category="compliance", user_id=user_id,
                          session_id=session_id, pii_types=list(found), pii_counts=found, redacted_count=sum(found.values()),
                          compliance_flags=sorted(self.profiles | {f"source:{action}"}))


def policy_for(profiles: Iterable[str]) -> Policy:
    """The combined policy of a tenant's profiles (a tenant may hold both)."""
    profiles = frozenset(profiles)
    always_on: set[str] = set()
    refused: dict[str, str] = {}
    audited: set[str] = set()
    never_forward: set[str] = set()
    if HIPAA in profiles:
        always_on |= PHI_TYPES
        audited |= PHI_TYPES
        never_forward |= PHI_TYPES
        refused["mask"] = ("mode 'mask' is not allowed under this tenant's HIPAA profile: partly visible identifiers "
                           "can re-identify a patient; use 'replace', 'tokenize', 'hash' or 'remove'.")
    if PCI in profiles:
        always_on |= PCI_TYPES
        never_forward |= PCI_TYPES
    return Policy(profiles, frozenset(always_on), refused, frozenset(audited), frozenset(never_forward))


def untokenized_findings(texts: Iterable[str], types: frozenset[str], engine_for: Callable[..., Any]) -> dict[str, int]:
    """Counts of ``types`` found in ``texts``, the strings of a request the gateway forwards as sent (object keys,
    ids: ``cloakr.gateway.conversation.as_sent``), by an engine from ``engine_for(entities=...)`` limited to those
    types. Non-empty means the request must not be forwarded."""
    counts: dict[str, int] = {}
    if not types:
        return counts
    engine = engine_for(entities=sorted(types))
    for text in texts:
        for finding in engine.detect(text):
            if finding.type in types:
                counts[finding.type] = counts.get(finding.type, 0) + 1
    return counts
