"""AWS resources of this region, built once per process from the environment the stack or local gateway sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3

from cloakr import constants as c
from cloakr.gateway.settings import region
from cloakr.audit.trail import AuditEvent, AuditTrail, AuditWriteError
from cloakr.gateway.errors import AuditUnavailableError
from cloakr.tenants.store import TenantStore


@dataclass(frozen=True)
class Services:
    region: str
    tables: dict[str, Any]
    tenants: TenantStore
    audit: AuditTrail

    def record(self, event: AuditEvent) -> str:
        """Write the audit record or refuse the request (fail closed)."""
        try:
            return self.audit.record(event)
        except AuditWriteError:
            raise AuditUnavailableError("The audit trail is unavailable, so the request was not processed. Retry later.") from None


@lru_cache(maxsize=1)
def services() -> Services:
    dynamodb = boto3.resource("dynamodb", region_name=region(), endpoint_url=os.environ.get(c.ENV_AWS_ENDPOINT) or None)
    names = {
        c.TABLE_AUDIT: os.environ.get(c.ENV_AUDIT_TABLE), c.TABLE_TENANTS: os.environ.get(c.ENV_TENANTS_TABLE),
        c.TABLE_VAULT: os.environ.get(c.ENV_VAULT_TABLE), c.TABLE_SUBJECTS: os.environ.get(c.ENV_SUBJECTS_TABLE),
    }
    tables = {role: dynamodb.Table(name) for role, name in names.items() if name}
    return Services(region(), tables, TenantStore(tables[c.TABLE_TENANTS], region()), AuditTrail(tables[c.TABLE_AUDIT]))
