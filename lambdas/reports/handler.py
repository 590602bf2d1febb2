"""Scheduled job: generate the compliance reports tenants have scheduled."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cloakr.compliance.reports_job import run
from cloakr.heap import freeze_after_first_call
from cloakr.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@freeze_after_first_call
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(event)
