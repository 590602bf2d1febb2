"""The local gateway: the same authorizer and resolver as in Lambda, on 127.0.0.1, with moto as the AWS backend."""

from __future__ import annotations

import signal


def stop_on_sigterm() -> None:
    """Treat SIGTERM (a harness or container stopping us) like Ctrl+C: ``KeyboardInterrupt``, so the same clean-up
    runs (the backend process, the gateway under load)."""
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
