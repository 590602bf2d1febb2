"""Reading one tenant's audit records back: time bounds, filters and tenant-bound page tokens.

Records are read with a key-range ``Query`` on the sort key (``EVENT#<timestamp>#<audit_id>``), in pages of a bounded
size, so neither a listing nor an export ever holds more than one page of the table. Listings are **newest first**
(what an investigator looks at first); exports read oldest first (the order digests sign).

Filters on ``action``, ``category`` and ``user_id`` (the id or its pseudonym) are applied to the decoded records (the record is one canonical
JSON attribute, so DynamoDB cannot filter on its fields); a listing therefore examines at most ``MAX_EXAMINED``
records per call and may answer a short (even empty) page with a ``next_token`` to continue from.

A ``next_token`` is the key of the last record examined, base64-encoded. It names the caller's partition, and a token
naming any other partition, or a key outside the requested time range, is refused: a token cannot be used to read
another tenant's records.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from cloakr.audit.trail import CATEGORIES
from cloakr.tables import all_items

EVENT_PREFIX = "EVENT#"
PAGE_SIZE = 500  # items per DynamoDB Query call
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_EXAMINED = 5000  # records a single listing call may decode while filtering
MAX_FILTER_LENGTH = 256
MIN_YEAR, MAX_YEAR = 1970, 9998
# The highest sort key of any event: '~' sorts after every character an ISO timestamp uses.
_OPEN_END = EVENT_PREFIX + "~"


class EventQueryError(ValueError):
    """A listing request that cannot be served as asked; the message names the parameter, never its value."""


def partition(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def parse_instant(value: str, name: str, *, inclusive_day: bool = False) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC ``datetime``; a bare date is its midnight (UTC), or the next
    midnight when ``inclusive_day`` (so ``end_date=2026-11-30`` covers the whole 30th)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=1 if inclusive_day else 0), time(), tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        raise EventQueryError(f"'{name}' must be an ISO 8601 date or date-time.") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # room left for date arithmetic on either side
        raise EventQueryError(f"'{name}' must lie between the years {MIN_YEAR} and {MAX_YEAR}.")
    return moment


def event_bound(moment: datetime) -> str:
    """The sort-key prefix of ``moment``, spelled as records spell their timestamps (milliseconds, ``+00:00``)."""
    return EVENT_PREFIX + moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class TimeRange:
    """Sort-key bounds: ``low`` inclusive; ``high`` exclusive in effect, since every event key continues past its
    timestamp with ``#<audit_id>`` and so sorts after the bare bound."""

    low: str = EVENT_PREFIX
    high: str = _OPEN_END

    @classmethod
    def of(cls, start: datetime | None, end: datetime | None) -> TimeRange:
        if start and end and start >= end:
            raise EventQueryError("'start' must be before 'end'.")
        return cls(event_bound(start) if start else EVENT_PREFIX, event_bound(end) if end else _OPEN_END)

    def holds(self, sort_key: str) -> bool:
        return self.low <= sort_key <= self.high


def encode_token(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"pk": key["pk"], "sk": key["sk"]}, separators=(",", ":")).encode()).decode()


def decode_token(token: str, tenant_id: str, time_range: TimeRange) -> dict[str, str]:
    """The start key a token names, only if it lies in the caller's partition and the requested range."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise EventQueryError("'next_token' is not a token this API issued.") from None
    if not (isinstance(key, dict) and set(key) == {"pk", "sk"} and all(isinstance(v, str) for v in key.values())):
        raise EventQueryError("'next_token' is not a token this API issued.")
    if key["pk"] != partition(tenant_id) or not time_range.holds(key["sk"]):
        raise EventQueryError("'next_token' does not belong to this tenant and time range.")
    return key


def records(table: Any, tenant_id: str, time_range: TimeRange, *, newest_first: bool = False,
            start_key: dict[str, str] | None = None, page_size: int | None = None) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """``(item key, record)`` pairs in sort-key order, one bounded Query page at a time."""
    query: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(partition(tenant_id)) & Key("sk").between(time_range.low, time_range.high),
        "ProjectionExpression": "pk, sk, #r", "ExpressionAttributeNames": {"#r": "record"},
        "ScanIndexForward": not newest_first, "Limit": page_size or PAGE_SIZE,
    }
    if start_key:
        query["ExclusiveStartKey"] = start_key
    for item in all_items(table.query, **query):
        yield {"pk": item["pk"], "sk": item["sk"]}, json.loads(item["record"])


@dataclass(frozen=True)
class Filters:
    """``user_id`` matches a record naming that id or ``user_ref``, the id's pseudonym: records carry pseudonyms
    (``cloakr.compliance.subjects.user_ref``), so a filter on the tenant's own id must be mapped by the caller."""

    action: str | None = None
    category: str | None = None
    user_id: str | None = None
    user_ref: str | None = None

    def __post_init__(self) -> None:
        for name in ("action", "category", "user_id"):
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= MAX_FILTER_LENGTH:
                raise EventQueryError(f"'{name}' must be 1 to {MAX_FILTER_LENGTH} characters.")
        if self.category is not None and self.category not in CATEGORIES:
            raise EventQueryError(f"'category' must be one of {', '.join(sorted(CATEGORIES))}.")

    def match(self, record: dict[str, Any]) -> bool:
        if self.user_id is not None and record.get("user_id") not in {self.user_id, self.user_ref} - {None}:
            return False
        return all(value is None or record.get(name) == value
                   for name, value in (("action", self.action), ("category", self.category)))


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise EventQueryError(f"'limit' must be an integer from 1 to {MAX_LIMIT}.")
    return int(value)


def list_events(table: Any, tenant_id: str, time_range: TimeRange, filters: Filters, limit: int,
                next_token: str | None = None) -> dict[str, Any]:
    """One page of matching records, newest first, and the token to continue from (``None`` when done)."""
    start_key = decode_token(next_token, tenant_id, time_range) if next_token else None
    events: list[dict[str, Any]] = []
    last_key: dict[str, str] | None = None
    # Query pages no larger than what this call may still need, so a small limit reads a small page.
    found = records(table, tenant_id, time_range, newest_first=True, start_key=start_key, page_size=min(PAGE_SIZE, limit))
    for examined, (key, record) in enumerate(found, start=1):
        last_key = key
        if filters.match(record):
            events.append(record)
        if len(events) >= limit or examined >= MAX_EXAMINED:
            break
    else:
        last_key = None  # the range is exhausted: no next page
    return {"events": events, "next_token": encode_token(last_key) if last_key else None}
