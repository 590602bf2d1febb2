"""Load and soak the local gateway: sustained requests/s, latency per route, error rate and the gateway's memory.

Starts ``python -m cloakr.local`` in a subprocess (loopback only, moto backend in that process), reads the admin key
from its banner and drives it with N concurrent clients sending a seeded mix of corpus prompts: ``POST /v1/redact``,
``POST /v1/chat/completions`` with ``cloakr-echo`` (whole answer and streamed). Every answer is checked, not just
its status: an echo reply must give back the prompt that was sent, so a placeholder restored from another
request's vault under concurrency counts as an error. The gateway's RSS is sampled throughout; a least-squares
slope over the second half of the run (after warm-up) is compared with its own noise for the growth verdict.

    python -m bench.load --duration 60 --concurrency 8     # make load
    python -m bench.load --soak --json                      # 10 minutes (make verify)

The run stops by itself; the gateway is killed on exit, Ctrl+C included. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx
from cloakr.local import stop_on_sigterm

from bench.corpus import generate

SOAK_SECONDS = 600
ECHO_MODEL = "cloakr-echo"
#: Share of each route in the mix: redaction-only callers and chat callers, some of them streaming.
MIX = {"redact": 5, "chat": 3, "chat_stream": 2}
PROMPT_SAMPLES = 300
PROMPT_SEED = 23
REQUEST_TIMEOUT_S = 60.0
GATEWAY_START_TIMEOUT_S = 120.0
#: A second-half slope counts as growth only if it is this many standard errors above zero...
GROWTH_SIGMAS = 3.0
#: ...and adds at least this much over the second half (smaller drifts are allocator noise, not a leak).
GROWTH_FLOOR_MB = 2.0
MIN_RSS_SAMPLES = 6


@dataclass
class Result:
    route: str
    at_s: float  # when it was sent, seconds since the run started
    latency_ms: float
    error: str | None = None


@dataclass
class Load:
    """What the clients saw plus the RSS samples, turned into the report by :func:`summarize`."""

    duration_s: float
    concurrency: int
    results: list[Result] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)


class CheckFailed(Exception):
    """The gateway answered 2xx but not what the request should have produced."""


def _check_redact(response: httpx.Response, prompt: str) -> None:
    body = response.json()
    if not isinstance(body.get("text"), str) or "findings" not in body:
        raise CheckFailed("redact answer without text/findings")


def _echo_reply(answer: str, prompt: str) -> None:
    if prompt not in answer:
        raise CheckFailed("echo reply does not restore the prompt that was sent")


def _check_chat(response: httpx.Response, prompt: str) -> None:
    _echo_reply(response.json()["choices"][0]["message"]["content"] or "", prompt)


def _check_stream(response: httpx.Response, prompt: str) -> None:
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        raise CheckFailed("stream answer is not text/event-stream")
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    if not events or events[-1] != "[DONE]":
        raise CheckFailed("stream does not end with [DONE]")
    chunks = [json.loads(event) for event in events[:-1]]
    _echo_reply("".join(c["choices"][0]["delta"].get("content") or "" for c in chunks), prompt)


def _chat_body(prompt: str, stream: bool) -> dict[str, Any]:
    return {"model": ECHO_MODEL, "messages": [{"role": "user", "content": prompt}], "stream": stream}


#: route -> (path, request body for a prompt, answer check)
ROUTES: dict[str, tuple[str, Callable[[str], dict[str, Any]], Callable[[httpx.Response, str], None]]] = {
    "redact": ("/v1/redact", lambda prompt: {"text": prompt}, _check_redact),
    "chat": ("/v1/chat/completions", lambda prompt: _chat_body(prompt, False), _check_chat),
    "chat_stream": ("/v1/chat/completions", lambda prompt: _chat_body(prompt, True), _check_stream),
}


def prompts() -> list[str]:
    """Realistic prompts: the seeded benchmark corpus (PII-bearing shapes and hard negatives)."""
    return [sample.text for sample in generate(PROMPT_SAMPLES, seed=PROMPT_SEED)]


def _error_code(response: httpx.Response) -> str:
    """The gateway's error code (``{"error": {"code"}}``): a fixed identifier, never part of the prompt."""
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def _call(client: httpx.Client, route: str, prompt: str, run_started: float) -> Result:
    path, body, check = ROUTES[route]
    started = time.perf_counter()
    error = None
    try:
        response = client.post(path, json=body(prompt))
        if response.status_code != 200:
            error = f"HTTP {response.status_code} {_error_code(response)}".rstrip()
        else:
            check(response, prompt)
    except CheckFailed as exc:
        error = str(exc)
    except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
        error = type(exc).__name__
    return Result(route, started - run_started, (time.perf_counter() - started) * 1000, error)


