"""``GET /v1/health``: the one public route. Says the service is up and which region answers; nothing else."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from cloakr import __version__
from cloakr.gateway.settings import region

router = Router()


@router.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "region": region(), "version": __version__}
