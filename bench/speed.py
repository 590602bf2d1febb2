"""``make bench``: speed and memory of the Cloakr engine against Presidio, measured in the same run.

Both engines see the same 4 KB prompts, of three kinds: mixed prose (ordinary English paragraphs with two labelled
corpus samples set into each, the kind the throughput target names), prose alone (no identifiers: most prompts a
gateway sees) and dense prompts cut from the corpus itself (identifiers in every line, the stress case). Cloakr is measured over >= 5 MB; Presidio,
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


def mixed_prompts(total_bytes: int, seed: int = 5, samples_per_prompt: int = 2) -> list[str]:
    """4 KB prompts of ordinary prose (Faker's English sentences) with two corpus samples set into each: the
    "mixed prose" the issue's throughput target names. The dense corpus prompts above are the stress case; with no
    samples, prose without identifiers, the common case for a gateway."""
    import random

    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    samples = [s.text for s in generate(600, seed)] if samples_per_prompt else []
    out: list[str] = []
    size = 0
    while size < total_bytes:
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < PROMPT_BYTES:
            parts.append(fake.paragraph(nb_sentences=rng.randint(3, 8)))
        for sample in rng.sample(samples, samples_per_prompt):
            parts.insert(rng.randrange(len(parts)), sample)
        text = "\n\n".join(parts)[:PROMPT_BYTES]
        out.append(text)
        size += len(text.encode())
    return out


def warm_up_texts() -> list[str]:
    """One corpus sample of every shape, and of every hard negative: detecting them compiles every pattern that
    compiles on first use and loads the libphonenumber metadata they need. That is start-up (measured on its own),
    not speed: without it the first HL7 message or PEM key of a run pays a few milliseconds, which shows as p99."""
    seen: dict[str, str] = {}
    for sample in generate(2000):
        seen.setdefault(sample.shape or sample.negative, sample.text)
    return list(seen.values())


def measure(detect, texts: list[str], warm: list[str] | None = None) -> dict:
    for text in [*texts[:5], *(warm or [])]:  # warm-up: see ``warm_up_texts``
        detect(text)
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


# The targets: throughput on mixed prose (absolute and against Presidio), 4 KB latency, start-up, memory.
TARGET_MB_S = 20.0
TARGET_P99_MS = 1.0
TARGET_STARTUP_S = 0.150
TARGET_RSS_MB = 100.0
TEXT_SETS = ("mixed", "prose", "dense")


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
    warm = warm_up_texts()
    make = {"mixed": mixed_prompts, "prose": lambda total: mixed_prompts(total, samples_per_prompt=0), "dense": prompts}
    results: dict = {}
    for text_set in TEXT_SETS:
        cloakr = measure(engine.detect, make[text_set](int(args.cloakr_mb * 1e6)), warm)
        other = measure(lambda t: presidio.analyze(t, language="en"), make[text_set](int(args.presidio_kb * 1e3)), warm)
        results[text_set] = {"cloakr": cloakr, "presidio": other, "throughput_x": cloakr["mb_per_s"] / other["mb_per_s"],
                             "p99_latency_x": other["p99_ms"] / cloakr["p99_ms"]}
    for name in ("cloakr", "presidio"):
        results[name] = {"startup_s": subprocess_seconds(_STARTUP[name]), "peak_rss_mb": peak_rss_mb(name)}
    mixed = results["mixed"]
    results["targets"] = {
        "mixed_mb_per_s": (mixed["cloakr"]["mb_per_s"], TARGET_MB_S, mixed["cloakr"]["mb_per_s"] >= TARGET_MB_S),
        "mixed_throughput_x": (mixed["throughput_x"], TARGET_RATIO, mixed["throughput_x"] >= TARGET_RATIO),
        "p99_ms_4kb": (mixed["cloakr"]["p99_ms"], TARGET_P99_MS, mixed["cloakr"]["p99_ms"] <= TARGET_P99_MS),
        "startup_s": (results["cloakr"]["startup_s"], TARGET_STARTUP_S, results["cloakr"]["startup_s"] <= TARGET_STARTUP_S),
        "peak_rss_mb": (results["cloakr"]["peak_rss_mb"], TARGET_RSS_MB, results["cloakr"]["peak_rss_mb"] <= TARGET_RSS_MB),
    }
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        return 0
    print(f"{'':18} {'MB/s':>9} {'p50 ms':>9} {'p99 ms':>9}   (4 KB prompts)")
    for text_set in TEXT_SETS:
        for name in ("cloakr", "presidio"):
            r = results[text_set][name]
            print(f"{text_set + ' ' + name:18} {r['mb_per_s']:9.3f} {r['p50_ms']:9.3f} {r['p99_ms']:9.3f}")
        x = results[text_set]
        print(f"{text_set + ' ratio':18} {x['throughput_x']:8.0f}x {'':9} {x['p99_latency_x']:8.0f}x")
    print(f"\n{'':18} {'start s':>9} {'+RSS MB':>9}")
    for name in ("cloakr", "presidio"):
        print(f"{name:18} {results[name]['startup_s']:9.3f} {results[name]['peak_rss_mb']:9.1f}")
    print("\ntargets (Cloakr; throughput and latency on mixed prose):")
    for key, (value, target, met) in results["targets"].items():
        print(f"  {key:20} {value:10.3f}  target {target:>8}  {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
