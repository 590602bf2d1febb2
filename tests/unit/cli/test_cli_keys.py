"""Argument handling of ``cloakr keys``; the calls themselves run against the local gateway in tests/e2e."""

from __future__ import annotations

import pytest

from cloakr.cli.main import main


@pytest.fixture(autouse=True)
def _endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing may be reached
    monkeypatch.setenv("CLOAKR_API_KEY", "ck_euc1_k_s")
    monkeypatch.setenv("CLOAKR_MAX_RETRIES", "0")


def test_create_without_scopes_is_refused_before_any_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--name", "ci"]) == 2
    assert "least privilege" in capsys.readouterr().err


def test_unknown_scope_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["keys", "create", "--scope", "everything"])
    assert caught.value.code == 2


def test_revoke_needs_confirmation_when_not_interactive(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["keys", "revoke", "k1"]) == 2
    assert "--yes" in capsys.readouterr().err


def test_unreachable_gateway_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "list", "--endpoint", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cloakr keys: could not reach the Cloakr gateway") and "Traceback" not in err
