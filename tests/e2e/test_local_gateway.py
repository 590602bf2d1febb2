"""The local gateway end to end over HTTP: keys, scopes, residency and redaction, as a client sees them."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def post(gw, path, key=None, **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(gw.base_url + path, headers=headers, timeout=10, **kwargs)


def test_health_needs_no_key(local_gateway):
    response = httpx.get(local_gateway.base_url + "/v1/health", timeout=10)
    assert response.status_code == 200 and response.json()["region"] == "eu-central-1"
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["cache-control"] == "no-store"


def test_redact_with_a_valid_key(local_gateway):
    response = post(local_gateway, "/v1/redact", local_gateway.redact_only_key, json={"text": "Mail jane.doe@example.com"})
    assert response.status_code == 200 and response.json()["text"] == "Mail [EMAIL]"


@pytest.mark.parametrize(
    ("key_attr", "status", "code"),
    [(None, 401, "unauthorized"), ("revoked_key", 401, "unauthorized"), ("expired_key", 401, "unauthorized")],
)
def test_missing_revoked_and_expired_keys_are_refused(local_gateway, key_attr, status, code):
    key = getattr(local_gateway, key_attr) if key_attr else None
    response = post(local_gateway, "/v1/redact", key, json={"text": "x"})
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_forged_key_with_the_right_shape_is_refused(local_gateway):
    forged = local_gateway.admin_key[:-4] + "AAAA"
    response = post(local_gateway, "/v1/redact", forged, json={"text": "x"})
    assert response.status_code == 401


def test_key_for_another_region_names_its_home(local_gateway):
    other = local_gateway.admin_key.replace("ck_euc1_", "ck_aps1_", 1)
    response = post(local_gateway, "/v1/redact", other, json={"text": "x"})
    assert response.status_code == 403
    body = response.json()["error"]
    assert body["code"] == "wrong_region" and "ap-south-1" in body["message"]


def test_scope_is_enforced_per_route(local_gateway):
    response = httpx.get(local_gateway.base_url + "/v1/openapi.json", headers={"Authorization": f"Bearer {local_gateway.redact_only_key}"}, timeout=10)
    assert response.status_code == 403 and "models:read" in response.json()["error"]["message"]
    response = httpx.get(local_gateway.base_url + "/v1/openapi.json", headers={"Authorization": f"Bearer {local_gateway.admin_key}"}, timeout=10)
    assert response.status_code == 200 and "/v1/redact" in response.json()["paths"]


def test_bad_body_over_http(local_gateway):
    response = post(local_gateway, "/v1/redact", local_gateway.admin_key, content=b"{nope")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    response = post(local_gateway, "/v1/redact", local_gateway.admin_key, content=b"\xff\xfe")
    assert response.status_code == 400


def test_make_run_gateway_stops_its_separate_backend_on_sigterm():
    """``python -m cloakr.local --separate-backend`` (what the load test runs) leaves no moto process behind when it
    is stopped with SIGTERM, as a harness or a container stops it."""
    import re
    import signal
    import socket
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "cloakr.local", "--port", "0", "--separate-backend"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        backend_port = None
        assert process.stdout is not None
        for line in process.stdout:
            if match := re.search(r"AWS backend \(moto\): http://127\.0\.0\.1:(\d+)", line):
                backend_port = int(match.group(1))
            if "Press Ctrl+C to stop." in line:
                break
        assert backend_port is not None
        socket.create_connection(("127.0.0.1", backend_port), timeout=2).close()  # the backend is up
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", backend_port), timeout=0.5).close()
            except OSError:
                return  # nothing listens any more: the backend went with the gateway
            time.sleep(0.2)
        pytest.fail("the moto backend outlived the gateway")
    finally:
        process.kill()
