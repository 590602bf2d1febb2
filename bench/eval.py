"""``make eval``: accuracy of the PII engine on the generated corpus.

Matching rule: a finding matches a gold entity when the types are equal and the character overlap is at least
half of the longer of the two spans. Reports per-type precision/recall/F1, typed micro F1, untyped detection
recall, the leak rate (gold entities less than 90% covered by the union of *any* findings: what would reach the
model) and false positives on each hard-negative kind, on the generated corpus and on the hand-written holdout
(``bench.holdout``: texts the engine was not tuned on). ``--compare-presidio`` scores Presidio the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from bench import holdout
from bench.corpus import Sample, generate

Detector = Callable[[str], list[tuple[str, int, int]]]
LEAK_COVERAGE = 0.9


@dataclass
class Score:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    covered: int = 0
    leaked: int = 0
    gold: int = 0
    negative_fp: Counter = field(default_factory=Counter)
    negative_total: Counter = field(default_factory=Counter)

    def micro(self) -> tuple[float, float, float]:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return _prf(tp, fp, fn)

    def per_type(self) -> dict[str, tuple[float, float, float, int]]:
        types = set(self.tp) | set(self.fp) | set(self.fn)
        return {t: (*_prf(self.tp[t], self.fp[t], self.fn[t]), self.tp[t] + self.fn[t]) for t in sorted(types)}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def matches(gold: tuple[str, int, int], found: tuple[str, int, int]) -> bool:
    if gold[0] != found[0]:
        return False
    overlap = min(gold[2], found[2]) - max(gold[1], found[1])
    return overlap > 0 and overlap >= 0.5 * max(gold[2] - gold[1], found[2] - found[1])


def coverage(gold: tuple[str, int, int], found: Iterable[tuple[str, int, int]]) -> float:
    chars = set()
    for _, s, e in found:
        chars.update(range(max(s, gold[1]), min(e, gold[2])))
    return len(chars) / max(1, gold[2] - gold[1])


def score(corpus: list[Sample], detect: Detector) -> Score:
    result = Score()
    for sample in corpus:
        found = detect(sample.text)
        if sample.negative:
            result.negative_total[sample.negative] += 1
            if found:
                result.negative_fp[sample.negative] += 1
        used: set[int] = set()
        for gold in sample.spans:
            gold = tuple(gold)
            result.gold += 1
            if coverage(gold, found) >= LEAK_COVERAGE:
                result.covered += 1
            else:
                result.leaked += 1
            hit = next((i for i, f in enumerate(found) if i not in used and matches(gold, f)), None)
            if hit is None:
                result.fn[gold[0]] += 1
            else:
                used.add(hit)
                result.tp[gold[0]] += 1
        for i, f in enumerate(found):
            if i not in used:
                result.fp[f[0]] += 1
    return result


def cloakr_detector() -> Detector:
    from cloakr.pii import PIIEngine

    engine = PIIEngine()
    return lambda text: [(f.type, f.start, f.end) for f in engine.detect(text)]


def presidio_detector() -> Detector:
    from bench.presidio import analyzer, to_cloakr_type

    engine = analyzer()
    return lambda text: [(to_cloakr_type(r.entity_type), r.start, r.end) for r in engine.analyze(text, language="en")]


def report(name: str, s: Score) -> dict:
    p, r, f1 = s.micro()
    return {
        "engine": name, "precision": p, "recall": r, "f1": f1,
        "leak_rate": s.leaked / max(1, s.gold), "gold_entities": s.gold,
        "per_type": {t: {"precision": v[0], "recall": v[1], "f1": v[2], "support": v[3]} for t, v in s.per_type().items()},
        "hard_negative_false_positive_rate": {k: s.negative_fp[k] / s.negative_total[k] for k in sorted(s.negative_total)},
    }


def print_report(data: dict) -> None:
    print(f"\n== {data['engine']} ==  typed micro P {data['precision']:.3f}  R {data['recall']:.3f}  F1 {data['f1']:.3f}  "
          f"leak rate {data['leak_rate']:.3%} of {data['gold_entities']} entities")
    print(f"{'type':42} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}")
    for t, v in data["per_type"].items():
        print(f"{t:42} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:6d}")
    print("hard negatives (share of samples with any finding):")
    for k, v in data["hard_negative_false_positive_rate"].items():
        print(f"  {k:20} {v:6.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the PII engine on the generated corpus.")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare-presidio", action="store_true")
    parser.add_argument("--no-holdout", action="store_true", help="score the generated corpus only, not the hand-written holdouts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sets = [("generated corpus", generate(args.samples, args.seed))]
    if not args.no_holdout:
        sets.append(("first hand-written holdout", holdout.load()))
        sets.append(("second hand-written holdout", holdout.load(holdout.SECOND_DIR)))
        sets.append(("third hand-written holdout", holdout.load(holdout.THIRD_DIR)))
        sets.append(("fourth hand-written holdout", holdout.load(holdout.FOURTH_DIR)))
        sets.append(("fifth hand-written holdout", holdout.load(holdout.FIFTH_DIR)))
    detectors = [("cloakr", cloakr_detector())]
    if args.compare_presidio:
        detectors.append(("presidio (pattern recognizers)", presidio_detector()))
    results = [report(f"{name} on the {label}", score(samples, detect)) for label, samples in sets for name, detect in detectors]
    if args.json:
        json.dump(results, sys.stdout, indent=1)
    else:
        for data in results:
            print_report(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
