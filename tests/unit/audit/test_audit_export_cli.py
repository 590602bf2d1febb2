"""``cloakr audit export`` against a scripted gateway: it polls an unfinished export, shows progress, downloads."""

from __future__ import annotations

import json
import sys

import httpx
import pytest
from cloakr.cli.commands import audit as audit_cli
from cloakr.cli.main import main
from cloakr.sdk import Client

URL = "https://bucket.s3.test/exports/t/exp_1.csv?X-Amz-Signature=s"


def _gateway(monkeypatch: pytest.MonkeyPatch, answers: list[dict]) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "bucket.s3.test":
            assert "authorization" not in request.headers  # the presigned URL carries its own authorization
            return httpx.Response(200, content=b"audit_id,action\na1,redact\n")
        return httpx.Response(202 if request.method == "POST" else 200, json=answers.pop(0))

    def client(args):
        return Client(api_key="ck_euc1_k_s", base_url="http://gateway.test", max_retries=0,
                      http_client=httpx.Client(transport=httpx.MockTransport(handle)))

    monkeypatch.setattr(audit_cli, "client_from_args", client)
    monkeypatch.setattr(audit_cli, "POLL_SECONDS", 0.0)
    return seen


def _argv(tmp_path, *extra: str) -> list[str]:
    return ["audit", "export", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "csv",
            "--output", str(tmp_path / "out.csv"), *extra]


def test_polls_an_unfinished_export_with_progress_then_downloads(monkeypatch, tmp_path, capsys):
    seen = _gateway(monkeypatch, [
        {"export_id": "exp_1", "status": "running", "record_count": 5000},
        {"export_id": "exp_1", "status": "running", "record_count": 9000},
        {"export_id": "exp_1", "status": "complete", "record_count": 12000, "byte_size": 26, "format": "csv",
         "download_url": URL, "expires_in": 300},
        {"export_id": "exp_1", "status": "complete", "download_url": URL},  # the download's own look-up
    ])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(_argv(tmp_path, "--json")) == 0
    out, err = capsys.readouterr()
    printed = json.loads(out)
    assert printed["id"] == "exp_1" and printed["status"] == "complete" and printed["record_count"] == 12000
    assert "exporting exp_1" in err and "saved" in err
    assert (tmp_path / "out.csv").read_bytes() == b"audit_id,action\na1,redact\n"
    body = json.loads(seen[0].content)
    assert body == {"start_date": "2026-11-01", "end_date": "2026-11-02", "format": "csv", "include_details": False}
    assert [r.method for r in seen] == ["POST", "GET", "GET", "GET", "GET"]


def test_a_failed_export_is_one_line_with_the_reason(monkeypatch, tmp_path, capsys):
    _gateway(monkeypatch, [{"export_id": "exp_1", "status": "failed", "message": "start a new export"}])
    assert main(_argv(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "exp_1 failed: start a new export" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


def test_output_is_required(tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["audit", "export", "--from", "2026-11-01", "--to", "2026-11-02"])
    assert caught.value.code == 2


@pytest.mark.parametrize("output", ["missing-folder/out.csv", "."])
def test_an_unwritable_output_is_refused_before_the_export_is_created(monkeypatch, tmp_path, capsys, output):
    seen = _gateway(monkeypatch, [])
    argv = ["audit", "export", "--from", "2026-11-01", "--to", "2026-11-02", "--output", str(tmp_path / output)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--output" in err and "Traceback" not in err
    assert seen == []  # no export created (and none audited) for a file that could not be saved
