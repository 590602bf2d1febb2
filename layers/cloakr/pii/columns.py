"""Pasted tables: which header names the column a value stands in.

People paste CSV exports, spreadsheet rows, Markdown tables and SQL ``INSERT`` statements. There the cue for a value
is its column's header, often many lines above it ("Geburtsdatum;SteuerID" over fifty rows), far outside the
window a cue must lie in. This module finds such tables and gives, for each column, its header and the spans of
its cells, so a header that is a cue ("dob", "nhs_number", "aadhaar_no") counts as a cue for every cell below it.

What counts as a table, so that prose with commas does not:
- a header line split by one delimiter (tab, ";", "|" or ",", the one it has most of) into at least two cells,
  each short and label-like (``_label``: starts with a letter or "#", at most ``_LABEL_MAX`` characters and three
  words, no colon, "@", "=" or quote: not a form's "Name: ..." line, a log line or code);
- followed by at least one line with exactly as many cells (quoted cells may hold the delimiter); lines with
  another count are skipped (an unquoted "Lima, Ferreira" shifts every cell after it), and the table ends at a
  line without the delimiter;
- or ``INSERT INTO t (col, ...) VALUES (...), (...)``, each tuple with as many values as columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Iterator

_DELIMITERS = "\t;|,"  # preferred in this order when a header has as many of two
_LABEL_MAX = 40
_HEADER_MAX = 2000  # characters of a header line (fifty columns): a longer line is a paragraph, not looked into
_LABEL = re.compile(r"[^\W\d_#]|#")  # a header cell's first character
_QUOTES = "\"'`"
# A header cell is a column name ("dob", "nhs_number", "Steuer-ID", "box14_income"), not a value or a "key: value"
# line or code: no colon, "@", "=" or quote, parentheses only in pairs ("DOB (YYYY-MM-DD)"), at most three digits.
_NOT_IN_LABEL = re.compile(r"[:@=\"'`]|(?:\D*\d){4}")
_SQL_START = re.compile(r"insert\s+into\b", re.IGNORECASE)
_SQL = re.compile(r"insert\s+into\s+[^\s(]{1,128}\s*\(([^()]{1,2000})\)\s*values\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    header: tuple[int, int]  # the header cell's span: no blanks or quotes around it
    cells: tuple[tuple[int, int], ...]  # each cell's content: no blanks or quotes around it


@cache
def _field(delimiter: str, closers: str = "") -> re.Pattern[str]:
    """One cell up to the next delimiter: a quoted string (doubled quotes inside) or anything but the delimiter."""
    stop = re.escape(delimiter + closers)
    blank = "[ ]*" if delimiter == "\t" else "[ \\t]*"
    return re.compile(rf"{blank}(?:\"(?:[^\"\n]|\"\")*\"|'(?:[^'\n]|'')*'|[^{stop}\n]*){blank}")


def _split(text: str, start: int, end: int, delimiter: str, closers: str = "") -> list[tuple[int, int]] | None:
    """The cells of ``text[start:end]`` as content spans; None when a quoted cell is followed by something other than
    the delimiter (not this delimiter's table)."""
    field = _field(delimiter, closers)
    cells = []
    pos = start
    while True:
        match = field.match(text, pos, end)
        cells.append(_content(text, match.start(), match.end()))
        pos = match.end()
        if pos < end and text[pos] == delimiter:
            pos += 1
            continue
        return cells if pos == end or text[pos] in closers else None


def _content(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t":
        start += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    if end - start >= 2 and text[start] in _QUOTES and text[end - 1] == text[start]:
        start, end = start + 1, end - 1
    return start, end


def _label(text: str, span: tuple[int, int]) -> bool:
    start, end = span
    if not 0 < end - start <= _LABEL_MAX or _LABEL.match(text, start) is None:
        return False
    cell = text[start:end]
    return cell.count(" ") <= 2 and cell.count("(") == cell.count(")") and _NOT_IN_LABEL.search(cell) is None


def table_at(text: str, line_start: int, sql: bool = True) -> list[Column]:
    """The columns of the table whose header is the line starting at ``line_start`` (an ``INSERT`` statement
    starting on it, or a delimited header); none when it heads no table. ``sql=False``: the caller knows the text
    holds no ``INSERT ... VALUES`` (its words lack them), so the line is not searched for one.

    Asked only for the lines where a cue stands (``TextIndex.column_cells``): a table matters only when its header
    holds a cue, and parsing at most those lines keeps a text without tables from paying for a search for them."""
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end < 0 else line_end
    if sql and (insert := _SQL_START.search(text, line_start, line_end)) is not None:
        if (statement := _SQL.match(text, insert.start())) is not None:
            return _insert(text, statement)
    if line_end - line_start > _HEADER_MAX or line_end == len(text):
        return []  # a paragraph, or a last line: no row below it
    return _delimited(text, line_start, line_end - (text[line_end - 1:line_end] == "\r"))


def inserts(text: str) -> Iterator[list[Column]]:
    """The columns of every ``INSERT ... VALUES`` statement in ``text``."""
    for statement in _SQL.finditer(text):
        yield _insert(text, statement)


def _row(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]] | None:
    """A line's cells; a Markdown row's outer pipes ("| a | b |") are not cells."""
    if delimiter == "|":
        first, last = text.find("|", start, end), text.rfind("|", start, end)
        if last > first and not text[start:first].strip() and not text[last + 1:end].strip():
            start, end = first + 1, last
    return _split(text, start, end, delimiter)


def _add(cells: list[list[tuple[int, int]]], row: list[tuple[int, int]] | None) -> None:
    """A row's non-empty cells added to their columns, if it has a cell for each column (else it is skipped: an
    unquoted delimiter inside a value shifts every cell after it)."""
    if row is not None and len(row) == len(cells):
        for column, cell in zip(cells, row):
            if cell[1] > cell[0]:
                column.append(cell)


def _delimited(text: str, start: int, end: int) -> list[Column]:
    line = text[start:end]
    if ":" in line or "@" in line or "=" in line:
        return []  # a form's "Name: ..." line, an e-mail, a key=value log line: no header (checked in C first)
    counts = [line.count(d) for d in _DELIMITERS]
    best = max(counts)
    if best == 0 or len(line) > (best + 1) * (_LABEL_MAX + 4):
        return []  # a line longer than its cells can be
    delimiter = _DELIMITERS[counts.index(best)]
    header = _row(text, start, end, delimiter)
    if header is None or len(header) < 2 or not all(_label(text, cell) for cell in header):
        return []
    cells: list[list[tuple[int, int]]] = [[] for _ in header]
    while end < len(text):
        start = text.find("\n", end) + 1
        if start == 0:
            break
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line_end = end - (text[end - 1:end] == "\r")
        if text.find(delimiter, start, line_end) < 0:
            break
        row = _row(text, start, line_end, delimiter)
        _add(cells, row)
    return [Column(span, tuple(c)) for span, c in zip(header, cells) if c]


def _insert(text: str, statement: re.Match[str]) -> list[Column]:
    names = _split(text, statement.start(1), statement.end(1), ",")
    if not names:
        return []
    cells: list[list[tuple[int, int]]] = [[] for _ in names]
    pos = statement.end()
    while pos < len(text) and text[pos] == "(":
        row = _split(text, pos + 1, len(text), ",", ")")
        if row is None:
            break
        close = text.find(")", row[-1][1])
        if close < 0:
            break
        _add(cells, row)
        pos = close + 1
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
    return [Column(span, tuple(c)) for span, c in zip(names, cells) if c]
