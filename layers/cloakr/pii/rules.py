"""Tenant custom rules: untrusted regexes compiled with RE2 (linear time), capped in number and size.

Rule formats (as in the seed SDK):
``{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\\\d{6}", "replacement": "[EMPLOYEE]"}``,
``{"type": "email", "domains": ["corp.example"]}`` (only e-mails in these domains),
``{"type": "phone", "country_codes": ["+1"]}`` (only phone numbers with these country codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import re2

from cloakr.pii.context import TextIndex
from cloakr.pii.model import Finding

MAX_RULES = 50
MAX_PATTERN_LENGTH = 500
MAX_PROGRAM_MEMORY = 8 << 20
# RE2 is linear in the text, but its cost per character grows with the compiled program once the DFA runs out of
# states (large counted repetitions such as "[a-z0-9]{1,1000}"): fifty such rules took 27 s over 8 KB. Capping the
# program keeps a worst-case rule near 35 ms per MB; ordinary rules ("EMP-\d{6}", an e-mail shape) are 10 to 50.
MAX_PROGRAM_SIZE = 1000
MAX_TOTAL_PROGRAM_SIZE = 10_000
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


class RuleError(ValueError):
    """A tenant rule cannot be used; the message says which rule and why (fit for a 400 response)."""


@dataclass(frozen=True)
class CustomPatternRule:
    name: str
    regex: Any
    replacement: str | None

    @property
    def entity_types(self) -> frozenset[str]:
        return frozenset({self.name})

    def find(self, text: str, cues: TextIndex | None = None) -> Iterator[Finding]:
        for match in self.regex.finditer(text):
            if match.end() > match.start():
                yield Finding(self.name, match.start(), match.end(), 0.99, True, f"rule:{self.name}")


@dataclass(frozen=True)
class RuleSet:
    patterns: tuple[CustomPatternRule, ...] = ()
    email_domains: frozenset[str] | None = None
    phone_country_codes: frozenset[int] | None = None
    replacements: dict[str, str] = field(default_factory=dict)


def compile_rules(rules: Sequence[dict[str, Any]] | None) -> RuleSet:
    rules = list(rules or [])
    if len(rules) > MAX_RULES:
        raise RuleError(f"at most {MAX_RULES} rules are allowed, got {len(rules)}")
    patterns: list[CustomPatternRule] = []
    domains: set[str] | None = None
    codes: set[int] | None = None
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict):
            raise RuleError(f"{where}: must be an object")
        kind = rule.get("type")
        if kind == "custom_pattern":
            patterns.append(_custom(where, rule))
        elif kind == "email":
            values = rule.get("domains")
            if not isinstance(values, list) or not values or not all(isinstance(d, str) for d in values):
                raise RuleError(f"{where}: 'domains' must be a non-empty list of domain names")
            # "@corp.example", ".corp.example" and "Corp.Example" all mean corp.example; anything that is not a
            # domain name after that is refused (a rule that matched no domain would let every e-mail through).
            cleaned = {d.strip().lower().lstrip("@").strip(".") for d in values}
            if not all(_DOMAIN.fullmatch(d) for d in cleaned):
                raise RuleError(f"{where}: 'domains' must be domain names such as \"corp.example\"")
            domains = (domains or set()) | cleaned
        elif kind == "phone":
            values = rule.get("country_codes")
            if not isinstance(values, list) or not values:
                raise RuleError(f"{where}: 'country_codes' must be a non-empty list such as [\"+1\", \"+44\"]")
            try:
                parsed = {int(str(c).lstrip("+")) for c in values}
            except ValueError:
                raise RuleError(f"{where}: 'country_codes' must be numbers such as \"+1\"") from None
            codes = (codes or set()) | parsed
        else:
            raise RuleError(f"{where}: unknown type {kind!r}; expected custom_pattern, email or phone")
    if sum(p.regex.programsize for p in patterns) > MAX_TOTAL_PROGRAM_SIZE:
        raise RuleError(f"the custom patterns are too complex together (limit {MAX_TOTAL_PROGRAM_SIZE} RE2 instructions)")
    return RuleSet(
        patterns=tuple(patterns),
        email_domains=frozenset(domains) if domains is not None else None,
        phone_country_codes=frozenset(codes) if codes is not None else None,
        replacements={p.name: p.replacement for p in patterns if p.replacement},
    )


def _custom(where: str, rule: dict[str, Any]) -> CustomPatternRule:
    name, pattern, replacement = rule.get("name"), rule.get("pattern"), rule.get("replacement")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleError(f"{where}: 'name' must be UPPER_SNAKE_CASE, 2-64 characters")
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: 'pattern' must be a non-empty string")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RuleError(f"{where}: 'pattern' is longer than {MAX_PATTERN_LENGTH} characters")
    if replacement is not None and (not isinstance(replacement, str) or len(replacement) > 64):
        raise RuleError(f"{where}: 'replacement' must be a string of at most 64 characters")
    options = re2.Options()
    options.max_mem = MAX_PROGRAM_MEMORY
    options.log_errors = False
    try:
        regex = re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RuleError(
            f"{where}: pattern is not supported ({detail}); backreferences and lookaround are not allowed"
        ) from None
    if regex.search("") is not None:
        raise RuleError(f"{where}: pattern matches the empty string")
    if regex.programsize > MAX_PROGRAM_SIZE:
        raise RuleError(f"{where}: pattern is too complex ({regex.programsize} RE2 instructions, limit {MAX_PROGRAM_SIZE}); "
                        "use smaller repetition counts")
    return CustomPatternRule(name, regex, replacement)
