"""Security incidents: counting suspicious signals, raising ``security_incident`` events and blocking at once.

Lambda functions keep no state between invocations, so each signal is an atomic counter per subject and time window
in the subjects table (``ADD`` returns the new total). The request whose increment *crosses* a threshold raises the
incident, so one burst raises one medium and at most one high incident per window however many functions run.

Raising an incident means: an EventBridge event (source ``cloakr``, detail-type ``security_incident``; the stack
routes it to the incident SNS topic and e-mail), an incident item the reports and ``GET /v1/incidents`` read, an
audit record in the tenant's trail, and for high severity a block of the key or end user (an admin lifts it).
Incidents carry ids, kinds and counts only, never request content; an end user is named by their stored key
(``user_id`` holds ``ux-...``, ``cloakr.compliance.subject_keys``), never by the id the tenant sent, which may be an
e-mail address and would otherwise travel in table keys, events and alert e-mails.

Monitoring must not take the gateway down: if the counter or the event cannot be written the request goes on (it
was already authorised and audited) and the failure is logged and counted (``IncidentMonitorErrors``).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from itertools import islice
from typing import Any, Literal

from boto3.dynamodb.conditions import Key

from cloakr.audit.trail import AuditEvent, AuditTrail, AuditWriteError
from cloakr.constants import INCIDENT_DETAIL_TYPE, INCIDENT_SOURCE
from cloakr.observability import logger, metrics
from cloakr.tables import all_items
from cloakr.tenants.blocks import block

# Incidents of a key presented in the wrong region or never issued have no tenant here: they belong to the region.
REGION_SCOPE = "_region"
Severity = Literal["medium", "high"]


@dataclass(frozen=True)
class Signal:
    """A kind of suspicious activity: ``medium`` and ``high`` are counts within ``window_seconds``; ``blocks``
    names what a high-severity incident blocks (``KEY``, ``USER`` or nothing)."""

    kind: str
    window_seconds: int
    medium: int
    high: int
    blocks: Literal["KEY", "USER", ""]
    # A spike is relative: the threshold is at least this many times the previous window's count.
    relative_to_previous: float = 0.0


SIGNALS: dict[str, Signal] = {s.kind: s for s in (
    # Refused keys of a tenant (revoked, expired, wrong scope) or guesses at one key id.
    Signal("auth_failures", 300, 10, 50, "KEY"),
    # A key of another region presented here: leaked keys are usually tried everywhere.
    Signal("key_wrong_region", 3600, 1, 20, ""),
    # Entities redacted for one end user (or the tenant's traffic without one) in an hour.
    Signal("pii_spike", 3600, 1_000, 10_000, "USER", relative_to_previous=10.0),
    # Requests of an end user refused by policy (blocked, no consent, forbidden mode).
    Signal("blocked_prompts", 600, 5, 25, "USER"),
)}


@dataclass
class Incident:
    kind: str
    severity: Severity
    tenant_id: str | None
    region: str
    count: int
    window_start: int
    key_id: str | None = None
    user_id: str | None = None
    action_taken: str = "alerted"
    incident_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    detected_at: str = ""

    def detail(self) -> dict[str, Any]:
        return asdict(self)


def _subject(key_id: str | None, user_id: str | None) -> str:
    return f"USER#{user_id}" if user_id else f"KEY#{key_id}" if key_id else "TENANT"


class IncidentMonitor:
    def __init__(self, subjects_table: Any, audit: AuditTrail | None, events: Any, bus: str | None, region: str,
                 sns: Any = None, topic_arn: str | None = None, clock: Any = time.time) -> None:
        self.table, self.audit, self.events, self.bus, self.region = subjects_table, audit, events, bus, region
        self.sns, self.topic_arn, self.clock = sns, topic_arn, clock

    def observe(self, kind: str, *, tenant_id: str | None, key_id: str | None = None, user_id: str | None = None,
                count: int = 1) -> Incident | None:
        """Count ``count`` occurrences of ``kind``; raise and return the incident if this crosses a threshold."""
        if count <= 0:
            return None
        signal = SIGNALS[kind]
        try:
            now = self.clock()
            window = int(now // signal.window_seconds * signal.window_seconds)
            scope = tenant_id or REGION_SCOPE
            subject = _subject(key_id, user_id)
            after = self._add(scope, kind, subject, window, count, signal)
            severity = self._crossed(signal, scope, subject, window, after - count, after)
            if severity is None:
                return None
            incident = Incident(kind, severity, tenant_id, self.region, after, window, key_id, user_id,
                                detected_at=datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds"))
            self._raise(incident, signal)
            return incident
        except Exception as exc:  # noqa: BLE001 - monitoring never fails the request; see the module docstring
            logger.error("incident monitoring failed", extra={"signal": kind, "error_type": type(exc).__name__})
            metrics.add_metric(name="IncidentMonitorErrors", unit="Count", value=1)
            return None

    def _counter_key(self, scope: str, kind: str, subject: str, window: int) -> dict[str, str]:
        return {"pk": f"TENANT#{scope}#SIGNAL#{kind}#{subject}", "sk": f"WINDOW#{window}"}

    def _add(self, scope: str, kind: str, subject: str, window: int, count: int, signal: Signal) -> int:
        response = self.table.update_item(
            Key=self._counter_key(scope, kind, subject, window),
            UpdateExpression="ADD #n :n SET expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#n": "count"},
            ExpressionAttributeValues={":n": count, ":exp": window + 2 * signal.window_seconds + 86400},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["count"])

    def _crossed(self, signal: Signal, scope: str, subject: str, window: int, before: int, after: int) -> Severity | None:
        medium, high = signal.medium, signal.high
        if signal.relative_to_previous and after >= medium:
            item = self.table.get_item(Key=self._counter_key(scope, signal.kind, subject, window - signal.window_seconds)).get("Item")
            previous = int(item["count"]) if item else 0
            medium = max(medium, int(previous * signal.relative_to_previous))
            high = max(high, medium * 10)
        if before < high <= after:
            return "high"
        if before < medium <= after:
            return "medium"
        return None

    def _raise(self, incident: Incident, signal: Signal) -> None:
        if incident.severity == "high" and incident.tenant_id:
            target = incident.key_id if signal.blocks == "KEY" else incident.user_id if signal.blocks == "USER" else None
            if target:
                block(self.table, incident.tenant_id, signal.blocks, target, f"incident:{incident.kind}")  # type: ignore[arg-type]
                incident.action_taken = f"{signal.blocks.lower()}_blocked"
        scope = incident.tenant_id or REGION_SCOPE
        self.table.put_item(Item={
            "pk": f"TENANT#{scope}#INCIDENTS", "sk": f"INCIDENT#{incident.detected_at}#{incident.incident_id}",
            **{k: v for k, v in incident.detail().items() if v is not None},
            "expires_at": int(self.clock()) + 400 * 86400,
        })
        if incident.tenant_id and self.audit is not None:
            try:
                # No end-user id in the record: it may be an e-mail address, and the incident item names the user.
                self.audit.record(AuditEvent(tenant_id=incident.tenant_id, action=f"security_incident.{incident.kind}",
                                             category="compliance", session_id=incident.incident_id, outcome=incident.severity))
            except AuditWriteError:
                logger.error("audit record of an incident not written", extra={"signal": incident.kind})
        detail = json.dumps(incident.detail())
        if self.events is not None and self.bus:
            self.events.put_events(Entries=[{"Source": INCIDENT_SOURCE, "DetailType": INCIDENT_DETAIL_TYPE,
                                             "Detail": detail, "EventBusName": self.bus}])
        if self.sns is not None and self.topic_arn:
            # Deployed stacks alert through the EventBridge rule; a topic set here (local gateway, tests) is direct.
            self.sns.publish(TopicArn=self.topic_arn, Subject=f"Cloakr {incident.severity} incident: {incident.kind}",
                             Message=detail)
        logger.warning("security incident", extra={"signal": incident.kind, "severity": incident.severity,
                                                   "incident_tenant": incident.tenant_id, "action_taken": incident.action_taken})
        metrics.add_metric(name="SecurityIncidents", unit="Count", value=1)


def list_incidents(subjects_table: Any, tenant_id: str, start: str, end: str, limit: int = 1000) -> list[dict[str, Any]]:
    """The tenant's incidents with ``start <= detected_at < end`` (ISO timestamps), oldest first."""
    condition = Key("pk").eq(f"TENANT#{tenant_id}#INCIDENTS") & Key("sk").between(f"INCIDENT#{start}", f"INCIDENT#{end}")
    found = islice((i for i in all_items(subjects_table.query, KeyConditionExpression=condition) if i["detected_at"] < end), limit)
    return [{k: (int(v) if k in ("count", "window_start") else v) for k, v in i.items() if k not in ("pk", "sk", "expires_at")}
            for i in found]
