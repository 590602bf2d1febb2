"""``cloakr users required-consents``: the SDK client it builds talks to the gateway in-process (``resolve`` over the
moto-backed ``services``), so the command's output and its effect on enforcement are both checked."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from cloakr.cli.commands import users
from cloakr.cli.main import main
from cloakr.compliance import subjects
from cloakr.gateway.app import resolve
from cloakr.sdk import Client

from tests.unit.audit.audit_api_helpers import call


@pytest.fixture
def gateway(services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Routes the CLI's requests to the gateway of ``services`` with the admin key's context; returns the paths
    requested."""
    monkeypatch.setenv("CLOAKR_API_KEY", services.admin_key)
    monkeypatch.setenv("CLOAKR_BASE_URL", "http://gateway.test")
    subjects.clear_cache()
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        body: Any = request.content.decode() or None
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-cloakr")}
        answer = resolve(services.event(request.method, request.url.path, body, headers=headers), None)
        return httpx.Response(answer["statusCode"], content=answer["body"] or b"",
                              headers={"content-type": "application/json"})

    def client(args: Any) -> Client:
        return Client(api_key=services.admin_key, base_url="http://gateway.test", max_retries=0,
                      http_client=httpx.Client(transport=httpx.MockTransport(handle)))

    monkeypatch.setattr(users, "client_from_args", client)
    yield seen
    subjects.clear_cache()


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(["users", "required-consents", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def redact(services, user: str) -> int:
    return call(services, "POST", "/v1/redact", {"text": "hello"}, headers={"X-Cloakr-User": user})[0]


def test_shows_sets_and_clears_the_setting(services, gateway, capsys) -> None:
    assert run(capsys, []) == (0, "required consents: none (not enforced)\n", "")
    code, out, _ = run(capsys, ["--set", "marketing", "ai_processing", "--json"])
    assert code == 0 and json.loads(out) == {"consent_types": ["ai_processing", "marketing"]}
    assert redact(services, "u1") == 403  # enforced by the gateway at once
    assert run(capsys, [])[1] == "required consents: ai_processing, marketing\n"
    code, out, _ = run(capsys, ["--clear"])
    assert code == 0 and out == "required consents: none (not enforced)\n"
    assert redact(services, "u1") == 200
    assert gateway == ["GET /v1/consents/required", "PUT /v1/consents/required", "GET /v1/consents/required",
                       "PUT /v1/consents/required"]


def test_a_refused_type_is_a_one_line_error_and_changes_nothing(services, gateway, capsys) -> None:
    code, out, err = run(capsys, ["--set", "ai_processing", "Jane Doe"])
    assert code == 1 and out == "" and err.count("\n") == 1 and "validation_error" in err and "Jane" not in err
    assert run(capsys, ["--json"])[1] == '{\n  "consent_types": []\n}\n'


@pytest.mark.parametrize("argv", [["--set"], ["--set", "a", "--clear"], ["--clear", "x"]])
def test_usage_errors_send_nothing(services, gateway, capsys, argv) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["users", "required-consents", *argv])
    assert caught.value.code == 2 and gateway == []
