"""Data subject rights (GDPR, DPDP, CCPA): consent, export and erasure of one end user of one tenant.

Everything is keyed by the caller's tenant and the end user's stored key (``ux-...``, a keyed blind index of the
tenant's own end-user id, ``cloakr.compliance.subject_keys``: ids are often e-mail addresses, and table keys are not
encrypted). In the subjects table a user's partition ``TENANT#<t>#USER#<key>`` holds the current consent per type
(``CONSENT#<type>``), the consent history (``CONSENTLOG#<recorded_at>#<type>#<id>``, appended on every change), a
block (``BLOCK``), the user's pseudonym secret (``PSEUDONYM``) and erasure receipts (``ERASURE#<ts>``: timestamp and
counts, no personal data). The vault table's partition of the same name holds the user's encrypted token maps (the
originals of their personal data) and their stored idempotent answers; conversations that name no end user live
elsewhere (``TENANT#<t>#ANON``), out of reach of any user id.

Audit records are hash-chained and signed, so they are never changed. Records about a user carry ``user_ref``, an
HMAC-SHA256 of the user id under a random per-user secret kept encrypted in the subjects table (:func:`user_ref`).
Erasure deletes that secret (crypto-shredding): the records stay verifiable but can no longer be linked to the person.

Consent enforcement: a tenant whose profile item lists ``required_consents`` admits a request only if its end user
granted each of them (:func:`require_consents`, called by ``Services.admit``); a request naming no end user is refused
with 400 ``user_required``, since consent cannot be checked for nobody. Decisions are cached for ``CACHE_SECONDS``
and dropped in-process when the user's consent changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import reduce
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from cloakr.audit.events import partition
from cloakr.compliance.incidents import SIGNALS
from cloakr.compliance.subject_keys import guarded, kept_secret, user_key
from cloakr.constants import TABLE_AUDIT, TABLE_SUBJECTS, TABLE_TENANTS, TABLE_VAULT
from cloakr.crypto.byok import tenant_cipher
from cloakr.gateway.errors import ForbiddenError, ValidationError
from cloakr.gateway.vault import TokenVault
from cloakr.tables import all_items
from cloakr.tenants.blocks import BLOCK_SORT_KEY, subject_key
from cloakr.tenants.cache import TtlCache

CONSENT_PREFIX = "CONSENT#"
HISTORY_PREFIX = "CONSENTLOG#"
ERASURE_PREFIX = "ERASURE#"
PSEUDONYM_SORT_KEY = "PSEUDONYM"
CONVERSATION_PREFIX = "CONV#"  # a token map's sort key in the vault partition (``cloakr.gateway.vault``)
PSEUDONYM_PURPOSE = "subject-pseudonym"
#: Attribute of the tenant's profile item (``TENANT#<t>/PROFILE``): consent types every end user must have granted.
REQUIRED_CONSENTS = "required_consents"
CONSENT_TYPE_PATTERN = r"^[a-z0-9_.:-]{1,64}$"
REF_PREFIX = "uref_"
PAGE_SIZE = 500  # items per Query call

_consents = TtlCache()
_required = TtlCache()
_refs = TtlCache()


def clear_cache() -> None:
    _consents.clear()
    _required.clear()
    _refs.clear()


def _now_iso(moment: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if moment is None else moment, tz=UTC).isoformat(timespec="milliseconds")


def _partition(services: Any, tenant_id: str, user_id: str) -> str:
    """The user's partition, named by their stored key, never by the id."""
    return subject_key(tenant_id, user_key(services, tenant_id, user_id))["pk"]


def _items(table: Any, pk: str, projection: str | None = None, **options: Any) -> Iterator[dict[str, Any]]:
    """Every item of one partition (``options``: a filter), a page at a time, so no partition is read at once."""
    query: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk), "Limit": PAGE_SIZE, **options}
    if projection:
        query["ProjectionExpression"] = projection
    yield from all_items(table.query, **query)


