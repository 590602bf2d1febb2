"""The gateway benchmark itself, run with tiny counts: complete reports, consistent splits, environment put back,
no AWS call while any handler is imported, and the init runs see only what the Lambda layer ships.
No timing thresholds: the figures are printed by ``make bench``, not asserted."""

from __future__ import annotations

import os

import pytest

from bench.gateway import (
    PERCENTILES,
    ROUTES,
    _import_once,
    added_latency,
    conversation_latency,
    init_times,
    lambda_environment,
    layer_modules,
    percentile,
    render,
)
from stacks.constructs.gateway_functions import LAMBDAS_DIR, SPECS


@pytest.fixture(scope="module")
def init_report():
    return init_times(runs=1)


def test_added_latency_splits_every_request_and_puts_the_environment_back() -> None:
    before = dict(os.environ)
    report = added_latency(requests=3, warmup=1)

    assert dict(os.environ) == before
    assert set(report["routes"]) == {"authorizer", *ROUTES}
    assert report["routes"]["authorizer"]["requests"] == 3 * len(ROUTES)
    for name, route in report["routes"].items():
        if name != "authorizer":
            assert route["requests"] == 3
        for series in ("total_ms", "aws_ms", "added_ms", "pii_ms"):
            values = [route[series][f"p{q}"] for q in PERCENTILES]
            assert values == sorted(values), (name, series, values)
        for q in PERCENTILES:
            total, aws, added, pii = (route[s][f"p{q}"] for s in ("total_ms", "aws_ms", "added_ms", "pii_ms"))
            assert 0 < added <= total and aws >= 0 and pii >= 0, (name, q, route)
        assert 0 <= route["pii_share"] <= 1
    for name in ROUTES:  # both routes write audit records and run detection on the prompt
        assert report["routes"][name]["aws_ms"]["p50"] > 0 and report["routes"][name]["pii_ms"]["p50"] > 0
    assert isinstance(report["target_met"], bool)


@pytest.fixture(scope="module")
def turns_report():
    return conversation_latency(conversations=2, turns=3, warmup=1)


def test_conversation_latency_measures_both_cases_with_detection(turns_report) -> None:
    assert turns_report["turns"] == 3 and set(turns_report["cases"]) == {"seen", "unseen"}
    for case in turns_report["cases"].values():
        assert case["requests"] == 2 and case["added_ms"]["p50"] > 0 and case["pii_ms"]["p50"] > 0


def test_every_function_of_the_stack_imports_without_network(init_report) -> None:
    assert set(init_report["functions"]) == {spec.name for spec in SPECS}
    for name, function in init_report["functions"].items():
        assert function["network_at_import"] == [], name
        for series in ("import_ms", "source_import_ms"):
            assert 0 < function[series]["median"] <= function[series]["max"], (name, function)
        assert function["first_call_setup_ms"] >= 0
    assert isinstance(init_report["target_met"], bool) and isinstance(init_report["target_met_from_source"], bool)


def test_init_runs_see_only_the_layer_and_record_sockets(tmp_path) -> None:
    modules = set(layer_modules())
    assert {"cloakr", "boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "pydantic", "re2", "httpx"} <= modules
    assert not {"moto", "pytest", "aws_cdk", "faker", "openai"} & modules
    asset = LAMBDAS_DIR / "authorizer"
    env = lambda_environment("authorizer", str(asset), 512)
    with pytest.raises(RuntimeError, match="No module named 'faker' in the layer"):
        _import_once(asset, env, "import faker")
    # A handler that calls out while it is imported is reported (the stack's handlers are checked above).
    (tmp_path / "handler.py").write_text(
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), 1)\nexcept OSError:\n    pass\n")
    probed = _import_once(tmp_path, env, "", probe=True)
    assert any("127.0.0.1" in call for call in probed["network"])


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert percentile([7.0], 99) == 7.0


def test_render_names_every_row_and_both_targets(init_report, turns_report) -> None:
    latency = {
        "prompt_bytes": 4096, "warmup": 1, "target_added_p99_ms": 10.0, "target_met": False,
        "routes": {name: {"requests": 3, "pii_share": 0.5, **{s: {f"p{q}": 1.0 for q in PERCENTILES}
                                                                for s in ("total_ms", "aws_ms", "added_ms", "pii_ms")}}
                   for name in ("authorizer", *ROUTES)},
    }
    text = render({"latency": latency, "turns": turns_report, "init": init_report})
    for name in ("authorizer", *ROUTES, *(spec.name for spec in SPECS)):
        assert f"\n{name} " in text
    assert "target added latency p99 < 10 ms" in text and "NOT met" in text
    assert "target init < 300 ms per function" in text
    assert "\nseen " in text and "\nall new " in text and "Chat, turn 3 of a conversation" in text
