"""The scheduled digest job: one signed digest per tenant for the hour or day that just closed."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr

from cloakr import constants as c
from cloakr.audit.digest import digest_key, write_digest
from cloakr.tables import all_items

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def closed_period(now: datetime, period: str) -> tuple[datetime, datetime]:
    """The last period that has fully ended, so no record can still land in it."""
    end = now.replace(minute=0, second=0, microsecond=0)
    if period == "day":
        end = end.replace(hour=0)
    return end - STEPS[period], end


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _previous(s3: Any, bucket: str, tenant_id: str, start: datetime, period: str) -> dict[str, Any] | None:
    key = digest_key(tenant_id, _iso(start - STEPS[period]))
    try:
        body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None
    return {"key": key, "signature": body["signature"]}


def tenant_ids(tenants_table: Any) -> list[str]:
    profiles = all_items(tenants_table.scan, FilterExpression=Attr("sk").eq("PROFILE"), ProjectionExpression="pk")
    return sorted(item["pk"].removeprefix("TENANT#") for item in profiles)


def run_period(*, audit_table: Any, tenants_table: Any, kms: Any, s3: Any, bucket: str, signing_key_id: str,
               now: datetime, period: str, retain_days: int | None = None) -> dict[str, Any]:
    start, end = closed_period(now, period)
    written = []
    for tenant_id in tenant_ids(tenants_table):
        result = write_digest(audit_table=audit_table, kms=kms, s3=s3, bucket=bucket, signing_key_id=signing_key_id,
                              tenant_id=tenant_id, start=_iso(start), end=_iso(end),
                              previous=_previous(s3, bucket, tenant_id, start, period), retain_days=retain_days)
        written.append(result["key"])
    return {"period_start": _iso(start), "period_end": _iso(end), "digests": written}


def scheduled_time(event: dict[str, Any]) -> datetime:
    """The time the run was scheduled for (EventBridge's ``time``), so a run retried or replayed from the dead-letter
    queue digests the period it was meant for, not the one closed when it is replayed; the clock otherwise."""
    try:
        moment = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def run(event: dict[str, Any]) -> dict[str, Any]:
    region = os.environ[c.ENV_REGION]
    config = json.loads(os.environ.get(c.ENV_REGION_CONFIG, "{}"))
    period = config.get("digest_period", "hour")
    dynamodb = boto3.resource("dynamodb", region_name=region)
    return run_period(audit_table=dynamodb.Table(os.environ[c.ENV_AUDIT_TABLE]),
                      tenants_table=dynamodb.Table(os.environ[c.ENV_TENANTS_TABLE]),
                      kms=boto3.client("kms", region_name=region), s3=boto3.client("s3", region_name=region),
                      bucket=os.environ[c.ENV_BUCKET], signing_key_id=os.environ[c.ENV_SIGNING_KEY_ID],
                      now=scheduled_time(event), period=period, retain_days=config.get("audit_retention_days"))