# --- pseudonyms -------------------------------------------------------------------------------------------------
def user_ref(services: Any, tenant_id: str, user_id: str | None, *, create: bool = True) -> str | None:
    """The keyed pseudonym audit records carry for ``user_id``: ``uref_`` + HMAC-SHA256(secret, tenant:user).

    The secret is made on first use (``create``) and kept encrypted; after erasure it is gone, so the pseudonym of
    earlier records cannot be recomputed. None without a user, or when ``create`` is False and there is no secret.
    """
    if not user_id:
        return None
    if create:  # only existing pseudonyms are cached: a cached "none" must not outlive a secret made elsewhere
        return _refs.get((tenant_id, user_id), lambda: _pseudonym(services, tenant_id, user_id, create=True))
    return _pseudonym(services, tenant_id, user_id, create=False)


def _pseudonym(services: Any, tenant_id: str, user_id: str, *, create: bool) -> str | None:
    key = {"pk": _partition(services, tenant_id, user_id), "sk": PSEUDONYM_SORT_KEY}
    secret = kept_secret(services, key, tenant_id, PSEUDONYM_PURPOSE, create=create)
    if secret is None:
        return None
    return REF_PREFIX + hmac.new(secret, f"{tenant_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


# --- consent ----------------------------------------------------------------------------------------------------
def record_consent(services: Any, tenant_id: str, user_id: str, consent_type: str, granted: bool,
                   timestamp: datetime | None = None, source: str | None = None) -> dict[str, Any]:
    """Set the current consent of one type and append the change to the history; returns the entry (the stored
    items are the same but for ``user_id``: the partition names the user by their key)."""
    table = services.tables[TABLE_SUBJECTS]
    recorded_at = _now_iso()
    given = (timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)).isoformat() if timestamp else recorded_at
    entry = {"consent_type": consent_type, "granted": granted, "timestamp": given,
             "recorded_at": recorded_at, **({"source": source} if source else {})}
    pk = _partition(services, tenant_id, user_id)
    history_sk = f"{HISTORY_PREFIX}{recorded_at}#{consent_type}#{uuid.uuid4().hex[:8]}"

    def write() -> None:
        with table.batch_writer() as batch:
            batch.put_item(Item={"pk": pk, "sk": history_sk, **entry})
            batch.put_item(Item={"pk": pk, "sk": CONSENT_PREFIX + consent_type, **entry})

    guarded(write)
    forget()
    return {"user_id": user_id, **entry}


def forget() -> None:
    """Drop this process's cached consents and pseudonyms (a change applies here at once, elsewhere within the
    TTL); the cache has no per-key eviction, and changes are rare, so every user is re-read once."""
    _consents.clear()
    _refs.clear()


def granted_consents(services: Any, tenant_id: str, user_id: str) -> frozenset[str]:
    """The consent types ``user_id`` currently grants."""
    condition = Key("pk").eq(_partition(services, tenant_id, user_id)) & Key("sk").begins_with(CONSENT_PREFIX)
    items = services.tables[TABLE_SUBJECTS].query(KeyConditionExpression=condition)
    return frozenset(i["consent_type"] for i in items.get("Items", []) if i.get("granted"))


def required_consents(tenants_table: Any, tenant_id: str) -> frozenset[str]:
    """The tenant's ``required_consents`` (empty: no enforcement), read from its profile item. Read consistently:
    the result is cached, and a setting just changed must not come back as it was (in a check or to its admin)."""
    item = tenants_table.get_item(Key={"pk": f"TENANT#{tenant_id}", "sk": "PROFILE"}, ConsistentRead=True,
                                  ProjectionExpression=REQUIRED_CONSENTS).get("Item") or {}
    return frozenset(item.get(REQUIRED_CONSENTS) or ())


def set_required_consents(tenants_table: Any, tenant_id: str, types: Iterable[str]) -> None:
    """Replace the tenant's ``required_consents`` (empty: enforcement off); ``PUT /v1/consents/required`` calls it.
    Drops this process's cached setting, so the change binds the next request here."""
    tenants_table.update_item(Key={"pk": f"TENANT#{tenant_id}", "sk": "PROFILE"}, UpdateExpression="SET #r = :r",
                              ExpressionAttributeNames={"#r": REQUIRED_CONSENTS},
                              ExpressionAttributeValues={":r": sorted(set(types))}, ConditionExpression="attribute_exists(pk)")
    _required.clear()


