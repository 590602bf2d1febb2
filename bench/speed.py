"""``make bench``: speed and memory of the Cloakr engine against Presidio, measured in the same run.

Both engines see the same 4 KB prompts cut from the generated corpus. Cloakr is measured over >= 5 MB; Presidio,
being far slower, over a smaller slice (figures are per MB, so the ratio is fair). Start-up (import + construct)
and peak memory are measured in fresh subprocesses so neither engine benefits from the other's imports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.corpus import generate

PROMPT_BYTES = 4096
TARGET_RATIO = 500

_STARTUP = {
    "cloakr": "from cloakr.pii import PIIEngine; e = PIIEngine(); e.detect('warm up jane@example.com')",
    "presidio": "from bench.presidio import analyzer; a = analyzer(); a.analyze('warm up jane@example.com', language='en')",
}
# Peak RSS added by importing, building and running the engine over 1,000 short prompts. Read from
# /proc/self/status (VmHWM restarts at exec; ru_maxrss would carry the parent's peak into the child).
_MEMORY = (
    "import re; kb = lambda key: int(re.search(key + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
    "texts = ['Dear Jane Smith, card 4111 1111 1111 1111, call +44 20 7946 0958, ' + str(i) for i in range(1000)]; "
    "base = kb('VmRSS'); {setup}; [{call} for t in texts]; print(kb('VmHWM') - base)"
)
_CALLS = {
    "cloakr": ("from cloakr.pii import PIIEngine; e = PIIEngine()", "e.detect(t)"),
    "presidio": ("from bench.presidio import analyzer; a = analyzer()", "a.analyze(t, language='en')"),
}


def prompts(total_bytes: int, seed: int = 11) -> list[str]:
    corpus = "\n\n".join(s.text for s in generate(3000, seed))
    out: list[str] = []
    size = 0
    while size < total_bytes:
        for start in range(0, len(corpus) - PROMPT_BYTES, PROMPT_BYTES):
            chunk = corpus[start:start + PROMPT_BYTES]
            out.append(chunk)
            size += len(chunk.encode())
            if size >= total_bytes:
                break
    return out


def measure(detect, texts: list[str]) -> dict:
    latencies = []
    total = sum(len(t.encode()) for t in texts)
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        detect(text)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "bytes": total,
        "mb_per_s": total / elapsed / 1e6,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1e3,
    }


def subprocess_seconds(code: str) -> float:
    script = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()[-1])


def peak_rss_mb(engine: str) -> float:
    setup, call = _CALLS[engine]
    out = subprocess.run([sys.executable, "-c", _MEMORY.format(setup=setup, call=call)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cloakr-mb", type=float, default=5.0)
    parser.add_argument("--presidio-kb", type=float, default=200.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from bench.presidio import analyzer
    from cloakr.pii import PIIEngine

    engine = PIIEngine()
    presidio = analyzer()
    results = {
        "cloakr": measure(engine.detect, prompts(int(args.cloakr_mb * 1e6))),
        "presidio": measure(lambda t: presidio.analyze(t, language="en"), prompts(int(args.presidio_kb * 1e3))),
    }
    for name in results:
        results[name]["startup_s"] = subprocess_seconds(_STARTUP[name])
        results[name]["peak_rss_mb"] = peak_rss_mb(name)
    ratio = results["cloakr"]["mb_per_s"] / results["presidio"]["mb_per_s"]
    results["ratios"] = {
        "throughput_x": ratio,
        "p50_latency_x": results["presidio"]["p50_ms"] / results["cloakr"]["p50_ms"],
        "p99_latency_x": results["presidio"]["p99_ms"] / results["cloakr"]["p99_ms"],
        "startup_x": results["presidio"]["startup_s"] / results["cloakr"]["startup_s"],
        "target_throughput_x": TARGET_RATIO,
        "target_met": ratio >= TARGET_RATIO,
    }
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        return 0
    print(f"{'':10} {'MB/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'start s':>9} {'+RSS MB':>9}   (4 KB prompts)")
    for name in ("cloakr", "presidio"):
        r = results[name]
        print(f"{name:10} {r['mb_per_s']:9.3f} {r['p50_ms']:9.3f} {r['p99_ms']:9.3f} {r['startup_s']:9.3f} {r['peak_rss_mb']:9.1f}")
    x = results["ratios"]
    print(f"\nCloakr vs Presidio: throughput {x['throughput_x']:.0f}x, p50 latency {x['p50_latency_x']:.0f}x, "
          f"p99 latency {x['p99_latency_x']:.0f}x, start-up {x['startup_x']:.1f}x faster")
    print(f"target {TARGET_RATIO}x throughput: {'met' if x['target_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
