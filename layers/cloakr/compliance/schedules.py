"""Monthly compliance report schedules, one EventBridge Scheduler schedule per tenant request.

Each schedule invokes the region's reports function with the tenant, standards and format in its input; the
function builds the previous month's report. Schedules live in the stack's schedule group, named
``<tenant>-<id>`` so a tenant lists and deletes only its own. Failed invocations go to the stack's dead-letter queue.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloakr import constants as c

RETRY_ATTEMPTS = 3
MAX_SCHEDULES_PER_TENANT = 20


class ScheduleError(RuntimeError):
    """Scheduling is not configured here or the scheduler refused; the message is safe to show."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ScheduleTarget:
    group: str
    function_arn: str
    role_arn: str
    dead_letter_arn: str | None

    @classmethod
    def from_env(cls) -> "ScheduleTarget":
        group, function, role = (os.environ.get(n) for n in (c.ENV_SCHEDULE_GROUP, c.ENV_REPORTS_FUNCTION_ARN, c.ENV_SCHEDULER_ROLE_ARN))
        if not (group and function and role):
            raise ScheduleError("Report schedules are not configured in this deployment.")
        return cls(group, function, role, os.environ.get(c.ENV_SCHEDULE_DLQ_ARN) or None)


def _name(tenant_id: str, schedule_id: str) -> str:
    return f"{tenant_id}-{schedule_id}"


def _view(tenant_id: str, name: str, detail: dict[str, Any]) -> dict[str, Any]:
    payload = json.loads(detail.get("Target", {}).get("Input") or "{}")
    return {"schedule_id": name.removeprefix(f"{tenant_id}-"), "expression": detail.get("ScheduleExpression"),
            "state": detail.get("State"), "standards": payload.get("standards"), "format": payload.get("format")}


def _call(operation: Any, **kwargs: Any) -> Any:
    try:
        return operation(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            raise ScheduleError("No such schedule.", 404) from None
        raise ScheduleError("The scheduler refused the request; retry later.") from None
    except BotoCoreError:
        raise ScheduleError("The scheduler is unavailable; retry later.") from None


def create(scheduler: Any, target: ScheduleTarget, tenant_id: str, *, standards: list[str], fmt: str, day: int,
           hour: int) -> dict[str, Any]:
    if len(list_schedules(scheduler, target, tenant_id)) >= MAX_SCHEDULES_PER_TENANT:
        raise ScheduleError(f"A tenant may have at most {MAX_SCHEDULES_PER_TENANT} report schedules.", 409)
    schedule_id = secrets.token_hex(6)
    payload = {"tenant_id": tenant_id, "schedule_id": schedule_id, "standards": standards, "format": fmt, "period": "previous_month"}
    spec = {"Arn": target.function_arn, "RoleArn": target.role_arn, "Input": json.dumps(payload),
            "RetryPolicy": {"MaximumRetryAttempts": RETRY_ATTEMPTS, "MaximumEventAgeInSeconds": 3600 * 6},
            **({"DeadLetterConfig": {"Arn": target.dead_letter_arn}} if target.dead_letter_arn else {})}
    expression = f"cron(0 {hour} {day} * ? *)"
    _call(scheduler.create_schedule, Name=_name(tenant_id, schedule_id), GroupName=target.group, ScheduleExpression=expression,
          ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
          Target=spec, State="ENABLED", Description=f"Cloakr monthly compliance report for {tenant_id}")
    return {"schedule_id": schedule_id, "expression": expression, "state": "ENABLED", "standards": standards, "format": fmt}


def list_schedules(scheduler: Any, target: ScheduleTarget, tenant_id: str) -> list[dict[str, Any]]:
    found, token = [], None
    while True:
        page = _call(scheduler.list_schedules, GroupName=target.group, NamePrefix=f"{tenant_id}-", **({"NextToken": token} if token else {}))
        for summary in page.get("Schedules", []):
            detail = _call(scheduler.get_schedule, Name=summary["Name"], GroupName=target.group)
            found.append(_view(tenant_id, summary["Name"], detail))
        token = page.get("NextToken")
        if not token:
            return found


def delete(scheduler: Any, target: ScheduleTarget, tenant_id: str, schedule_id: str) -> None:
    if not schedule_id.isalnum() or len(schedule_id) > 32:
        raise ScheduleError("No such schedule.", 404)
    _call(scheduler.delete_schedule, Name=_name(tenant_id, schedule_id), GroupName=target.group)
