"""A hand-written labelled set the engine was not tuned on: the second figure of ``make eval``.

The generated corpus (``bench.corpus``) is the team's own, and the engine was tuned while looking at it. The files in
``bench/holdout/`` were written by authors who did not see the engine, its tests or the generator (one file per
scope: the United States, the UK/Germany/Canada, India/Singapore), as people paste text into a chat assistant:
clinical notes, tax letters, payment disputes, German payslips, logs with secrets, casual chat, and hard negatives.

Each line is ``{"id", "text", "entities": [{"type", "value"}], "negative"}``. A value is labelled wherever it occurs
in the text; where one listed value lies inside another's occurrence (a first name inside the full name), the longer
one holds the span. Spans are computed here, so an author never counts characters. An age is labelled as its number
(``AGE_NUMBER``), as the generated corpus labels it: where an author wrote "58 Y" or "63 years", the span is "58", "63";
a name is labelled without its title ("Dr. Samuel Brennan" is "Samuel Brennan"). A value counts only where it is not
part of a longer word or number ("Ray" is not in "Array").

Five sets, each by three authors who saw neither the engine nor the other sets:
- ``bench/holdout/*.jsonl`` (the first, 2026-12-07): blind when first scored; the engine has since been tuned on its
  misses, so it is now a regression figure;
- ``bench/holdout/second/*.jsonl`` (the second, written later the same day from a new brief: HR and insurance forms,
  CRM and SQL exports, call transcripts, multilingual EU mail, Indian KYC, Singapore HDB forms...): scored blind
  before any change it could inform, then tuned on in turn (docs/benchmarks.md has both figures);
- ``bench/holdout/third/*.jsonl`` (the third, 2026-12-07, sixth session, from a brief asking for other shapes again:
  Slack and Jira threads, git trailers, Kubernetes and .env files, calendar invites and vCards, boarding passes,
  veterinary and school records, OCR'd scans, spoken and spelled-out numbers, lists of first names): scored blind
  first, then tuned on;
- ``bench/holdout/fourth/*.jsonl`` (the fourth, 2026-12-07, eighth session, from a brief asking for tenancy and
  mortgage papers, CVs, prescriptions and lab reports, order and returns mail, support transcripts, pasted Markdown
  and TSV tables, JSON bodies and stack traces, server logs, WhatsApp threads, minutes, police and accident reports,
  utility bills, family trees, translation requests and code around sample records, with names in many shapes and
  hard negatives that hold no personal data at all): each author checked every checksum with a script of their own;
  scored blind while that session's changes, made on the third set, were measured on it, and not tuned on there;
- ``bench/holdout/fifth/*.jsonl`` (the fifth, 2026-12-07, ninth session, from a brief asking for insurance claims,
  school records, travel and visa papers, bank disputes, discharge summaries, HR and payroll, court filings, OCR'd
  forms, mail headers, CSV and fixed-width exports, calendar invites, Slack and Jira threads, config files, call
  transcripts, profiles, obituaries and membership lists, with names from many cultures and names that are also
  words): each author checked every checksum with a script of their own; scored blind while the ninth session's
  changes, made on the fourth set, were measured on it.

Corrections after the authors handed the files over, each because a value broke its own published rule (not because
the engine missed it): four Aadhaar numbers of the first set's ``apac.jsonl`` had a wrong Verhoeff digit (checked
against an independent implementation of the standard tables) and got the right one; one Steuer-ID of the second
set's ``eu.jsonl`` (``64 440 593 189``) repeated a digit three times in a row, which no issued Steuer-ID does, and
became ``64 405 493 189``. Nine Aadhaar numbers of the third set's ``apac.jsonl`` were computed with a Verhoeff
permutation table whose fifth row was wrong (``9 4 5 3 1 2 7 6 8 0``; the row is the first applied four times, ``9 4 5
3 1 2 6 8 7 0``) and got the right check digit; its hard negatives' look-alikes were left as written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.corpus import Sample

HOLDOUT_DIR = Path(__file__).parent / "holdout"
SECOND_DIR = HOLDOUT_DIR / "second"
THIRD_DIR = HOLDOUT_DIR / "third"
FOURTH_DIR = HOLDOUT_DIR / "fourth"
FIFTH_DIR = HOLDOUT_DIR / "fifth"
AGE_NUMBER = re.compile(r"\d+")
TITLE = re.compile(r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Sir|Herr|Frau|Shri|Smt|Sri|Mme|M|Fr|Rev)\.?\s+)+")


class HoldoutError(ValueError):
    """A line of a holdout file is not usable (bad JSON, a value that is not in its text)."""


def spans(text: str, entities: list[dict[str, str]]) -> list[tuple[str, int, int]]:
    """Every occurrence of every value, longest values first, none overlapping one already placed."""
    placed: list[tuple[str, int, int]] = []
    for entity in sorted(entities, key=lambda e: -len(e["value"])):
        value, start = entity["value"], 0
        while (start := text.find(value, start)) >= 0:
            end = start + len(value)
            if _whole(text, start, end) and all(end <= s or start >= e for _, s, e in placed):
                placed.append(_narrowed(text, entity["type"], start, end))
                start = end
            else:
                start += 1
    return sorted(placed, key=lambda span: span[1])


def _whole(text: str, start: int, end: int) -> bool:
    """Not part of a longer word or number: "Ray" in "Array" and an age "7" in "2017" are not the value."""
    glued = (start > 0 and text[start - 1].isalnum() and text[start].isalnum()) or (
        end < len(text) and text[end].isalnum() and text[end - 1].isalnum())
    return not glued


def _narrowed(text: str, entity_type: str, start: int, end: int) -> tuple[str, int, int]:
    """The span as the corpus labels it: an age's number, a name without its title (a title names no one)."""
    if entity_type == "AGE" and (number := AGE_NUMBER.search(text, start, end)):
        return "AGE", number.start(), number.end()
    if entity_type == "NAME" and (title := TITLE.match(text, start, end)) and title.end() < end:
        return "NAME", title.end(), end
    return entity_type, start, end


def parse(line: str, where: str) -> Sample:
    try:
        data = json.loads(line)
        text, entities = data["text"], data.get("entities", [])
    except (ValueError, KeyError, TypeError) as exc:
        raise HoldoutError(f"{where}: not a holdout line ({exc})") from None
    missing = [e["value"] for e in entities if e["value"] not in text]
    if missing:
        raise HoldoutError(f"{where} ({data.get('id')}): {len(missing)} labelled value(s) do not occur in the text")
    negative = "holdout" if data.get("negative") else ""
    if negative and entities:
        raise HoldoutError(f"{where} ({data.get('id')}): a hard negative lists entities")
    return Sample(text=text, spans=spans(text, entities), shape=str(data.get("id", "")).split("-")[0], negative=negative)


def load(directory: Path = HOLDOUT_DIR) -> list[Sample]:
    """Every sample of every ``*.jsonl`` file, in file and line order."""
    samples = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                samples.append(parse(line, f"{path.name}:{number}"))
    return samples
