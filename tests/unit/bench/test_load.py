"""The load driver itself: a short run against the in-process gateway gives a complete report with no errors,
its answer checks catch wrong answers, and the growth verdict tells a leak from noise."""

from __future__ import annotations

import os

import httpx
import pytest

from bench import load as bench_load
from bench.load import ROUTES, growth, render, run_load, summarize

PROMPTS = [
    "Please mail jane.doe@example.com about invoice 4711.",
    "Patient John Smith, born 12/03/1984, called from +44 20 7946 0958.",
    "Deploy build 2.14.3 to staging; no customer data in this one.",
]


def test_short_run_reports_every_route_without_errors(local_gateway) -> None:
    load = run_load(local_gateway.base_url, local_gateway.admin_key, duration=3, concurrency=2,
                    rss_pid=os.getpid(), texts=PROMPTS)
    report = summarize(load)

    assert report["errors"] == 0, report["error_kinds"]
    assert report["error_rate"] == 0.0
    assert report["requests"] == sum(route["requests"] for route in report["routes"].values()) > 0
    assert set(report["routes"]) == set(ROUTES) == {"redact", "chat", "chat_stream"}
    for name, route in report["routes"].items():
        if route["requests"]:
            assert 0 < route["p50_ms"] <= route["p95_ms"] <= route["p99_ms"], (name, route)
    assert report["concurrency"] == 2 and report["duration_s"] >= 3
    rss = report["rss"]
    assert rss["series"] and all(mb > 0 for _, mb in rss["series"])
    assert rss["verdict"] in {"flat", "growing"} or rss["verdict"].startswith("unknown")
    text = render(report)
    assert "req/s" in text and "chat_stream" in text and "Gateway RSS" in text


def test_a_reply_that_does_not_restore_the_prompt_is_an_error(local_gateway, monkeypatch) -> None:
    """A 200 with the wrong content must count: that is how a vault mix-up under concurrency would show."""
    path, body, _ = ROUTES["chat"]
    monkeypatch.setitem(ROUTES, "chat", (path, lambda prompt: body("something else entirely"), ROUTES["chat"][2]))
    with httpx.Client(base_url=local_gateway.base_url, headers={"Authorization": f"Bearer {local_gateway.admin_key}"}) as client:
        result = bench_load._call(client, "chat", PROMPTS[0], 0.0)
    assert result.error == "echo reply does not restore the prompt that was sent"


def test_wrong_key_counts_every_request_as_an_http_error(local_gateway) -> None:
    report = summarize(run_load(local_gateway.base_url, "ck_not_a_key", duration=1, concurrency=1, texts=PROMPTS))
    assert report["requests"] > 0 and report["errors"] == report["requests"]
    assert set(report["error_kinds"]) == {"HTTP 401 unauthorized"}


def test_growth_verdict_separates_a_steady_leak_from_noise() -> None:
    times = [float(t) for t in range(60)]
    leak = [(t, 100 + 0.1 * t) for t in times]  # 3 MB over the second half
    noisy = [(t, 100 + (0.5 if int(t) % 2 else -0.5)) for t in times]
    assert growth(leak, times)["verdict"] == "growing"
    assert growth(leak, times)["second_half_slope_mb_per_min"] == pytest.approx(6.0)
    assert growth(noisy, times)["verdict"] == "flat"
    assert growth([], [])["verdict"].startswith("unknown")
    assert growth(leak[:4], times)["verdict"].startswith("unknown")


def test_subprocess_gateway_reads_its_banner_and_is_killed_on_exit() -> None:
    with bench_load.Gateway() as gateway:
        assert gateway.alive() and gateway.url.startswith("http://127.0.0.1:") and gateway.api_key.startswith("ck_")
        assert httpx.get(f"{gateway.url}/v1/health").status_code == 200
        process = gateway.process
    assert process is not None and process.poll() is not None
