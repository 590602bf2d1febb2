"""Whole-word context cues near a match, the evidence that turns a bare number into an identifier.

Cues are matched as whole words or phrases (``\\bdl\\b``, never the ``lic`` inside ``duplicate``: a Presidio false
positive), in a window before the value and a shorter one after it.

A regular-expression alternation of a hundred cue phrases costs about a second per megabyte in ``re`` (it is tried
at every position). ``TextIndex`` finds each phrase's first word with ``str.find`` on a lower-cased copy (memchr
speed) and confirms the whole phrase with the same regex only where that word occurs, once per text, shared by
every recognizer. Recognizers then ask it for cue positions instead of scanning the text themselves.

In a pasted table (CSV, TSV, Markdown, an SQL ``INSERT``) the cue is the column's header, often far above the value:
a cue in a header cell also counts for every cell of its column (``columns``; ``TextIndex.column_cells``).
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache, lru_cache, partial

from cloakr.pii.columns import Column, table_at
from cloakr.pii.normalize import latin1_bytes, occurrences  # noqa: F401 - occurrences: the recognizers import it from here

# The year birth dates and ages are judged against (a process runs for days, not years).
THIS_YEAR = date.today().year
BEFORE = 48
AFTER = 24
# Characters a cue after a value may not lie beyond, for the table's rows: in "passport 914786437, ITIN 908-71-9484"
# the ITIN cue names the value after the comma, not the one before it.
AFTER_STOPS = ",;\n"
# A cue after a value that is itself a label ("CIF 84471293 Registered Mobile: ...", "DL number:") names the value
# after it.
_LABELS_NEXT = re.compile(r"(?:[ \t]*[^\W\d_][\w.]*){0,2}[ \t]*:")
# Digit rows (``PatternSpec.digit``) have their first digit at most this far into the match ("ABCDE1234F").
DIGIT_LEAD = 8
# A run of digits with the text up to the next digit when that is near: one window per cluster, not per digit.
_DIGIT_CLUSTER = re.compile(r"\d(?:\D{0,16}\d)*")
# The same spans, possessively (a run of non-digits can only be followed by a digit or not: backing off into it never
# helps), with ASCII digits for texts whose only decimal digits are ASCII ones: 0.42M instead of 1.03M instructions
# on a 4 KB form.
_DIGIT_CLUSTER_ASCII = re.compile(r"[0-9](?:[^0-9]{0,16}+[0-9]++)*+")
_CLUSTER_JOIN = 16  # the \D{0,16} above: digits this close (non-digits between) are one cluster
# Every ASCII digit byte as "0", every other byte as a space.
_DIGIT_MARKS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_FEW_DIGITS = 200  # above this many digits one regex pass is cheaper than a str.find per digit
_DIGIT_CLUSTER_GAP = 48  # windows this close are scanned as one: fewer scans for a little more text
# When digit windows cover more than this share of a text (tables, logs, forms), one pass over the whole text
# (sre's C loop) is cheaper than a Python-level scan per window.
_DENSE_SHARE = 0.5
# A run of ASCII letters, the unit the cue regexes' boundaries ``(?<![a-z0-9])`` / ``(?![a-z])`` delimit; heads
# with other characters ("a/c", "ss#", "numéro") are searched for directly.
_WORD = re.compile(r"[a-z]+")
# Every byte but the ASCII lower-case letters, as a space: a lower-cased text encoded with "?" for each non-ASCII
# character and translated through this splits on whitespace into exactly ``_WORD``'s runs (``word_set``).
_LETTERS_ONLY = bytes(b if 0x61 <= b <= 0x7A else 0x20 for b in range(256))
# Characters that sre's case-insensitive matching equates with ASCII letters although they are not lower-case
# ASCII themselves: dotless i, dotted I, long s, Kelvin sign, Angstrom sign and the "st" ligatures.
_FOLDS_TO_ASCII = frozenset("\u0131\u0130\u017f\u212a\u212b\ufb05\ufb06")


def word_set(lower: str) -> frozenset[str]:
    """The maximal runs of ASCII letters of a lower-cased text: ``frozenset(_WORD.findall(lower))`` in half the time
    (encoding, a 256-byte table and ``split`` all run in C, without a regex step per character). ``TextIndex.words``
    for a text with an index; the same set for a recognizer asked without one."""
    return frozenset(lower.encode("ascii", "replace").translate(_LETTERS_ONLY).decode("ascii").split())


def _has_fold(text: str, raw: bytes | None) -> bool:
    """One of ``_FOLDS_TO_ASCII`` in ``text``, whose Latin-1 bytes are ``raw`` (``latin1_bytes``). They all lie
    above U+00FF, so a text with Latin-1 bytes has none; only other texts pay for a look at every character."""
    return raw is None and not _FOLDS_TO_ASCII.isdisjoint(text)


@lru_cache(maxsize=None)
def cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c).replace(r"\ ", r"[\s_-]*") for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _bare_pattern(cue: str) -> re.Pattern[str]:
    """One cue, ended by anything but a letter. A cue right against a digit still counts when the value starts
    there ("DOB01/02/1990"), which is how ``has_cue`` treats the end of its search window; whether a digit follows
    is recorded separately (``_BOUNDARY``). A cue that runs on into a longer word ("aba" in "abab") never counts
    (``has_cue`` would count it when its window happens to cut the word: an artifact, not a cue). A cue that ends in
    a sign ("ss#", "dea#") has ended: "ss#Dear" holds it."""
    bare = cue_pattern((cue,)).pattern[: -len("(?![a-z0-9])")]
    return re.compile(bare + "(?![a-z])" if cue[-1].isalnum() else bare, re.IGNORECASE)


_BOUNDARY = re.compile(r"(?![a-z0-9])", re.IGNORECASE)


@cache
def _head_kinds(cues: tuple[str, ...]) -> tuple[dict[str, frozenset[str]], tuple[tuple[str, str | None], ...]]:
    """The first words that are plain ASCII words, by each run of the text that can open one of their phrases, and
    the other first words, each with the run of ASCII letters it starts with (None when it starts with another
    character).

    A phrase's words may stand glued (``cue_pattern`` allows no separator between them: "accountNumber",
    "dateOfBirth" in JSON keys), so a phrase "account number" opens on the run "account" or on the run
    "accountnumber": each concatenation of its first words that is still plain letters is such a run."""
    glued: dict[str, set[str]] = {}
    others = []
    for cue in cues:
        words = cue.lower().split(" ")
        head = words[0]
        if not _WORD.fullmatch(head):
            run = _WORD.match(head)
            others.append((head, run.group() if run else None))
            continue
        opening = ""
        for word in words:
            if not _WORD.fullmatch(word):
                # A word with other characters ("santé"): glued on, its leading letters end the run ("cartesant").
                letters = _WORD.match(word)
                if letters:
                    glued.setdefault(opening + letters.group(), set()).add(head)
                break
            opening += word
            glued.setdefault(opening, set()).add(head)
    return {run: frozenset(heads) for run, heads in glued.items()}, tuple(sorted(set(others)))


@cache
def _cues_by_head(cues: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    by_head: dict[str, list[str]] = {}
    for cue in cues:
        by_head.setdefault(cue.lower().split(" ", 1)[0], []).append(cue)
    return {head: tuple(group) for head, group in by_head.items()}


_NO_SPANS: tuple[list[int], list[int], list[bool]] = ([], [], [])


class TextIndex:
    """Where cue phrases, literal anchors and digits occur in one text, each computed on first use and kept for
    the other recognizers: the engine builds one per text and every recognizer asks it before scanning."""

    __slots__ = ("_cells", "_clusters", "_digit_windows", "_heads", "_spans", "_tables", "_words", "exhaustive", "latin1",
                 "lower", "text")

    def __init__(self, text: str, exhaustive: bool = False) -> None:
        """``exhaustive``: no shortcuts (every regex over the whole text, cues by regex), the reference the fast
        paths are tested against."""
        self.text = text
        self.exhaustive = exhaustive
        lower = text.lower()
        # Computed once for the fold check, the digit clusters and the name scan (``latin1_bytes``).
        self.latin1 = latin1_bytes(text)
        # A few characters lower-case to two (U+0130), and ``re.IGNORECASE`` lets a few non-ASCII letters match
        # ASCII ones (U+017F long s matches "s", U+212A Kelvin matches "k"): for such texts the regexes do all.
        exact = not exhaustive and len(lower) == len(text) and not _has_fold(text, self.latin1)
        self.lower: str | None = lower if exact else None
        # Per cue set: starts, ends, and whether each occurrence is followed by a word boundary.
        self._spans: dict[tuple[str, ...], tuple[list[int], list[int], list[bool]]] = {}
        self._clusters: list[tuple[int, int]] | None = None
        # Per lead: the windows, or None where they would cover most of the text (one whole-text pass is cheaper).
        self._digit_windows: dict[int, list[tuple[int, int]] | None] = {}
        self._heads: dict[str, list[int]] = {}
        self._words: frozenset[str] | None = None
        # Per cue set: the cells of the table columns its cues head; per line start: the table that line heads.
        self._cells: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        self._tables: dict[int, list[Column]] = {}

    def spans(self, cues: tuple[str, ...]) -> tuple[list[int], list[int], list[bool]]:
        """Starts, ends and whether a word boundary follows, for every cue occurrence, sorted by start."""
        found = self._spans.get(cues)
        if found is None:
            found = self._spans[cues] = self._find(cues)
        return found

    def absent(self, cues: tuple[str, ...]) -> bool:
        """No cue of ``cues`` can occur in the text: no run that opens one of their phrases is a word of it (the
        checks ``_find`` starts with, without its lists and sets: most texts, short strings above all, hold no cue of
        most rows). Never said without an exact lower-cased copy (which an exhaustive index has not)."""
        if self.lower is None:
            return False
        openings, other_heads = _head_kinds(cues)
        words = self.words()
        if not words.isdisjoint(openings):
            return False
        for head, run in other_heads:
            if self._may_hold(head, run, words):
                return False
        return True

    def _may_hold(self, head: str, run: str | None, words: frozenset[str]) -> bool:
        """Whether a first word with other characters than ASCII letters is worth searching the text for. One that
        starts with letters ("cvc2", "a/c", "ss#") matches only after a non-alphanumeric character (the cue regex's
        lookbehind), so its letters there are a whole word of the text, followed by the head's next character, not a
        letter: a head whose letters the text lacks is not searched for (a multi-character ``str.find`` pass costs
        about as much as ten memchr ones). One without leading letters ("आधार") is searched for as it is, where the
        text can hold its characters."""
        return run in words if run is not None else self.latin1 is None or max(head) <= "\xff"

    def _find(self, cues: tuple[str, ...]) -> tuple[list[int], list[int], list[bool]]:
        # Every cue on its own, not the alternation: where "cvc2" stands, "cvc" does too, and only the shorter may
        # fit the window before a value (``has_cue`` searches up to the value, where an alternation backs off).
        found: set[tuple[int, int]] = set()
        if self.lower is None:
            for cue in cues:
                found.update(m.span() for m in _bare_pattern(cue).finditer(self.text))
        else:
            by_head = _cues_by_head(cues)
            # Heads that are words are looked up in the text's word set (one C-level set operation), by the runs
            # that can open their phrases ("account", or "accountnumber" glued); only those present, and the heads
            # with other characters that may occur (``_may_hold``), are searched for.
            openings, other_heads = _head_kinds(cues)
            words = self.words()
            present = {head for run in words.intersection(openings) for head in openings[run]}
            present.update(head for head, run in other_heads if self._may_hold(head, run, words))
            for head in sorted(present):
                for at in self._occurrences(head):
                    for cue in by_head[head]:
                        match = _bare_pattern(cue).match(self.text, at)
                        if match:
                            found.add(match.span())
        if not found:
            return _NO_SPANS
        matches = sorted(found)
        text = self.text
        return [s for s, _ in matches], [e for _, e in matches], [bool(_BOUNDARY.match(text, e)) for _, e in matches]

    def words(self) -> frozenset[str]:
        """The text's maximal runs of ASCII letters, lower-cased: a literal that starts and ends such a run (a cue
        word, a token's first word) occurs in the text only if it is one of them. Only for a text with an exact
        lower-cased copy."""
        assert self.lower is not None
        if self._words is None:
            self._words = word_set(self.lower)
        return self._words

    def _occurrences(self, head: str) -> list[int]:
        """Where a cue's first word or an anchor occurs, shared by every cue set and row that has it."""
        assert self.lower is not None
        hits = self._heads.get(head)
        if hits is None:
            hits = self._heads[head] = occurrences(self.lower, head)
        return hits

    def near(self, start: int, end: int, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER, stops: str = "") -> bool:
        """A cue ends within ``before`` characters ahead of ``start``, or begins within ``after`` after ``end`` and
        before any of ``stops``; or the value fills a table cell whose column header holds a cue."""
        if not cues:
            return False
        starts, ends, bounded = self.spans(cues)
        if not starts:
            return False
        return self._near(start, end, starts, ends, bounded, before, after, stops) or _in_cell(self.column_cells(cues), start, end)

    def column_cells(self, cues: tuple[str, ...]) -> list[tuple[int, int]]:
        """The cells, sorted, of every pasted table's column (``columns``) whose header holds one of ``cues``."""
        cells = self._cells.get(cues)
        if cells is None:
            starts, ends, _ = self.spans(cues)
            cells = self._cells[cues] = header_cells(self.text, zip(starts, ends), self.table_at)
        return cells

    def table_at(self, line_start: int) -> list[Column]:
        """``columns.table_at``, once per line: the names recognizer and the cue sets share it."""
        table = self._tables.get(line_start)
        if table is None:
            words = self.words() if self.lower is not None else None
            sql = words is None or ("insert" in words and "values" in words)
            table = self._tables[line_start] = table_at(self.text, line_start, sql)
        return table

    def _near(self, start: int, end: int, starts: list[int], ends: list[int], bounded: list[bool], before: int, after: int,
              stops: str) -> bool:
        # Before the value: a cue lying wholly inside [start - before, start], a whole word unless it ends there.
        i = bisect.bisect_left(starts, start - before)
        while i < len(starts) and starts[i] < start:
            if ends[i] == start or (ends[i] < start and bounded[i]):
                return True
            i += 1
        # After the value: a cue lying wholly inside [end, end + after], a whole word unless it ends at the limit; with
        # a stop there, wholly before the stop (a word: a stop is no letter).
        i = bisect.bisect_left(starts, end)
        if i == len(starts) or starts[i] >= end + after:
            return False
        limit = _after_limit(self.text, end, after, stops) if stops else end + after
        while i < len(starts) and starts[i] < limit:
            if (ends[i] == limit or (ends[i] < limit and bounded[i])) and not _LABELS_NEXT.match(self.text, ends[i]):
                return True
            i += 1
        return False

    def windows(self, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER, reach: int = 0) -> list[tuple[int, int]] | None:
        """Merged stretches of text where a value with one of these cues could start.

        A value of at most ``reach`` characters cued from before starts in ``[cue end, cue start + before]``; one
        cued from after starts in ``[cue end - after - reach, cue start]``.
        """
        if self.exhaustive:
            return None
        starts, ends, _ = self.spans(cues)
        windows = [(e - after - reach, s + before) for s, e in zip(starts, ends)]
        if starts:
            windows.extend(self.column_cells(cues))
        return _merge(sorted(windows))

    def anchor_windows(self, anchors: tuple[str, ...], reach: int, shape: str | None = None) -> list[tuple[int, int]] | None:
        """Where a match that contains one of these lower-case literals, at most ``reach`` characters after its
        start, can start; with ``shape``, only occurrences where that regex matches (a literal such as ":" is in
        every form, the shape around it, "hex:hex:", is rare; ``str.find`` then a match at each is some twenty
        times cheaper than a regex search of the whole text). None (scan everything) when the text has no exact
        lower-cased copy."""
        if self.lower is None:
            return None
        confirm = _compiled(shape).match if shape is not None else None
        spans: list[tuple[int, int]] = []
        for anchor in anchors:
            for at in self._occurrences(anchor):
                if confirm is None or confirm(self.text, at):
                    spans.append((at - reach, at))
        return _merge(sorted(spans))

    def digitless(self) -> bool:
        """The text holds no decimal digit (never said of an exhaustive index: the reference takes no shortcut)."""
        if self.exhaustive:
            return False
        if self._clusters is None:
            self._clusters = _digit_clusters(self.text, self.latin1)
        return not self._clusters

    def digit_windows(self, lead: int = DIGIT_LEAD) -> list[tuple[int, int]] | None:
        """Where a match whose first digit lies at most ``lead`` characters after its start can start."""
        if self.exhaustive:
            return None
        if lead not in self._digit_windows:
            if self._clusters is None:
                self._clusters = _digit_clusters(self.text, self.latin1)
            windows = _merge([(start - lead, end) for start, end in self._clusters], _DIGIT_CLUSTER_GAP)
            dense = sum(hi - lo for lo, hi in windows) > len(self.text) * _DENSE_SHARE
            self._digit_windows[lead] = None if dense else windows
        return self._digit_windows[lead]


