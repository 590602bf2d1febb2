from __future__ import annotations

import argparse
import io

import pytest

from cloakr.cli.main import CliError
from cloakr.cli.output import EXIT_API_ERROR, ProgressBar, api_errors, emit, print_table, to_jsonable
from cloakr.sdk.errors import ResidencyError
from cloakr.sdk.models import ApiKey


def test_table_aligns_columns_and_joins_lists() -> None:
    out = io.StringIO()
    print_table([{"id": "k1", "scopes": ["chat:write", "models:read"]}, {"id": "key-22", "scopes": None}],
                ("id", "scopes"), out)
    assert out.getvalue().splitlines() == ["ID      SCOPES", "k1      chat:write, models:read", "key-22"]


def test_models_become_plain_json_with_wire_names() -> None:
    key = ApiKey.model_validate({"key_id": "k1", "scopes": ["chat:write"]})
    assert to_jsonable([key]) == [{"id": "k1", "scopes": ["chat:write"]}]


def test_emit_chooses_json_or_human(capsys: pytest.CaptureFixture[str]) -> None:
    emit(argparse.Namespace(json=True), {"b": 1, "a": [1]}, lambda v: print("human"))
    assert capsys.readouterr().out == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    emit(argparse.Namespace(json=False), {}, lambda v: print("human"))
    assert capsys.readouterr().out == "human\n"


def test_gateway_refusals_become_one_line_errors() -> None:
    with pytest.raises(CliError) as caught, api_errors():
        raise ResidencyError("key belongs to eu-central-1", status=403, code="wrong_region")
    assert caught.value.exit_code == EXIT_API_ERROR and "wrong_region" in str(caught.value)


def test_progress_bar_renders_known_and_unknown_totals() -> None:
    stream = io.StringIO()
    bar = ProgressBar("export", stream=stream, unit="B", enabled=True)
    assert bar.render(5, 10).startswith("export [###############...............]  50% 5/10 B")
    assert bar.render(7, None).startswith("export ") and bar.render(7, None).endswith(" 7 B")
    bar(10, 10)
    bar.close()
    assert stream.getvalue().startswith("\rexport [") and stream.getvalue().endswith("\n")


def test_progress_bar_stays_quiet_off_a_terminal() -> None:
    stream = io.StringIO()  # not a TTY
    with ProgressBar("verify", stream=stream) as bar:
        bar(1, 2)
    assert stream.getvalue() == ""