def _client_loop(base_url: str, api_key: str, texts: list[str], seed: int, stop: threading.Event, out: list[Result],
                 run_started: float) -> None:
    rng = random.Random(seed)
    routes, weights = list(MIX), list(MIX.values())
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=REQUEST_TIMEOUT_S) as client:
        while not stop.is_set():
            out.append(_call(client, rng.choices(routes, weights)[0], rng.choice(texts), run_started))


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MB (/proc on Linux, psutil elsewhere if installed), None if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil
    except ImportError:
        return None
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return None


def run_load(base_url: str, api_key: str, *, duration: float, concurrency: int, rss_pid: int | None = None,
             texts: list[str] | None = None, alive: Callable[[], bool] = lambda: True) -> Load:
    """Drive the gateway at ``base_url`` for ``duration`` seconds with ``concurrency`` clients.

    RSS of ``rss_pid`` is sampled from this thread while the clients run. ``alive`` lets the caller end the run
    early (the gateway process died). On KeyboardInterrupt the clients are stopped before it propagates.
    """
    texts = texts or prompts()
    stop = threading.Event()
    per_client: list[list[Result]] = [[] for _ in range(concurrency)]
    started = time.perf_counter()
    threads = [threading.Thread(target=_client_loop, args=(base_url, api_key, texts, seed, stop, out, started), daemon=True)
               for seed, out in enumerate(per_client)]
    load = Load(duration, concurrency)
    interval = 1.0 if duration >= 20 else 0.25
    for thread in threads:
        thread.start()
    try:
        while (elapsed := time.perf_counter() - started) < duration and alive():
            if rss_pid is not None and (rss := rss_mb(rss_pid)) is not None:
                load.rss.append((round(elapsed, 2), round(rss, 2)))
            stop.wait(min(interval, max(duration - elapsed, 0)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT_S + 5)
    load.duration_s = time.perf_counter() - started
    load.results = [result for out in per_client for result in out]
    return load


def percentile(sorted_ms: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list (no interpolation: a value that was really measured)."""
    return sorted_ms[max(0, math.ceil(share * len(sorted_ms)) - 1)]


def _route_summary(results: list[Result], duration_s: float) -> dict[str, Any]:
    latencies = sorted(r.latency_ms for r in results)
    summary: dict[str, Any] = {"requests": len(results), "errors": sum(r.error is not None for r in results),
                               "requests_per_s": round(len(results) / duration_s, 2)}
    for name, share in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        summary[name] = round(percentile(latencies, share), 1) if latencies else None
    return summary


def growth(samples: list[tuple[float, float]], sent_at: list[float]) -> dict[str, Any]:
    """Linear fit of RSS over the second half of the run: slope, its noise, and whether memory keeps growing.

    ``sent_at`` (each request's start, seconds) turns the growth into KB per request over the same window."""
    if not samples:
        return {"verdict": "unknown (no RSS samples)"}
    values = [mb for _, mb in samples]
    out: dict[str, Any] = {"samples": len(samples), "start_mb": values[0], "end_mb": values[-1], "peak_mb": max(values)}
    half = [(t, mb) for t, mb in samples if t >= samples[-1][0] / 2]
    if len(half) < MIN_RSS_SAMPLES:
        return {**out, "verdict": "unknown (too few RSS samples in the second half)"}
    ts, mbs = [t for t, _ in half], [mb for _, mb in half]
    requests_in_half = sum(ts[0] <= at <= ts[-1] for at in sent_at)
    fit = statistics.linear_regression(ts, mbs)
    residuals = [mb - (fit.intercept + fit.slope * t) for t, mb in half]
    noise = statistics.pstdev(residuals)
    spread = math.sqrt(sum((t - statistics.fmean(ts)) ** 2 for t in ts))
    stderr = noise / spread if spread else math.inf
    added = fit.slope * (ts[-1] - ts[0])
    growing = fit.slope > GROWTH_SIGMAS * stderr and added >= GROWTH_FLOOR_MB
    out.update({
        "second_half_slope_mb_per_min": round(fit.slope * 60, 3),
        "second_half_added_mb": round(added, 2),
        "noise_mb": round(noise, 3),
        "kb_per_request": round(added * 1024 / requests_in_half, 3) if requests_in_half else None,
        "verdict": "growing" if growing else "flat",
    })
    return out


def summarize(load: Load) -> dict[str, Any]:
    """The report: totals, per-route throughput and latency, error kinds (status or check, never a body), RSS."""
    results, duration = load.results, load.duration_s
    errors = [r.error for r in results if r.error is not None]
    return {
        "duration_s": round(duration, 1),
        "concurrency": load.concurrency,
        "requests": len(results),
        "requests_per_s": round(len(results) / duration, 2) if duration else 0.0,
        "errors": len(errors),
        "error_rate": round(len(errors) / len(results), 5) if results else 0.0,
        "error_kinds": dict(Counter(errors)),
        "routes": {route: _route_summary([r for r in results if r.route == route], duration) for route in ROUTES},
        "rss": {**growth(load.rss, [r.at_s for r in results]), "series": load.rss},
    }


def render(report: dict[str, Any]) -> str:
    lines = [(f"Gateway load: {report['duration_s']} s, {report['concurrency']} clients, {report['requests']} requests, "
              f"{report['requests_per_s']} req/s, errors {report['errors']} ({report['error_rate']:.2%})"),
             f"{'route':<12} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"]
    for route, s in report["routes"].items():
        lines.append(f"{route:<12} {s['requests']:>8} {s['requests_per_s']:>7} {s['p50_ms'] or '-':>8} "
                     f"{s['p95_ms'] or '-':>8} {s['p99_ms'] or '-':>8} {s['errors']:>6}")
    for kind, count in report["error_kinds"].items():
        lines.append(f"  error: {kind} x{count}")
    rss = report["rss"]
    if "start_mb" in rss:
        line = f"Gateway RSS: start {rss['start_mb']:.0f} MB, end {rss['end_mb']:.0f} MB, peak {rss['peak_mb']:.0f} MB"
        if "second_half_slope_mb_per_min" in rss:
            line += (f"; second half {rss['second_half_slope_mb_per_min']:+.2f} MB/min "
                     f"({rss['kb_per_request']} KB/request), noise {rss['noise_mb']:.2f} MB")
        lines.append(f"{line}: {rss['verdict']}")
    else:
        lines.append(f"Gateway RSS: {rss['verdict']}")
    return "\n".join(lines)


class Gateway:
    """``python -m cloakr.local`` on a free loopback port; the URL and admin key come from its banner."""

    BANNER_URL = re.compile(r" on (http://127\.0\.0\.1:\d+)")
    KEY_LINE = "admin API key (shown once):"
    BANNER_END = "Press Ctrl+C to stop."

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.api_key = ""
        self.tail: deque[str] = deque(maxlen=40)

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            # moto in its own process: the gateway's RSS is then the gateway's alone (moto keeps every stored
            # item in memory, which in AWS lives in DynamoDB, outside the function).
            [sys.executable, "-m", "cloakr.local", "--port", "0", "--separate-backend"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            self._read_banner()
        except BaseException:
            self.stop()
            raise
        # Keep draining its output (request logs) so the pipe never fills and blocks the gateway.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _read_banner(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        banner_done = threading.Event()
        watchdog = threading.Timer(GATEWAY_START_TIMEOUT_S, lambda: banner_done.is_set() or self.stop())
        watchdog.start()
        after_key_line = False
        try:
            for line in self.process.stdout:
                self.tail.append(line.rstrip())
                if match := self.BANNER_URL.search(line):
                    self.url = self.url or match.group(1)
                if after_key_line and line.strip():
                    self.api_key, after_key_line = line.strip(), False
                after_key_line = after_key_line or self.KEY_LINE in line
                if self.BANNER_END in line:
                    break
        finally:
            banner_done.set()
            watchdog.cancel()
        if not (self.url and self.api_key):
            raise RuntimeError("the local gateway did not start:\n" + "\n".join(self.tail))

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.tail.append(line.rstrip())

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--soak", action="store_true", help=f"run for {SOAK_SECONDS // 60} minutes (overrides --duration)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (with the RSS series)")
    args = parser.parse_args(argv)
    duration = SOAK_SECONDS if args.soak else args.duration
    if duration <= 0 or args.concurrency < 1:
        parser.error("--duration and --concurrency must be positive")
    # Ctrl+C and kill both end the run through the same cleanup (SIGINT too: a shell may start us with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_on_sigterm()
    texts = prompts()
    try:
        with Gateway() as gateway:
            print(f"Loading {gateway.url} for {duration:.0f} s with {args.concurrency} clients...", file=sys.stderr, flush=True)
            load = run_load(gateway.url, gateway.api_key, duration=duration, concurrency=args.concurrency,
                            rss_pid=gateway.process.pid if gateway.process else None, texts=texts, alive=gateway.alive)
            died = not gateway.alive()
            tail = "\n".join(gateway.tail)
    except KeyboardInterrupt:
        print("interrupted: gateway stopped", file=sys.stderr)
        return 130
    if died:
        print(f"the gateway exited during the run; its last output:\n{tail}", file=sys.stderr)
    report = summarize(load)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 1 if report["errors"] or died else 0


if __name__ == "__main__":
    raise SystemExit(main())
