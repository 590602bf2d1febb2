"""The CLI's promises under bad input and hostile environments: one stderr line and a non-zero exit instead of a
traceback, output that is valid JSON, files read and written byte-faithfully, and nothing created on the gateway
or written to disk before the command knows it can finish."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import stat

import pytest

from cloakr.cli.main import main
from cloakr.cli.output import client_from_args


@pytest.fixture(autouse=True)
def _unreachable_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing may be reached
    monkeypatch.setenv("CLOAKR_API_KEY", "ck_euc1_k_s")
    monkeypatch.setenv("CLOAKR_MAX_RETRIES", "0")
    monkeypatch.delenv("CLOAKR_HASH_KEY", raising=False)


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


# --- 5 ------------------------------------------------------------------------------------------------------------
def test_region_flag_wins_over_the_base_url_variable() -> None:
    args = argparse.Namespace(api_key=None, endpoint=None, region="ap-south-1")
    with client_from_args(args) as client:
        assert (client.region, client.base_url) == ("ap-south-1", "https://api.ap-south-1.cloakr.example")
    main_parser_args = argparse.Namespace(api_key=None, endpoint=None, region=None)
    with client_from_args(main_parser_args) as client:
        assert client.base_url == "http://127.0.0.1:9"


# --- 6 ------------------------------------------------------------------------------------------------------------
def test_detect_json_lines_output_stays_valid_json(monkeypatch, capsys):
    lines = ['{"id": NaN, "text": "a@b.example"}', '{"id": 1e400, "text": "x"}', '{"id": [1], "text": "x"}',
             "[" * 100_000 + "]" * 100_000, json.dumps({"id": 2, "text": "mail ana@example.com"})]
    code, out, _ = run(monkeypatch, capsys, ["detect"], "\n".join(lines) + "\n")
    rows = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in output")) for line in out.splitlines()]
    assert code == 1 and len(rows) == 5
    assert all(row["error"]["code"] == "invalid_input" for row in rows[:4])
    assert rows[4] == {"id": 2, "findings": [{"type": "EMAIL", "start": 5, "end": 20, "score": 0.95}]}


def test_detect_dash_gates_a_plain_text_diff(monkeypatch, capsys):
    diff = "diff --git a/x b/x\n+contact: ana@example.com\n"
    code, out, _ = run(monkeypatch, capsys, ["detect", "-"], diff)
    assert code == 3 and "EMAIL" in out and "ana@" not in out


# --- 7 ------------------------------------------------------------------------------------------------------------
def test_crlf_files_keep_their_offsets_and_line_endings(monkeypatch, capsys, tmp_path):
    source = tmp_path / "crlf.txt"
    raw = "first line\r\nsecond ana@example.com\r\n"
    source.write_bytes(raw.encode())
    code, out, _ = run(monkeypatch, capsys, ["detect", str(source), "--json"])
    [row] = json.loads(out)
    assert code == 3 and raw[row["start"]:row["end"]] == "ana@example.com" and (row["line"], row["column"]) == (2, 8)
    code, _, _ = run(monkeypatch, capsys, ["redact", str(source), "--output-dir", str(tmp_path / "out")])
    assert code == 0 and (tmp_path / "out" / "crlf.txt").read_bytes() == b"first line\r\nsecond [EMAIL]\r\n"


# --- 8 ------------------------------------------------------------------------------------------------------------
def test_hash_mode_needs_the_key_variable(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, ["redact", "--mode", "hash"], "mail ana@example.com")
    assert code == 2 and "CLOAKR_HASH_KEY" in err
    monkeypatch.setenv("CLOAKR_HASH_KEY", "s3cret")
    code, out, _ = run(monkeypatch, capsys, ["redact", "--mode", "hash"], "mail ana@example.com")
    assert code == 0 and "ana@example.com" not in out and out.startswith("mail ")


# --- 9 and 10 -----------------------------------------------------------------------------------------------------
def test_output_dir_that_is_a_file_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    (tmp_path / "taken").write_text("x")
    code, _, err = run(monkeypatch, capsys, ["redact", "--output-dir", str(tmp_path / "taken")], "text")
    assert code == 2 and "not a directory" in err


def test_two_inputs_with_one_output_name_are_refused_before_writing(monkeypatch, capsys, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(f"from {folder}")
    out_dir = tmp_path / "out"
    code, _, err = run(monkeypatch, capsys, ["redact", str(tmp_path / "a" / "x.txt"), str(tmp_path / "b" / "x.txt"),
                                             "--output-dir", str(out_dir)])
    assert code == 2 and "both" in err and not out_dir.exists()


@pytest.mark.parametrize("argv", [["report", "create", "--period", "2025-01", "--output", "/nonexistent/r.pdf"],
                                  ["users", "export", "u1", "--output", "/nonexistent/x.json"]])
def test_unwritable_output_is_refused_before_any_request(monkeypatch, capsys, argv):
    code, _, err = run(monkeypatch, capsys, argv)
    assert code == 2 and "/nonexistent" in err and "could not reach" not in err


def test_user_export_is_written_owner_only(monkeypatch, capsys, tmp_path):
    target = tmp_path / "export.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    monkeypatch.setattr("cloakr.sdk.client.Client.export_user_data", lambda self, user_id: {"user_id": user_id})
    code, _, _ = run(monkeypatch, capsys, ["users", "export", "u1", "--output", str(target)])
    assert code == 0 and json.loads(target.read_text()) == {"user_id": "u1"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_local_refuses_a_busy_port_before_starting(monkeypatch, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = run(monkeypatch, capsys, ["local", "--port", str(busy.getsockname()[1])])
    assert code == 2 and "cannot listen" in err


@pytest.mark.parametrize("argv", [["local", "--port", "99999"], ["local", "--region", "mars-north-1"]])
def test_local_bad_port_or_region_is_a_usage_error(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_a_closed_pipe_ends_quietly(monkeypatch, capsys):
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            raise io.UnsupportedOperation("no descriptor in tests")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["regions", "--json"]) == 141
    assert "Traceback" not in capsys.readouterr().err


def test_other_os_errors_are_one_line(monkeypatch, capsys, tmp_path):
    def fail(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere/file")

    monkeypatch.setattr("pathlib.Path.write_text", fail)
    code, _, err = run(monkeypatch, capsys, ["redact", "--output-dir", str(tmp_path)], "text")
    assert code == 2 and err.strip() == "cloakr redact: Permission denied: /somewhere/file"


@pytest.mark.parametrize("module", ["cloakr.cli.main", "cloakr.cli"])
def test_running_as_a_module_still_gives_one_line_errors(module):
    """``python -m cloakr.cli.main`` loads the module as ``__main__``: its CliError must still be the one commands
    raise, or every usage error becomes a traceback."""
    import subprocess
    import sys

    env = {**os.environ, "CLOAKR_HASH_KEY": ""}
    done = subprocess.run([sys.executable, "-m", module, "redact", "--mode", "hash"], input="x", text=True,
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "cloakr redact: --mode hash needs the secret HMAC key in $CLOAKR_HASH_KEY"