# What may follow a cue in a header that names another thing's id ("call_id", "contact id" hold no phone numbers).
_ID_TAIL = re.compile(r"[\s_-]*ids?", re.IGNORECASE)


def header_cells(text: str, cues: Iterable[tuple[int, int]], tables: Callable[[int], list[Column]]) -> list[tuple[int, int]]:
    """The cells, sorted, of every column whose header cell holds one of the cue occurrences ``cues`` (start, end);
    ``tables(line_start)`` is the table a line heads (only lines holding a cue are parsed)."""
    cells: set[tuple[int, int]] = set()
    for start, end in cues:
        for column in tables(text.rfind("\n", 0, start) + 1):
            if column.header[0] <= start and end <= column.header[1] and not _ID_TAIL.fullmatch(text, end, column.header[1]):
                cells.update(column.cells)
    return sorted(cells)


def _in_cell(cells: list[tuple[int, int]], start: int, end: int) -> bool:
    """``[start, end)`` lies inside one of the sorted ``cells`` (the last one starting at or before ``start``: a table's
    cells are disjoint)."""
    i = bisect.bisect_right(cells, (start, sys.maxsize)) - 1
    return i >= 0 and cells[i][0] <= start and end <= cells[i][1]


def _digit_clusters(text: str, raw: bytes | None) -> list[tuple[int, int]]:
    """The spans ``_DIGIT_CLUSTER`` matches; ``raw`` is the text's Latin-1 bytes (``latin1_bytes``). Prose has few
    digits: in a copy with every digit as "0" (a byte translation, which also counts them at C speed, where ten
    ``str.count`` passes cost 0.2M instructions on a 4 KB text), ``bytes.find`` (memchr) steps from digit to digit
    faster than sre tests every character."""
    if raw is None:
        return [m.span() for m in _DIGIT_CLUSTER.finditer(text)]
    # Latin-1 has no decimal digits beyond the ASCII ones (``str.isdecimal``).
    marks = raw.translate(_DIGIT_MARKS)
    if marks.count(48) > _FEW_DIGITS:
        return [m.span() for m in _DIGIT_CLUSTER_ASCII.finditer(text)]
    clusters: list[tuple[int, int]] = []
    at = marks.find(48)
    while at >= 0:
        if clusters and at - clusters[-1][1] <= _CLUSTER_JOIN:
            clusters[-1] = (clusters[-1][0], at + 1)
        else:
            clusters.append((at, at + 1))
        at = marks.find(48, at + 1)
    return clusters


