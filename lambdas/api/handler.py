"""The API functions (`redact`, `chat`, `admin`): API Gateway proxy events for their routes, served by the shared resolver.

All API functions share one resolver so routing, validation, errors and security headers are defined once;
API Gateway decides which routes reach this function, and the function's IAM role limits what it can touch.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cloakr.gateway.app import resolve
from cloakr.heap import freeze_after_first_call
from cloakr.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@freeze_after_first_call
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(event, context)
