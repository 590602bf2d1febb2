"""``PIIEngine``: detection, overlap resolution and the five redaction modes.

Fails closed: any error inside detection raises ``DetectionError``; callers must not forward the text then.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Iterable, Sequence

from cloakr.pii.context import TextIndex
from cloakr.pii.entities import ALL_ENTITY_TYPES, ENTITY_TYPES
from cloakr.pii.model import Finding, Recognizer
from cloakr.pii.normalize import Shadow
from cloakr.pii.regions import region_defaults
from cloakr.pii.rules import compile_rules
from cloakr.pii.spans import first_disjoint
from cloakr.pii.tokens import TokenMap, normalise

MODES = ("replace", "mask", "hash", "tokenize", "remove")
# Texts whose findings are kept per engine and scope (``PIIEngine.detect``'s ``scope``), for all engines of the
# process together: a chat client resends the whole history every turn, so a conversation's earlier messages are
# detected once, not once per turn. An entry is a digest and a few offsets (some hundred bytes).
MEMO_ENTRIES = 4096
# (engine serial, scope, digest of the text) -> its findings. Only digests and offsets are kept, never a text; a
# scope is one conversation, so nothing learnt from one conversation's texts (not even that a text was seen: a
# faster answer) reaches another. Engines are numbered, not keyed by id(): a new engine may reuse a freed id.
_MEMO: dict[tuple[int, str, bytes], tuple[Finding, ...]] = {}
_SERIALS = itertools.count()


class DetectionError(RuntimeError):
    """Detection failed; the text must be treated as unsafe (fail closed). The message never holds input text."""


@dataclass
class RedactionResult:
    text: str
    findings: list[Finding]
    token_map: TokenMap | None = None
    counts: dict[str, int] = field(default_factory=dict)


def resolve_overlaps(findings: Iterable[Finding], text: str | None = None) -> list[Finding]:
    """Disjoint findings that together cover everything any finding covered.

    Of overlapping findings the best is kept: validated, then higher score, longer, earlier, then type name. Nothing
    a finding covered may stay in clear because a better one overlapped it: a finding lying strictly inside another
    (a phone number inside an e-mail address, an e-mail inside a URL) gives way to the one around it, and the rest of
    a finding that a better one overlaps on one side (the addressee's name at the head of an address) is kept as a
    finding of its own type. With ``text``, such a rest is trimmed of spaces and punctuation and dropped when
    nothing else is left. An empty finding covers nothing and is dropped.

    Whether a finding is kept, and what rest of it stays, depends only on the findings it is chained to by overlaps:
    the findings are cut, in order of start, into groups no later finding overlaps, and only groups of two or more
    are ranked (``_resolve_group``). Most findings overlap nothing, and ranking costs some 12,000 instructions a
    finding (two sorts by Python keys, the disjoint pick, the rests): 8% of the engine's work on a dense form.
    """
    out: list[Finding] = []
    group: list[Finding] = []
    reach = -1  # the furthest end in ``group``: a finding starting there or later overlaps none of it
    for f in sorted(findings, key=_START):
        if f.end <= f.start:
            continue  # an empty span covers nothing
        if f.start >= reach and group:
            if len(group) == 1:
                out.append(group[0])
            else:
                out += _resolve_group(group, text)
            group = []
        group.append(f)
        if f.end > reach:
            reach = f.end
    if len(group) == 1:
        out.append(group[0])
    elif group:
        out += _resolve_group(group, text)
    return out


_START = attrgetter("start", "end")


def _resolve_group(findings: list[Finding], text: str | None) -> list[Finding]:
    """``resolve_overlaps`` for findings that no finding outside them overlaps, sorted by (start, end)."""
    ranked = sorted(_outermost(findings), key=lambda f: (not f.validated, -f.score, -(f.end - f.start), f.start, f.type))
    kept = first_disjoint(ranked)
    chosen = set(map(id, kept))
    rests = _uncovered_parts([f for f in ranked if id(f) not in chosen], kept, text)
    return sorted([*kept, *rests], key=lambda f: (f.start, f.end))


def _outermost(findings: Iterable[Finding]) -> list[Finding]:
    """The findings not lying strictly inside another (starting after its start and ending before its end)."""
    by_start = sorted(findings, key=lambda f: (f.start, -f.end))
    out: list[Finding] = []
    reach = -1  # the furthest end of findings starting before the current start
    group_reach, group_start = -1, None
    for f in by_start:
        if f.start != group_start:
            reach, group_start = max(reach, group_reach), f.start
        if reach <= f.end:
            out.append(f)
        group_reach = max(group_reach, f.end)
    return out


def _uncovered_parts(dropped: list[Finding], kept: list[Finding], text: str | None) -> list[Finding]:
    """For each dropped finding (best first), the stretches of it that no kept finding or earlier rest covers."""
    starts = sorted(f.start for f in kept)
    ends = [e for _, e in sorted((f.start, f.end) for f in kept)]
    rests: list[Finding] = []
    for f in dropped:
        i = max(0, bisect.bisect_right(starts, f.start) - 1)
        cursor, gaps = f.start, []
        while i < len(starts) and starts[i] < f.end:
            if starts[i] > cursor:
                gaps.append((cursor, starts[i]))
            cursor = max(cursor, ends[i])
            i += 1
        if cursor < f.end:
            gaps.append((cursor, f.end))
        for lo, hi in gaps:
            if text is not None:
                while lo < hi and not text[lo].isalnum():
                    lo += 1
                while hi > lo and not text[hi - 1].isalnum():
                    hi -= 1
            if lo >= hi:
                continue
            rest = Finding(f.type, lo, hi, f.score, f.validated, f.source)
            at = bisect.bisect_left(starts, lo)
            starts.insert(at, lo)
            ends.insert(at, hi)
            rests.append(rest)
    return rests


class PIIEngine:
    def __init__(
        self,
        region: Any = None,
        entities: Sequence[str] | None = None,
        rules: Sequence[dict[str, Any]] | None = None,
        min_score: float = 0.5,
        hash_key: bytes | None = None,
        comprehend_client: Any = None,
    ) -> None:
        country, local = region_defaults(region)
        if entities is None:
            enabled = set(ALL_ENTITY_TYPES)
        else:
            unknown = [e for e in entities if e not in ENTITY_TYPES]
            if unknown:
                raise ValueError(f"unknown entity types: {', '.join(sorted(unknown))}")
            enabled = set(entities) | set(local)
        self.country = country
        self.entities = frozenset(enabled)
        self.min_score = min_score
        self.hash_key = hash_key
        self.rules = compile_rules(rules)
        from cloakr.pii.recognizers import build_recognizers

        self._recognizers: list[Recognizer] = [*build_recognizers(country, self.entities), *self.rules.patterns]
        if comprehend_client is not None:
            from cloakr.pii.comprehend import ComprehendRecognizer

            self._recognizers.append(ComprehendRecognizer(comprehend_client))
        self._serial = next(_SERIALS)  # this engine's part of the memo

    def detect(self, text: str, scope: str | None = None) -> list[Finding]:
        """The findings in ``text``. With ``scope`` (a conversation's id), an identical text detected before in the
        same scope by this engine gets the same findings again without being scanned: findings depend only on the
        engine and the text. A failed detection is never kept (fail closed)."""
        if scope is None:
            return self._detect(text)
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        key = (self._serial, scope, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest())
        found = _MEMO.get(key)
        if found is None:
            found = tuple(self._detect(text))
            while len(_MEMO) >= MEMO_ENTRIES:  # a loop: an eviction another thread made fail is made up for here
                try:
                    del _MEMO[next(iter(_MEMO))]  # the oldest entry
                except (KeyError, RuntimeError, StopIteration):
                    break  # another thread changed the memo meanwhile; the next insertion evicts again
            _MEMO[key] = found
        return list(found)

    def _detect(self, text: str) -> list[Finding]:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        try:
            shadow = Shadow(text)
            cues = TextIndex(shadow.text)
            found: list[Finding] = []
            moved = shadow.text is not text  # offsets in the matching copy differ from the caller's
            for recognizer in self._recognizers:
                for f in recognizer.find(shadow.text, cues):
                    if f.score < self.min_score or (f.type not in self.entities and f.type in ENTITY_TYPES):
                        continue
                    if not self._allowed_by_rules(shadow.text, f):
                        continue
                    if moved:
                        start, end = shadow.span(f.start, f.end)
                        f = Finding(f.type, start, end, f.score, f.validated, f.source)
                    found.append(f)
        except DetectionError:
            raise
        except Exception as exc:  # noqa: BLE001 - any recognizer failure must fail closed, without the text
            raise DetectionError(f"detection failed in the PII engine ({type(exc).__name__})") from None
        return resolve_overlaps(found, text)

    def _allowed_by_rules(self, text: str, finding: Finding) -> bool:
        if finding.type == "EMAIL" and self.rules.email_domains is not None:
            domain = text[finding.start:finding.end].rsplit("@", 1)[-1].lower()
            return any(domain == d or domain.endswith("." + d) for d in self.rules.email_domains)
        if finding.type == "PHONE" and self.rules.phone_country_codes is not None:
            import phonenumbers

            try:
                number = phonenumbers.parse(text[finding.start:finding.end], self.country)
            except phonenumbers.NumberParseException:
                return False
            return number.country_code in self.rules.phone_country_codes
        return True

    def redact(
        self,
        text: str,
        mode: str = "replace",
        token_map: TokenMap | None = None,
        mask_keep: int | None = None,
        findings: list[Finding] | None = None,
        scope: str | None = None,
    ) -> RedactionResult:
        """``text`` with its findings (``findings``, or ``detect(text, scope)``) replaced as ``mode`` says."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if mode == "hash" and not self.hash_key:
            raise ValueError("mode 'hash' needs a per-tenant hash_key")
        if mode == "tokenize" and token_map is None:
            token_map = TokenMap()
        if token_map is not None and mode == "tokenize":
            token_map.reserve(text)  # once per text, before any placeholder is chosen
        findings = self.detect(text, scope) if findings is None else findings
        out: list[str] = []
        cursor = 0
        counts: dict[str, int] = {}
        for f in findings:
            value = text[f.start:f.end]
            before = text[cursor:f.start]
            substitute = self._substitute(f.type, value, mode, token_map, mask_keep)
            if mode == "remove" and before.endswith((" ", "\t")) and text[f.end:f.end + 1] in (" ", "\t", ""):
                # Only the gap a removed value leaves closes up ("mail jane@x.com now" -> "mail now"); all other
                # spacing (indentation, tables) is the caller's and stays.
                before = before.rstrip(" \t")
            out.append(before)
            out.append(substitute)
            cursor = f.end
            counts[f.type] = counts.get(f.type, 0) + 1
        out.append(text[cursor:])
        redacted = "".join(out)
        return RedactionResult(redacted, findings, token_map if mode == "tokenize" else None, counts)

    def _substitute(self, entity_type: str, value: str, mode: str, token_map: TokenMap | None, mask_keep: int | None) -> str:
        if entity_type in self.rules.replacements and mode == "replace":
            return self.rules.replacements[entity_type]
        if mode == "replace":
            return f"[{entity_type}]"
        if mode == "remove":
            return ""
        if mode == "hash":
            # Keyed on the normalised value, as placeholders are: "4111 1111 ..." and "4111111111111111" are one card.
            digest = hmac.new(self.hash_key or b"", f"{entity_type}:{normalise(entity_type, value, self.country)}".encode(), hashlib.sha256).hexdigest()
            return f"[{entity_type}:{digest[:12]}]"
        if mode == "tokenize":
            assert token_map is not None
            return token_map.placeholder(entity_type, value, country=self.country)
        keep = mask_keep if mask_keep is not None else (ENTITY_TYPES[entity_type].mask_keep_last if entity_type in ENTITY_TYPES else 0)
        return mask(value, keep)


def mask(value: str, keep: int) -> str:
    """Star every letter and digit but the last ``keep`` ones; separators stay so the shape is recognisable. The
    last characters show only when at least as many stay hidden (a 16-digit card shows 4; a 4-digit PIN, a short
    name or e-mail shows none)."""
    alnum_positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    if len(alnum_positions) < 2 * keep:
        keep = 0
    hidden = set(alnum_positions[: max(0, len(alnum_positions) - keep)])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(value))
