"""``cloakr detect`` and ``cloakr redact`` run the engine locally; output carries types and offsets, never values."""

from __future__ import annotations

import io
import json

from cloakr.cli.main import main


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_detect_json_lines_contract(monkeypatch, capsys):
    lines = [
        json.dumps({"id": 1, "text": "mail jane@corp.example"}),
        "not json",
        json.dumps({"id": "b", "text": 5}),
        json.dumps({"id": 3, "text": "nothing here"}),
    ]
    code, out, _ = run(monkeypatch, capsys, ["detect"], "\n".join(lines) + "\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0] == {"id": 1, "findings": [{"type": "EMAIL", "start": 5, "end": 22, "score": 0.95}]}
    assert rows[1]["error"]["code"] == "invalid_input" and rows[1]["id"] is None
    assert rows[2]["id"] == "b" and "text" in rows[2]["error"]["message"]
    assert rows[3] == {"id": 3, "findings": []}
    assert code == 1
    assert "jane" not in out


def test_detect_files_exit_code_gates(monkeypatch, capsys, tmp_path):
    clean, dirty = tmp_path / "clean.txt", tmp_path / "dirty.txt"
    clean.write_text("nothing to see")
    dirty.write_text("card 4111 1111 1111 1111")
    assert run(monkeypatch, capsys, ["detect", str(clean)])[0] == 0
    code, out, _ = run(monkeypatch, capsys, ["detect", str(dirty)])
    assert code == 3 and "CREDIT_DEBIT_CARD_NUMBER" in out and "4111" not in out


def test_detect_region_and_bad_entity(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, ["detect", "--region", "ap-south-1"], json.dumps({"id": 1, "text": "Aadhaar 2341 2341 2346"}))
    assert json.loads(out)["findings"][0]["type"] == "IN_AADHAAR"
    code, _, err = run(monkeypatch, capsys, ["detect", "--entities", "NOPE"], "")
    assert code == 2 and "NOPE" in err


def test_redact_stdin(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, ["redact", "--mode", "replace"], "mail jane@corp.example\n")
    assert code == 0 and out.strip() == "mail [EMAIL]"
