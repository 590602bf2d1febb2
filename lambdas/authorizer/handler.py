"""API Gateway REQUEST authorizer: API key -> tenant, scopes, home region and blocks.

The decision logic lives in ``cloakr.gateway.authorizer`` so the local gateway applies exactly the same checks.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from cloakr.gateway.authorizer import authorize
from cloakr.heap import freeze_after_first_call
from cloakr.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@freeze_after_first_call
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event)