def require_consents(services: Any, tenant_id: str, users: Iterable[str | None]) -> None:
    """Refuse (403 ``consent_required``, 400 ``user_required``) unless each end user granted every required type."""
    required = guarded(lambda: _required.get(tenant_id, lambda: required_consents(services.tables[TABLE_TENANTS], tenant_id)))
    if not required:
        return
    named = sorted({u for u in users if u})
    if not named:
        raise ValidationError("This tenant requires end-user consent: name the end user in the X-Cloakr-User header "
                              "or the request's 'user' field.", code="user_required")
    for user in named:
        granted = guarded(lambda user=user: _consents.get((tenant_id, user), lambda: granted_consents(services, tenant_id, user)))
        missing = required - granted
        if missing:
            services.incidents.observe("blocked_prompts", tenant_id=tenant_id, user_id=user_key(services, tenant_id, user))
            raise ForbiddenError(f"The end user has not granted the consent this tenant requires ({', '.join(sorted(missing))}).",
                                 code="consent_required")


# --- export -----------------------------------------------------------------------------------------------------
def _clean(item: dict[str, Any]) -> dict[str, Any]:
    """An item as plain JSON (DynamoDB numbers are Decimals), without its partition key."""
    return json.loads(json.dumps({k: v for k, v in item.items() if k != "pk"}, default=lambda d: int(d) if d % 1 == 0 else float(d)))


def _audit_records(services: Any, tenant_id: str, user_id: str, ref: str | None) -> list[dict[str, Any]]:
    """The tenant's audit records naming the user or their pseudonym (records hold metadata only).

    The record is one JSON attribute (``AuditTrail`` writes it with ``json.dumps(sort_keys=True)``), so DynamoDB
    filters on its ``"user_id": <id>`` text and only candidates travel; the decoded field is then compared exactly.
    """
    names = {user_id, ref} - {None}
    condition = reduce(lambda a, b: a | b, (Attr("record").contains(f'"user_id": {json.dumps(n)}') for n in names))
    found = (json.loads(item["record"]) for item in _items(services.tables[TABLE_AUDIT], partition(tenant_id), "#r",
                                                           ExpressionAttributeNames={"#r": "record"}, FilterExpression=condition))
    return [record for record in found if record.get("user_id") in names]


def _incident_partition(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}#INCIDENTS"  # where ``IncidentMonitor`` keeps a tenant's incidents


def _incidents(subjects: Any, tenant_id: str, key: str, projection: str | None = None) -> Iterator[dict[str, Any]]:
    """The tenant's incident items naming the user by their ``key`` (``IncidentMonitor`` records the end user of
    USER signals)."""
    return _items(subjects, _incident_partition(tenant_id), projection, FilterExpression=Attr("user_id").eq(key))


def _signal_partitions(tenant_id: str, key: str) -> list[str]:
    """The user's incident counters, as ``IncidentMonitor._counter_key`` names them (one partition per signal)."""
    return [f"TENANT#{tenant_id}#SIGNAL#{kind}#USER#{key}" for kind in SIGNALS]


