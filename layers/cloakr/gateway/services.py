"""AWS resources of this region, built once per process from the environment the stack or local gateway sets.

Everything a route needs from AWS goes through this container, so tests and the local gateway swap the backend
in one place and no route builds its own clients.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import boto3

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent, AuditTrail, AuditWriteError
from cloakr.compliance.incidents import IncidentMonitor
from cloakr.compliance.subject_keys import user_key
from cloakr.compliance.subjects import require_consents
from cloakr.crypto import EnvelopeCipher
from cloakr.gateway.context import Principal
from cloakr.gateway.errors import ApiError, AuditUnavailableError, ForbiddenError, UnauthorizedError
from cloakr.gateway.settings import region
from cloakr.tenants.blocks import is_blocked, is_key_blocked
from cloakr.tenants.cache import TtlCache
from cloakr.tenants.store import Tenant, TenantStore

_tenants = TtlCache()
_blocks = TtlCache()


class LazyClient:
    """A boto3 client built on its first use. Building one loads its service model (5 to 30 ms each); the
    authorizer and most requests need DynamoDB only, so the other clients should not cost their first call.
    Built under one lock: boto3's default session is not safe to build clients from in several threads at once
    (the local gateway serves requests in threads)."""

    _building = threading.Lock()

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._building:
                if self._client is None:
                    self._client = self._factory()
        return self._client

    def __getattr__(self, name: str) -> Any:  # put_object, meta, exceptions, ...: the client's
        return getattr(self.client, name)


@dataclass(frozen=True)
class Services:
    region: str
    tables: dict[str, Any]
    tenants: TenantStore
    audit: AuditTrail
    cipher: EnvelopeCipher | None = None
    # The regional bucket (exports, digests, reports) and the clients routes share; None where not configured.
    bucket: str | None = None
    s3: Any = None
    kms: Any = None
    signing_key_id: str | None = None
    events: Any = None
    event_bus: str | None = None
    sns: Any = None
    incident_topic_arn: str | None = None
    scheduler: Any = None
    data_key_id: str | None = None

    def require_bucket(self, feature: str, code: str) -> str:
        """The regional bucket, or 503 ``code`` naming ``feature`` where the deployment has none."""
        if not self.bucket:
            raise ApiError(f"{feature} are not configured in this deployment (no bucket).", code=code, status=503)
        return self.bucket

    @property
    def incidents(self) -> IncidentMonitor:
        return IncidentMonitor(self.tables[c.TABLE_SUBJECTS], self.audit, self.events, self.event_bus, self.region,
                               self.sns, self.incident_topic_arn)

    def record(self, event: AuditEvent) -> str:
        """Write the audit record or refuse the request (fail closed); redacted volume feeds the spike signal.
        The end user is recorded as a per-subject pseudonym (end-user ids are often e-mail addresses), so erasing
        the subject's pseudonym secret makes its records unlinkable without touching the signed chain."""
        from cloakr.compliance import subjects

        raw = event.user_id
        named = raw if raw and not raw.startswith(subjects.REF_PREFIX) else None  # an id, not already its pseudonym
        if named:
            event = dataclasses.replace(event, user_id=subjects.user_ref(self, event.tenant_id, named))
        try:
            audit_id = self.audit.record(event)
        except AuditWriteError:
            raise AuditUnavailableError("The audit trail is unavailable, so the request was not processed. Retry later.") from None
        if event.redacted_count:
            key = self.user_key(event.tenant_id, named) if named else None
            self.incidents.observe("pii_spike", tenant_id=event.tenant_id, user_id=key, count=event.redacted_count)
        return audit_id

    def tenant(self, tenant_id: str) -> Tenant:
        """The caller's tenant settings (cached briefly); a key whose tenant is gone is not a valid key."""
        tenant = _tenants.get(tenant_id, lambda: self.tenants.get_tenant(tenant_id))
        if tenant is None:
            raise UnauthorizedError("The API key's tenant does not exist in this region.")
        return tenant

    def user_key(self, tenant_id: str, user_id: str) -> str:
        """How stored items name ``user_id`` (``cloakr.compliance.subject_keys``: never the id itself)."""
        return user_key(self, tenant_id, user_id)

    def is_blocked(self, tenant: Tenant, user_id: str) -> bool:
        """Named in the tenant's ``blocked_users`` settings, or a ``BLOCK`` item under the user's key."""
        return user_id in tenant.blocked_users or _blocks.get(
            (tenant.tenant_id, user_id), lambda: is_blocked(self.tables[c.TABLE_SUBJECTS], tenant.tenant_id, self.user_key(tenant.tenant_id, user_id)))

    def is_key_blocked(self, tenant_id: str, key_id: str) -> bool:
        return _blocks.get((tenant_id, "KEY", key_id), lambda: is_key_blocked(self.tables[c.TABLE_SUBJECTS], tenant_id, key_id))

    def admit(self, principal: Principal, *users: str | None, consent: bool = True) -> Tenant:
        """The caller's tenant, or 403 ``user_blocked`` if the header's or the body's end user is blocked; with
        ``consent`` (routes processing end-user content) also the tenant's required consents (``compliance.subjects``)."""
        tenant = self.tenant(principal.tenant_id)
        named = {principal.user_id, *users} - {None, ""}
        for user in named:
            if self.is_blocked(tenant, user):
                self.incidents.observe("blocked_prompts", tenant_id=tenant.tenant_id, user_id=self.user_key(tenant.tenant_id, user))
                raise ForbiddenError("This end user is blocked by the tenant's administrator.", code="user_blocked")
        if consent:
            require_consents(self, tenant.tenant_id, named)
        return tenant


def clear_caches() -> None:
    from cloakr.compliance import subject_keys, subjects
    from cloakr.crypto import byok

    _tenants.clear()
    _blocks.clear()
    byok.clear_cache()
    subjects.clear_cache()
    subject_keys.clear_cache()


@lru_cache(maxsize=1)
def services() -> Services:
    endpoint = os.environ.get(c.ENV_AWS_ENDPOINT) or None
    dynamodb = boto3.resource("dynamodb", region_name=region(), endpoint_url=endpoint)
    names = {
        c.TABLE_AUDIT: os.environ.get(c.ENV_AUDIT_TABLE), c.TABLE_TENANTS: os.environ.get(c.ENV_TENANTS_TABLE),
        c.TABLE_VAULT: os.environ.get(c.ENV_VAULT_TABLE), c.TABLE_SUBJECTS: os.environ.get(c.ENV_SUBJECTS_TABLE),
    }
    tables = {role: dynamodb.Table(name) for role, name in names.items() if name}
    key_id = os.environ.get(c.ENV_DATA_KEY_ID)

    def client(name: str) -> LazyClient:
        return LazyClient(lambda: boto3.client(name, region_name=region(), endpoint_url=endpoint))

    kms = client("kms")
    cipher = EnvelopeCipher(kms, key_id, region()) if key_id else None
    return Services(
        region(), tables, TenantStore(tables[c.TABLE_TENANTS], region()), AuditTrail(tables[c.TABLE_AUDIT]), cipher,
        bucket=os.environ.get(c.ENV_BUCKET) or None, s3=client("s3"), kms=kms,
        signing_key_id=os.environ.get(c.ENV_SIGNING_KEY_ID) or None,
        events=client("events"), event_bus=os.environ.get(c.ENV_EVENT_BUS) or None,
        sns=client("sns"), incident_topic_arn=os.environ.get(c.ENV_INCIDENT_TOPIC) or None,
        scheduler=client("scheduler"), data_key_id=key_id or None,
    )