def _merge(spans: list[tuple[int, int]], gap: int = 0) -> list[tuple[int, int]]:
    """Sorted windows merged when they overlap or lie closer than ``gap`` (fewer, longer scans)."""
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        lo = max(0, lo)
        if merged and lo <= merged[-1][1] + gap:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The positions in both of two sorted lists of disjoint windows (each ``(lo, hi)``, both ends included)."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _after_limit(text: str, end: int, after: int, stops: str) -> int:
    """Where the window for cues after a value ending at ``end`` ends: ``after`` characters on, or at the first of
    ``stops`` before that."""
    limit = end + after
    for stop in stops:
        at = text.find(stop, end, limit)
        if at >= 0:
            limit = at
    return limit


def has_cue(text: str, start: int, end: int, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER, stops: str = "") -> bool:
    """The plain definition: one regex search on each side of the value. ``TextIndex.near`` answers the same from
    its index (tests/unit/pii/test_scanning.py compares them); this stays as the reference."""
    if not cues:
        return False
    pattern = cue_pattern(cues)
    if pattern.search(text, max(0, start - before), start):
        return True
    occurrences = sorted({m.span() for cue in cues for m in _bare_pattern(cue).finditer(text)})
    if _in_cell(header_cells(text, occurrences, partial(table_at, text)), start, end):
        return True
    limit, pos = _after_limit(text, end, after, stops), end
    while (cue := pattern.search(text, pos, limit)) is not None:
        if not _LABELS_NEXT.match(text, cue.end()):
            return True
        pos = cue.start() + 1
    return False