def export_subject(services: Any, tenant_id: str, user_id: str) -> dict[str, Any]:
    """Everything held about one subject in one tenant; an unknown subject has empty sections."""
    subjects, vault_table = services.tables[TABLE_SUBJECTS], services.tables[TABLE_VAULT]
    key = user_key(services, tenant_id, user_id)
    pk = subject_key(tenant_id, key)["pk"]

    def gather() -> dict[str, Any]:
        items = list(_items(subjects, pk))
        vault = TokenVault(vault_table, tenant_cipher(services))
        conversations = []
        # The partition also holds the user's stored idempotent answers (erased with it, not exported: transient).
        for item in _items(vault_table, pk, "pk, sk, updated_at"):
            if not item["sk"].startswith(CONVERSATION_PREFIX):
                continue
            conversation = item["sk"].removeprefix("CONV#")
            tokens = vault.load(tenant_id, key, conversation)
            conversations.append({"conversation_id": conversation, "updated_at": int(item.get("updated_at", 0)),
                                  "tokens": tokens.to_dict()["originals"]})
        ref = user_ref(services, tenant_id, user_id, create=False)
        return {
            "user_id": user_id, "tenant_id": tenant_id, "exported_at": _now_iso(),
            "consents": [_clean(i) for i in items if i["sk"].startswith(CONSENT_PREFIX)],
            "consent_history": [_clean(i) for i in items if i["sk"].startswith(HISTORY_PREFIX)],
            "block": next((_clean(i) for i in items if i["sk"] == BLOCK_SORT_KEY), None),
            "erasures": [_clean(i) for i in items if i["sk"].startswith(ERASURE_PREFIX)],
            "conversations": conversations,
            "incidents": [_clean({k: v for k, v in i.items() if k != "sk"}) for i in _incidents(subjects, tenant_id, key)],
            "audit_records": _audit_records(services, tenant_id, user_id, ref),
        }

    return guarded(gather)


# --- erasure ----------------------------------------------------------------------------------------------------
def _delete(table: Any, keys: Iterable[dict[str, Any]]) -> int:
    """Delete while paging (a page's position survives deleting it), 25 keys per BatchWriteItem, unprocessed keys
    retried by the batch writer; returns how many."""
    count = 0
    with table.batch_writer() as batch:
        for key in keys:
            batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
            count += 1
    return count


def _kind(sort_key: str) -> str:
    if sort_key.startswith((CONSENT_PREFIX, HISTORY_PREFIX)):
        return "consents"
    if sort_key == BLOCK_SORT_KEY:
        return "blocks"
    if sort_key == PSEUDONYM_SORT_KEY:
        return "pseudonyms"
    return "other"


def erase_subject(services: Any, tenant_id: str, user_id: str) -> dict[str, int]:
    """Delete the user's vault partition, subject items (receipts excepted) and incident counters, unlink their
    incidents, shred their pseudonym secret and keep a receipt with the counts (no personal data).

    Idempotent: erasing again deletes what arrived since and adds a receipt. A request of the user that runs during
    the erasure can write a token map after it; stop the user's traffic first (block, or revoke consent) if that matters.
    """
    subjects, vault_table = services.tables[TABLE_SUBJECTS], services.tables[TABLE_VAULT]
    key = user_key(services, tenant_id, user_id)
    pk = subject_key(tenant_id, key)["pk"]
    deleted = dict.fromkeys(("vault_items", "stored_replies", "consents", "blocks", "pseudonyms", "incident_counters",
                             "incident_links", "other"), 0)

    def counted(item: dict[str, Any]) -> dict[str, Any]:
        deleted[_kind(item["sk"])] += 1
        return item

    def erase() -> None:
        # Token maps (conversations) and the user's stored idempotent replies share the vault partition.
        def vault_kind(item: dict[str, Any]) -> dict[str, Any]:
            deleted["vault_items" if item["sk"].startswith(CONVERSATION_PREFIX) else "stored_replies"] += 1
            return item

        _delete(vault_table, (vault_kind(i) for i in _items(vault_table, pk, "pk, sk")))
        _delete(subjects, (counted(i) for i in _items(subjects, pk, "pk, sk") if not i["sk"].startswith(ERASURE_PREFIX)))
        deleted["incident_counters"] = sum(_delete(subjects, _items(subjects, p, "pk, sk")) for p in _signal_partitions(tenant_id, key))
        for incident in _incidents(subjects, tenant_id, key, "pk, sk"):  # kept as security records, unlinked
            subjects.update_item(Key=incident, UpdateExpression="REMOVE user_id")
            deleted["incident_links"] += 1
        erased_at = _now_iso()
        subjects.put_item(Item={"pk": pk, "sk": ERASURE_PREFIX + erased_at, "erased_at": erased_at,
                                "deleted": deleted})

    guarded(erase)
    forget()
    return deleted
