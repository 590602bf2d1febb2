"""Adversarial input check (``make verify``): detection time must grow linearly with input size.

Each family of inputs below targets a way a regex or a scanner can go super-linear (long runs of what a pattern
nearly matches, separators between digits, look-alike e-mail and URL fragments, capitalised runs for the name
scanner, invisible characters for the Unicode shadow). For each family the engine runs on sizes up to the request
body limit, and the slope of log(time) against log(size) is fitted: 1.0 is linear. A slope above ``MAX_SLOPE``
fails the run. This is a benchmark, not a unit test: it measures time, which unit tests must not.

    python -m bench.redos [--max-kb 1024] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Callable

from cloakr.constants import MAX_BODY_BYTES
from cloakr.pii import PIIEngine

MAX_SLOPE = 1.3
FAMILIES: dict[str, Callable[[int], str]] = {
    "digit run": lambda n: "1" * n,
    "spaced digits": lambda n: "1 " * (n // 2),
    "dashed digits": lambda n: "12-" * (n // 3),
    "letters": lambda n: "a" * n,
    "at signs": lambda n: "a@" * (n // 2),
    "dotted words": lambda n: "ab." * (n // 3),
    "url path": lambda n: "http://a" + "/a" * (n // 2),
    "capitalised run": lambda n: "Ab " * (n // 3),
    "salutation run": lambda n: "Dear Ab " * (n // 8),
    "address-like": lambda n: "12 Main Street " * (n // 15),
    "hex run": lambda n: "a1" * (n // 2),
    "base64 run": lambda n: "Ab9+" * (n // 4),
    "colons": lambda n: "1:" * (n // 2),
    "zero-width digits": lambda n: "1\u200b" * (n // 2),
    "full-width digits": lambda n: "\uff11" * n,
    "cue words": lambda n: "passport number " * (n // 16),
}


def _time(engine: PIIEngine, text: str, repeat: int = 2) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        engine.detect(text)
        best = min(best, time.perf_counter() - started)
    return best


def slope(sizes: list[int], seconds: list[float]) -> float:
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-6)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def run(max_bytes: int) -> list[dict[str, object]]:
    engine = PIIEngine()
    engine.detect("warm up 4111 1111 1111 1111 jane@example.com")
    sizes = [max_bytes // 16, max_bytes // 4, max_bytes]
    results = []
    for name, make in FAMILIES.items():
        seconds = [_time(engine, make(size)) for size in sizes]
        fitted = slope(sizes, seconds)
        results.append({"family": name, "sizes": sizes, "seconds": [round(s, 4) for s in seconds],
                        "slope": round(fitted, 2), "mb_per_s": round(sizes[-1] / seconds[-1] / 1e6, 2), "ok": fitted <= MAX_SLOPE})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-kb", type=int, default=MAX_BODY_BYTES // 1024, help="largest input (default: the body limit)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.max_kb * 1024)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'family':<20} {'slope':>6} {'MB/s':>7}  seconds at {', '.join(str(s // 1024) + ' KB' for s in results[0]['sizes'])}")
        for r in results:
            print(f"{r['family']:<20} {r['slope']:>6} {r['mb_per_s']:>7}  {r['seconds']}{'' if r['ok'] else '  <-- super-linear'}")
    failed = [r["family"] for r in results if not r["ok"]]
    if failed:
        print(f"super-linear (slope > {MAX_SLOPE}): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
