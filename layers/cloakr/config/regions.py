"""Per-region configuration, one TOML file per region under ``regions/``.

The same loader serves the CDK app (at synth time, where a bad file must fail the synth with a message
naming the file and the field) and the runtime (the stack passes the parsed config to every function as
JSON, so Lambda never reads files it was not given).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from cloakr.pii.entities import ENTITY_TYPES

COMPLIANCE_FRAMEWORKS = frozenset({"SOC2", "HIPAA", "GDPR", "UK_GDPR", "PCI_DSS", "DPDP", "PDPA", "CCPA"})
#: Frameworks whose controls require an AWS Backup plan for the tables, on top of point-in-time recovery.
FRAMEWORKS_REQUIRING_BACKUP = frozenset({"HIPAA", "PCI_DSS"})
#: How far a request may travel: only within the region, within a geography (Bedrock us./eu./apac.
#: inference profiles) or anywhere (global profiles, non-regional endpoints).
ROUTINGS = ("in-region", "geo", "global")
PROVIDERS = frozenset({"bedrock", "openai", "echo"})
DIGEST_PERIODS = frozenset({"hour", "day"})

_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


class RegionConfigError(ValueError):
    """A region file is wrong; the message names the file and the field so the fix is obvious."""

    def __init__(self, source: str, field_name: str, problem: str) -> None:
        super().__init__(f"{source}: field '{field_name}': {problem}")
        self.source = source
        self.field_name = field_name


@dataclass(frozen=True)
class ModelRoute:
    """A model id callers may name, and where the gateway sends it."""

    id: str
    provider: str
    routing: str
    #: The provider's own model id when it differs from the public id (e.g. a Bedrock inference profile).
    upstream_id: str = ""


@dataclass(frozen=True)
class RegionConfig:
    region: str
    display_name: str
    compliance_frameworks: tuple[str, ...]
    default_country: str
    local_entities: tuple[str, ...]
    allowed_routings: tuple[str, ...]
    models: tuple[ModelRoute, ...]
    audit_retention_days: int
    digest_period: str
    waf_rate_limit: int
    max_body_bytes: int
    alarm_email: str
    source: str = field(default="", compare=False)

    @property
    def backup_required(self) -> bool:
        return bool(FRAMEWORKS_REQUIRING_BACKUP & set(self.compliance_frameworks))

    @property
    def default_entities(self) -> frozenset[str]:
        """Global types plus this region's local identifiers; other regions' local ids stay off by default."""
        return frozenset(n for n, e in ENTITY_TYPES.items() if not e.regions) | frozenset(self.local_entities)

    def model(self, model_id: str) -> ModelRoute | None:
        return next((m for m in self.models if m.id == model_id), None)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("source")
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = "environment") -> "RegionConfig":
        return parse_region(json.loads(text), source)


def _get(data: Mapping[str, Any], dotted: str, source: str, kind: type, default: Any = ...) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if default is ...:
                raise RegionConfigError(source, dotted, "is required")
            return default
        node = node[part]
    if kind is int and isinstance(node, bool) or not isinstance(node, kind):
        raise RegionConfigError(source, dotted, f"must be of type {kind.__name__}, got {type(node).__name__}")
    return node


def _str_list(data: Mapping[str, Any], dotted: str, source: str, allowed: frozenset[str] | tuple[str, ...] | None,
              default: Any = ...) -> tuple[str, ...]:
    values = _get(data, dotted, source, list, default)
    for v in values:
        if not isinstance(v, str):
            raise RegionConfigError(source, dotted, f"must be a list of strings, found {v!r}")
        if allowed is not None and v not in allowed:
            raise RegionConfigError(source, dotted, f"unknown value {v!r}; allowed: {', '.join(sorted(allowed))}")
    if len(set(values)) != len(values):
        raise RegionConfigError(source, dotted, "contains duplicates")
    return tuple(values)


def _int_in(data: Mapping[str, Any], dotted: str, source: str, low: int, high: int) -> int:
    value = _get(data, dotted, source, int)
    if not low <= value <= high:
        raise RegionConfigError(source, dotted, f"must be between {low} and {high}, got {value}")
    return value


def _models(data: Mapping[str, Any], source: str) -> tuple[ModelRoute, ...]:
    raw = _get(data, "models", source, list)
    seen: set[str] = set()
    routes = []
    for i, item in enumerate(raw):
        where = f"models[{i}]"
        if not isinstance(item, Mapping):
            raise RegionConfigError(source, where, "must be a table")
        unknown = set(item) - {"id", "provider", "routing", "upstream_id"}
        if unknown:
            raise RegionConfigError(source, f"{where}.{sorted(unknown)[0]}", "unknown field")
        model_id = _get(item, "id", f"{source} {where}", str)
        provider = _get(item, "provider", f"{source} {where}", str)
        routing = _get(item, "routing", f"{source} {where}", str)
        if provider not in PROVIDERS:
            raise RegionConfigError(source, f"{where}.provider", f"unknown provider {provider!r}")
        if routing not in ROUTINGS:
            raise RegionConfigError(source, f"{where}.routing", f"unknown routing {routing!r}")
        if model_id in seen:
            raise RegionConfigError(source, f"{where}.id", f"duplicate model id {model_id!r}")
        seen.add(model_id)
        routes.append(ModelRoute(model_id, provider, routing, str(item.get("upstream_id", ""))))
    return tuple(routes)


def parse_region(data: Mapping[str, Any], source: str) -> RegionConfig:
    """Validate one region's settings; every error names ``source`` and the offending field."""
    known = {"region", "display_name", "compliance", "detection", "routing", "models", "audit", "waf", "alarms"}
    extra = sorted(set(data) - known)
    if extra:
        raise RegionConfigError(source, extra[0], "unknown field")
    region = _get(data, "region", source, str)
    if not _REGION_RE.match(region):
        raise RegionConfigError(source, "region", f"{region!r} is not an AWS region name")
    country = _get(data, "detection.default_country", source, str)
    if not _COUNTRY_RE.match(country):
        raise RegionConfigError(source, "detection.default_country", "must be an ISO 3166 alpha-2 code such as 'US'")
    email = _get(data, "alarms.email", source, str)
    if not _EMAIL_RE.match(email):
        raise RegionConfigError(source, "alarms.email", "must be an e-mail address")
    digest_period = _get(data, "audit.digest_period", source, str, "hour")
    if digest_period not in DIGEST_PERIODS:
        raise RegionConfigError(source, "audit.digest_period", "must be 'hour' or 'day'")
    routings = _str_list(data, "routing.allowed", source, ROUTINGS)
    if not routings:
        raise RegionConfigError(source, "routing.allowed", "must allow at least one routing")
    frameworks = _str_list(data, "compliance.frameworks", source, COMPLIANCE_FRAMEWORKS)
    config = RegionConfig(
        region=region,
        display_name=_get(data, "display_name", source, str),
        compliance_frameworks=frameworks,
        default_country=country,
        local_entities=_str_list(data, "detection.local_entities", source, frozenset(ENTITY_TYPES), []),
        allowed_routings=routings,
        models=_models(data, source),
        audit_retention_days=_int_in(data, "audit.retention_days", source, 1, 3653),
        digest_period=digest_period,
        # AWS WAF rate-based rules accept 10 .. 2,000,000,000 requests per 5-minute window.
        waf_rate_limit=_int_in(data, "waf.rate_limit", source, 10, 2_000_000_000),
        max_body_bytes=_int_in(data, "waf.max_body_bytes", source, 1024, 8_388_608),
        alarm_email=email,
        source=source,
    )
    return config


