"""HL7 v2 messages (ADT, ORU, ORM...), read by field position: the identifiers a HIPAA tenant's prompts hold most.

An HL7 message is one segment a line ("\\r", "\\n" or both), fields split by "|" and components by "^", with no
label beside any value: ``PID|1||12345678^^^HOSP^MR||DOE^JANE^A||19800101|F|||123 MAIN ST^^SPRINGFIELD^IL^62704``.
Cues and shapes find almost none of it (the name is "DOE^JANE^A", the date of birth "19800101"), so the segments
that describe people are read by the standard's field numbers instead:

* PID (patient): 3 identifiers (medical record numbers), 5 name, 6 mother's maiden name, 7 date of birth, 9 alias,
  11 address, 13 and 14 phone numbers, 19 SSN, 20 driver's licence;
* NK1 (next of kin) and GT1 (guarantor): their names, addresses, phone numbers, GT1's date of birth and SSN;
* IN1 (insurance): the insured's name, date of birth and address, the policy number.

Each repetition ("~") of a field is one finding covering its components, so "[NAME]" replaces "DOE^JANE^A" whole.
The component separator is the message's own (MSH-2), "^" when there is no MSH segment; the field separator is "|"
(MSH-1 may name another, which the standard advises against: such messages are not read).
"""

from __future__ import annotations

import re
from typing import Iterator

from cloakr.pii.context import TextIndex
from cloakr.pii.model import Finding

_MRN, _NAME, _DOB, _ADDRESS, _PHONE = "MEDICAL_RECORD_NUMBER", "NAME", "DATE_OF_BIRTH", "ADDRESS", "PHONE"
# Segment id -> {field number: entity type} (HL7 v2.5 field numbers; a segment's id is field 0).
_FIELDS: dict[str, dict[int, str]] = {
    "PID": {2: _MRN, 3: _MRN, 4: _MRN, 5: _NAME, 6: _NAME, 7: _DOB, 9: _NAME, 11: _ADDRESS, 13: _PHONE, 14: _PHONE,
            19: "US_SOCIAL_SECURITY_NUMBER", 20: "DRIVER_ID"},
    "NK1": {2: _NAME, 4: _ADDRESS, 5: _PHONE, 6: _PHONE, 30: _NAME, 31: _PHONE, 32: _ADDRESS},
    "GT1": {3: _NAME, 4: _NAME, 5: _ADDRESS, 6: _PHONE, 7: _PHONE, 8: _DOB, 12: "US_SOCIAL_SECURITY_NUMBER"},
    "IN1": {16: _NAME, 18: _DOB, 19: _ADDRESS, 36: _MRN},
}
# A segment that describes a person, at the start of the text or of a line; "MSH" sets the component separator.
_SEGMENT = re.compile(r"(?:^|(?<=[\r\n]))(PID|NK1|GT1|IN1)(?=\|)", re.MULTILINE)
_MSH = re.compile(r"(?:^|(?<=[\r\n]))MSH\|(.)")
_LINE_BREAK = re.compile(r"[\r\n]")
_SCORE = 0.9


class Hl7Recognizer:
    name = "hl7"
    entity_types = frozenset(t for fields in _FIELDS.values() for t in fields.values())

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        if "|" not in text or not any(segment in text for segment in _FIELDS):
            return  # most texts: one scan at memchr speed (a three-letter search costs some thirty times more)
        header = _MSH.search(text)
        component_sep = header.group(1) if header is not None else "^"
        for segment in _SEGMENT.finditer(text):
            line_end = _line_end(text, segment.end())
            yield from self._fields(text, segment.group(1), segment.end(), line_end, component_sep)

    def _fields(self, text: str, segment: str, start: int, end: int, component_sep: str) -> Iterator[Finding]:
        wanted = _FIELDS[segment]
        last = max(wanted)
        number, pos = 0, start  # ``pos`` is at the separator before field ``number + 1``
        while pos < end and number < last:
            number += 1
            value_start = pos + 1
            pos = text.find("|", value_start, end)
            if pos < 0:
                pos = end
            entity = wanted.get(number)
            if entity is not None:
                yield from _repetitions(text, value_start, pos, entity, component_sep, self.name)


def _repetitions(text: str, start: int, end: int, entity: str, component_sep: str, source: str) -> Iterator[Finding]:
    """One finding per repetition ("~") of a field, trimmed of the empty components at its ends."""
    at = start
    while at <= end:
        stop = text.find("~", at, end)
        stop = end if stop < 0 else stop
        lo, hi = at, stop
        while lo < hi and (text[lo] == component_sep or text[lo].isspace()):
            lo += 1
        while hi > lo and (text[hi - 1] == component_sep or text[hi - 1].isspace()):
            hi -= 1
        if hi > lo and any(ch.isalnum() for ch in text[lo:hi]):
            yield Finding(entity, lo, hi, _SCORE, False, source)
        at = stop + 1


def _line_end(text: str, pos: int) -> int:
    """Where the segment at ``pos`` ends. A search for the first of either break, not a ``find`` of each: a message
    whose lines end in "\n" alone would have every segment read the rest of the text in search of a "\r"."""
    end = _LINE_BREAK.search(text, pos)
    return end.start() if end else len(text)
