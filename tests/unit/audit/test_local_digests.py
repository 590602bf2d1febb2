"""The local gateway digests each closed period itself (moto runs no schedules), so its trail verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent, AuditTrail
from cloakr.audit.verify import verify_chain
from cloakr.gateway.services import services as built
from cloakr.local.digests import DigestClock


def test_each_closed_period_is_digested_once_and_the_trail_verifies(services):
    svc = built()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    AuditTrail(svc.tables[c.TABLE_AUDIT]).record(AuditEvent(tenant_id=services.tenant.tenant_id, action="redact",
                                                           category="data_access"))
    clock = DigestClock("hour", now=lambda: hour + timedelta(hours=2, minutes=5))
    assert clock.tick() is True and clock.tick() is False
    result = verify_chain(audit_table=svc.tables[c.TABLE_AUDIT], kms=svc.kms, s3=svc.s3, bucket=svc.bucket,
                          tenant_id=services.tenant.tenant_id, start=hour, end=hour + timedelta(hours=2),
                          trusted_key_id=svc.signing_key_id, now=hour + timedelta(hours=2, minutes=5))
    assert result.ok, result.problems
    assert result.digests_checked == 1 and result.records_checked == 1