def load_region(path: str | Path) -> RegionConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegionConfigError(str(path), "<file>", f"is not valid TOML: {exc}") from None
    config = parse_region(data, str(path))
    if path.stem != config.region:
        raise RegionConfigError(str(path), "region", f"{config.region!r} does not match the file name {path.name!r}")
    return config


def load_regions(directory: str | Path) -> dict[str, RegionConfig]:
    """All region files in ``directory``, keyed by region, in a stable order."""
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise RegionConfigError(str(directory), "<directory>", "holds no region files (*.toml)")
    return {c.region: c for c in map(load_region, files)}


ENV_REGIONS_DIR = "CLOAKR_REGIONS_DIR"
#: Snapshot of ``regions/*.toml`` shipped inside the package, for installs without a checkout (a test keeps it equal).
BUNDLED_REGIONS = Path(__file__).with_name("regions.json")


def checkout_regions_dir() -> Path:
    """``regions/`` of the source checkout this package was imported from (``layers/cloakr/config`` → repo root)."""
    return Path(__file__).resolve().parents[3] / "regions"


def bundle_regions(directory: str | Path) -> str:
    """The snapshot text for :data:`BUNDLED_REGIONS`: every region's config, in the form the stack passes to Lambda."""
    configs = load_regions(directory)
    return json.dumps({name: json.loads(c.to_json()) for name, c in configs.items()}, indent=1, sort_keys=True) + "\n"


def default_regions() -> dict[str, RegionConfig]:
    """Regions for tools run outside the CDK app (CLI, SDK): ``$CLOAKR_REGIONS_DIR``, else the checkout's
    ``regions/``, else the snapshot bundled in the package."""
    import os

    directory = os.environ.get(ENV_REGIONS_DIR)
    if directory:
        return load_regions(directory)
    if checkout_regions_dir().is_dir():
        return load_regions(checkout_regions_dir())
    data = json.loads(BUNDLED_REGIONS.read_text(encoding="utf-8"))
    return {name: parse_bundled(item, f"{BUNDLED_REGIONS}#{name}") for name, item in data.items()}


def parse_bundled(item: Mapping[str, Any], source: str) -> RegionConfig:
    """A RegionConfig from its ``to_json`` form (already validated when the snapshot was made)."""
    models = tuple(ModelRoute(**route) for route in item["models"])
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items() if k != "models"}
    return RegionConfig(models=models, source=source, **fields)
