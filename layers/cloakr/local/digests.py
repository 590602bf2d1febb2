"""The local gateway's stand-in for the stack's digest schedule: moto fires no EventBridge schedules, and without
digests every audit record would be reported unsigned once its period is due. A daemon thread runs the same job
(``cloakr.audit.digest_job.run_period``) once for each period that closes while the gateway runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from cloakr import constants as c
from cloakr.audit.digest_job import closed_period, run_period
from cloakr.observability import logger

CHECK_SECONDS = 30.0


class DigestClock:
    def __init__(self, period: str, now: Callable[[], datetime] = lambda: datetime.now(UTC), retain_days: int | None = None) -> None:
        self.period, self.now, self.retain_days = period, now, retain_days
        self._done: datetime | None = None
        self._stop = threading.Event()

    def tick(self) -> bool:
        """Digest the newest closed period unless done already; True when a digest run happened."""
        from cloakr.gateway.services import services

        moment = self.now()
        start, _ = closed_period(moment, self.period)
        if start == self._done:
            return False
        svc = services()
        run_period(audit_table=svc.tables[c.TABLE_AUDIT], tenants_table=svc.tables[c.TABLE_TENANTS], kms=svc.kms,
                   s3=svc.s3, bucket=svc.require_bucket("Audit digests", "digests_unavailable"),
                   signing_key_id=svc.signing_key_id or "", now=moment, period=self.period, retain_days=self.retain_days)
        self._done = start
        return True

    def _loop(self, interval: float) -> None:
        while True:
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - a failed run is retried at the next check, as the DLQ would
                logger.error("local digest run failed", extra={"error_type": type(exc).__name__})
            if self._stop.wait(interval):
                return

    def start(self, interval: float = CHECK_SECONDS) -> "DigestClock":
        threading.Thread(target=self._loop, args=(interval,), daemon=True, name="cloakr-digests").start()
        return self

    def stop(self) -> None:
        self._stop.set()
