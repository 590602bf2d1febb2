"""``make bench`` (second part): the gateway's own added latency and each Lambda function's init time.

Added latency: the real authorizer and resolver serve ``POST /v1/redact`` and ``POST /v1/chat/completions``
(``cloakr-echo``, offline) in this process, over a moto backend in its own process, with 4 KB prompts cut from the
corpus. Each request's wall time is split into time inside AWS SDK calls (``BaseClient._make_api_call``, which
covers signing, the round-trip and parsing) and the rest, the latency the gateway adds; time inside
``PIIEngine.detect`` is reported as the engine's share of it. Log lines and metrics are formatted as in Lambda
(metrics flushed per request) but written to /dev/null.

Multi-turn chats: the last turn of conversations whose client resends the history every turn, once as the
conversation's own next turn and once as another end user's (every text new to the gateway).

Init time: Lambda's init phase imports the handler module. For every function the stack defines, a fresh
interpreter with the function's environment (dummy resource names, dummy credentials, AWS endpoint on a closed
loopback port) imports ``handler`` from the function's asset folder, with bytecode cached, as the layer ships it
(``SharedLayer`` compiles it for Python 3.13 and refuses to build without), and again compiled from source at each
start, as Lambda would run a layer built with ``CLOAKR_LAYER_WITHOUT_BYTECODE=1``.
One more run records every socket the import opens: importing must not call AWS.

    python -m bench.gateway            # make bench
    python -m bench.gateway --json
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import ECHO_MODEL
from bench.speed import PROMPT_BYTES, prompts

REGION = "eu-central-1"
TARGET_ADDED_P99_MS = 10.0
TARGET_INIT_MS = 300.0
REQUESTS = 300
WARMUP = 20
INIT_RUNS = 5
#: Multi-turn chats (``conversation_latency``): conversations measured, turns each, bytes per user message.
CONVERSATIONS = 30
TURNS = 8
MESSAGE_BYTES = 1024
PERCENTILES = (50, 95, 99)
#: The routes that carry the prompt; the authorizer is measured on the same requests and reported beside them.
ROUTES: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "redact": ("/v1/redact", lambda text: {"text": text}),
    "chat": ("/v1/chat/completions", lambda text: {"model": ECHO_MODEL, "messages": [{"role": "user", "content": text}]}),
}
ROOT = Path(__file__).resolve().parents[1]
REGIONS_DIR, LAYERS_DIR = ROOT / "regions", ROOT / "layers"
#: Work a handler leaves to its first request (clients, resolver, engine): not init, but paid by the first caller.
FIRST_CALL_SETUP = {
    "authorizer": "from cloakr.gateway.services import services; services()",
    "api": ("from cloakr.gateway.services import services; from cloakr.gateway.app import build_app; "
            "from cloakr.gateway.engines import engine_for; services(); build_app(); engine_for()"),
    "reports": "from cloakr.gateway.services import services; services()",
}
# Run in the function's asset folder (``handler`` is found there, as in /var/task). argv: setup code, "probe"
# (record sockets), "source" (compile everything outside the standard library from source, write no bytecode), and
# the top-level modules the layer ships as JSON: anything else installed here (dev tools) cannot be imported.
_INIT_SCRIPT = """
import json, sys, sysconfig, time
from importlib.machinery import PathFinder
network, layer = [], frozenset(json.loads(sys.argv[4]))
stdlib = sysconfig.get_path("stdlib")  # the base interpreter's (a venv's platstdlib would include site-packages)
def in_stdlib(path):
    return path.startswith(stdlib) and "site-packages" not in path
class LayerOnly:
    def find_spec(self, name, path=None, target=None):
        if path is None and name not in layer and name not in sys.stdlib_module_names and name != "handler":
            spec = PathFinder.find_spec(name)
            if spec is None or not in_stdlib(spec.origin or ""):
                raise ModuleNotFoundError(f"No module named {name!r} in the layer", name=name)
        return None
sys.meta_path.insert(0, LayerOnly())
if sys.argv[3] == "1":
    import importlib._bootstrap_external as ext, os
    sys.dont_write_bytecode = True  # nothing compiled in this run is kept
    cached = ext.cache_from_source
    missing = os.path.join(os.path.dirname(sys.executable), "cloakr-no-bytecode", "none.pyc")  # never exists
    def no_bytecode(path, *args, **kwargs):
        # Outside the standard library, point the loader at bytecode that is not there: it compiles the source.
        return cached(path, *args, **kwargs) if in_stdlib(path) else missing
    ext.cache_from_source = no_bytecode
if sys.argv[2] == "1":
    def hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo"):
            network.append(f"{event} {args[1] if event == 'socket.connect' else args[0]}")
    sys.addaudithook(hook)
started = time.perf_counter()
import handler
imported, at_import = time.perf_counter(), list(network)
exec(sys.argv[1])
print(json.dumps({"import_s": imported - started, "setup_s": time.perf_counter() - imported, "network": at_import}))
"""


@dataclass
class Clock:
    """Seconds spent inside AWS SDK calls and inside PII detection since the last ``reset``."""

    aws_s: float = 0.0
    pii_s: float = 0.0

    def reset(self) -> None:
        self.aws_s = self.pii_s = 0.0


def _adding_to(clock: Clock, field: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            setattr(clock, field, getattr(clock, field) + time.perf_counter() - started)

    return timed


@contextlib.contextmanager
def instrumented() -> Iterator[Clock]:
    """Every AWS SDK call and every detection, in any client or engine, adds its time to the clock."""
    from botocore.client import BaseClient
    from cloakr.pii.engine import PIIEngine

    clock = Clock()
    api_call, detect = BaseClient._make_api_call, PIIEngine.detect
    BaseClient._make_api_call = _adding_to(clock, "aws_s", api_call)
    PIIEngine.detect = _adding_to(clock, "pii_s", detect)
    try:
        yield clock
    finally:
        BaseClient._make_api_call, PIIEngine.detect = api_call, detect


@contextlib.contextmanager
def moto_gateway() -> Iterator[str]:
    """``cloakr.local``'s backend (moto in its own process) with a tenant and an every-scope key, whose plaintext
    is yielded, and the region config in the environment as in Lambda; this process's environment and caches are
    put back on exit."""
    from cloakr.constants import ENV_REGION_CONFIG, ENV_UPSTREAM_URL, SCOPES
    from cloakr.gateway import authorizer
    from cloakr.gateway.services import services
    from cloakr.local.backend import start_backend

    saved = dict(os.environ)
    for name in (ENV_UPSTREAM_URL, "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    # As the stack passes it: without it every request would read the region files (the local gateway's way).
    os.environ[ENV_REGION_CONFIG] = region_config_json()
    services.cache_clear()
    authorizer.clear_cache()
    backend = start_backend(REGION, isolated=True)
    try:
        store = services().tenants
        tenant = store.create_tenant("Bench tenant", profiles=["gdpr"])
        yield store.create_key(tenant.tenant_id, SCOPES, name="bench")[1]
    finally:
        backend.stop()
        services.cache_clear()
        authorizer.clear_cache()
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _output_discarded() -> Iterator[None]:
    """Log lines and EMF metrics are still formatted (Lambda pays for that too), then dropped."""
    from cloakr.observability import logger

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), warnings.catch_warnings():
        # The authorizer adds no metric when it allows; Powertools warns about the empty flush each time.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        previous = logger.registered_handler.setStream(sink)
        try:
            yield
        finally:
            logger.registered_handler.setStream(previous)


def _serve(path: str, payload: dict[str, Any], key: str, clock: Clock) -> tuple[dict[str, float], dict[str, float]]:
    """One request through the authorizer and then the resolver, as API Gateway chains them; the total, AWS and
    detection seconds of each step."""
    from cloakr.gateway.app import resolve
    from cloakr.gateway.authorizer import authorize
    from cloakr.local.server import to_event
    from cloakr.observability import metrics

    event = to_event("POST", path, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                     json.dumps(payload).encode())
    steps = []
    for step in ("authorizer", "route"):
        clock.reset()
        started = time.perf_counter()
        if step == "authorizer":
            decision = authorize(event)
            if decision["policyDocument"]["Statement"][0]["Effect"] != "Allow":
                raise RuntimeError(f"the authorizer refused the bench key: {decision['context'].get('error_code')}")
            event["requestContext"]["authorizer"] = decision["context"]
        else:
            response = resolve(event, None)
            if response["statusCode"] != 200:
                raise RuntimeError(f"{path} answered {response['statusCode']}: {response.get('body', '')[:200]}")
        metrics.flush_metrics()  # the handler's log_metrics does this after every invocation
        steps.append({"total": time.perf_counter() - started, "aws": clock.aws_s, "pii": clock.pii_s})
    return steps[0], steps[1]


@contextlib.contextmanager
def _heap_restored() -> Iterator[None]:
    """What the run froze is handed back to the collector afterwards (the caller's process is not a Lambda)."""
    try:
        yield
    finally:
        gc.unfreeze()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (the value at or below which q% of the samples lie)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _summary(samples: list[dict[str, float]]) -> dict[str, Any]:
    series = {
        "total": [s["total"] for s in samples],
        "aws": [s["aws"] for s in samples],
        "added": [s["total"] - s["aws"] for s in samples],
        "pii": [s["pii"] for s in samples],
    }
    out: dict[str, Any] = {"requests": len(samples)}
    for name, values in series.items():
        out[f"{name}_ms"] = {f"p{q}": percentile(values, q) * 1e3 for q in PERCENTILES}
    out["pii_share"] = sum(series["pii"]) / sum(series["added"])
    return out


@contextlib.contextmanager
def _gateway() -> Iterator[Callable[[str, dict[str, Any]], tuple[dict[str, float], dict[str, float]]]]:
    """``_serve`` bound to a fresh ``moto_gateway`` and its clock, as the handlers run (lambdas/*/handler.py): the
    heap frozen after the first request (``cloakr.heap``), handed back to the collector at the end; output dropped."""
    from cloakr.heap import freeze_after_first_call

    serve = freeze_after_first_call(_serve)
    with moto_gateway() as key, instrumented() as clock, _output_discarded(), _heap_restored():
        yield lambda path, payload: serve(path, payload, key, clock)


def added_latency(requests: int = REQUESTS, warmup: int = WARMUP) -> dict[str, Any]:
    """Per route and for the authorizer: p50/p95/p99 of total, AWS and added time, and the PII engine's share."""
    texts = prompts(PROMPT_BYTES * (requests + warmup))
    samples: dict[str, list[dict[str, float]]] = {"authorizer": [], **{name: [] for name in ROUTES}}
    with _gateway() as serve:
        # Routes take turns on each prompt, so a busy spell on a shared machine hits both alike.
        for i, text in enumerate(texts[:requests + warmup]):
            for name, (path, body) in ROUTES.items():
                auth, route = serve(path, body(text))
                if i >= warmup:  # the first requests pay imports, clients and engine construction
                    samples["authorizer"].append(auth)
                    samples[name].append(route)
    routes = {name: _summary(values) for name, values in samples.items()}
    return {
        "prompt_bytes": PROMPT_BYTES, "region": REGION, "warmup": warmup, "routes": routes,
        "target_added_p99_ms": TARGET_ADDED_P99_MS,
        "target_met": all(routes[name]["added_ms"]["p99"] < TARGET_ADDED_P99_MS for name in ROUTES),
    }


def conversation_latency(conversations: int = CONVERSATIONS, turns: int = TURNS, warmup: int = 2) -> dict[str, Any]:
    """The last turn of multi-turn chats, as clients send them: the whole history (user messages of
    ``MESSAGE_BYTES`` and the model's answers) every turn. "seen": at the end of the conversation's own turns (each
    earlier text was detected in an earlier turn); "unseen": the same request as another end user's, none of whose
    texts the gateway has detected (what every turn costs a gateway that scans the whole history each time)."""
    texts = [text[:MESSAGE_BYTES] for text in prompts(PROMPT_BYTES * (conversations + warmup) * turns)]
    samples: dict[str, list[dict[str, float]]] = {"seen": [], "unseen": []}
    path = ROUTES["chat"][0]
    with _gateway() as serve:
        for c in range(conversations + warmup):
            history: list[dict[str, str]] = []
            for k in range(turns):
                text = texts[c * turns + k]
                history.append({"role": "user", "content": text})
                _, route = serve(path, {"model": ECHO_MODEL, "messages": history, "user": f"bench-{c}"})
                history.append({"role": "assistant", "content": f"You said: {text}"})  # what the echo model answers
            _, other = serve(path, {"model": ECHO_MODEL, "messages": history[:-1], "user": f"bench-{c}-other"})
            if c >= warmup:
                samples["seen"].append(route)
                samples["unseen"].append(other)
    return {"turns": turns, "message_bytes": MESSAGE_BYTES, "warmup": warmup,
            "cases": {name: _summary(values) for name, values in samples.items()}}


def region_config_json() -> str:
    """The region's config as GatewayFunctions passes it to every function."""
    from cloakr.config.regions import load_region

    return load_region(REGIONS_DIR / f"{REGION}.toml").to_json()


def lambda_environment(name: str, asset: str, memory_mb: int) -> dict[str, str]:
    """What the stack (GatewayFunctions) and the Lambda runtime set, with dummy resource names and credentials."""
    from cloakr import constants as c

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:123456789012:{resource}"

    env = {
        "POWERTOOLS_SERVICE_NAME": c.SERVICE_NAME, "POWERTOOLS_METRICS_NAMESPACE": c.METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO", c.ENV_REGION: REGION,
        c.ENV_REGION_CONFIG: region_config_json(),
        c.ENV_AUDIT_TABLE: "bench-audit", c.ENV_TENANTS_TABLE: "bench-tenants", c.ENV_VAULT_TABLE: "bench-vault",
        c.ENV_SUBJECTS_TABLE: "bench-subjects", c.ENV_BUCKET: "bench-bucket", c.ENV_EVENT_BUS: "bench-incidents",
        c.ENV_DATA_KEY_ID: arn("kms", "key/bench-data"), c.ENV_SIGNING_KEY_ID: arn("kms", "key/bench-signing"),
        "AWS_LAMBDA_FUNCTION_NAME": f"Cloakr-{REGION}-{name}", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "_HANDLER": "handler.handler", "LAMBDA_TASK_ROOT": asset,
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Port 9 (discard) on loopback: a call made at import fails at once and never leaves the machine.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    if name == "admin":
        env.update({c.ENV_SCHEDULE_GROUP: "cloakr-reports", c.ENV_REPORTS_FUNCTION_ARN: arn("lambda", "function:bench-reports"),
                    c.ENV_SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/bench-scheduler",
                    c.ENV_SCHEDULE_DLQ_ARN: arn("sqs", "bench-dead-letters")})
    return env


@functools.lru_cache(maxsize=1)
def layer_modules() -> tuple[str, ...]:
    """Top-level modules of what the layer ships: ``cloakr`` and the distributions ``layers/requirements.txt``
    names, with their dependencies (extras and markers applied), as installed here."""
    from importlib.metadata import distribution, packages_distributions

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lines = (LAYERS_DIR / "requirements.txt").read_text().splitlines()
    todo = [Requirement(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        for spec in map(Requirement, distribution(name).requires or []):
            extras = requirement.extras or {""}
            if spec.marker is None or any(spec.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(spec)
    shipped = {name for name, _ in seen}
    modules = {module for module, dists in packages_distributions().items()
               if any(canonicalize_name(d) in shipped for d in dists)}
    return tuple(sorted(modules | {"cloakr"}))


def _import_once(asset: Path, env: dict[str, str], setup: str, probe: bool = False, source: bool = False) -> dict[str, Any]:
    run = subprocess.run([sys.executable, "-c", _INIT_SCRIPT, setup, str(int(probe)), str(int(source)),
                          json.dumps(layer_modules())],
                         cwd=asset, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"importing {asset.name}/handler.py failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout.splitlines()[-1])


def init_times(runs: int = INIT_RUNS) -> dict[str, Any]:
    """Median and max import time of every function's handler in fresh interpreters, with cached bytecode and
    compiled from source; the first-call setup each handler defers; sockets opened while importing."""
    from stacks.constructs.gateway_functions import LAMBDAS_DIR, SPECS

    functions: dict[str, Any] = {}
    for spec in SPECS:
        asset = LAMBDAS_DIR / spec.asset
        env = lambda_environment(spec.name, str(asset), spec.memory_mb)
        setup = FIRST_CALL_SETUP.get(spec.asset, "")
        probe = _import_once(asset, env, setup, probe=True)  # also leaves bytecode cached for the next runs
        cached = [_import_once(asset, env, setup) for _ in range(runs)]
        source = [_import_once(asset, env, setup, source=True)["import_s"] * 1e3 for _ in range(runs)]
        imports = [r["import_s"] * 1e3 for r in cached]
        functions[spec.name] = {
            "asset": spec.asset, "memory_mb": spec.memory_mb,
            "import_ms": {"median": statistics.median(imports), "max": max(imports)},
            "source_import_ms": {"median": statistics.median(source), "max": max(source)},
            "first_call_setup_ms": statistics.median(r["setup_s"] for r in cached) * 1e3,
            "network_at_import": probe["network"],
        }
    return {
        "runs": runs, "functions": functions, "target_ms": TARGET_INIT_MS,
        "target_met": all(f["import_ms"]["median"] < TARGET_INIT_MS for f in functions.values()),
        "target_met_from_source": all(f["source_import_ms"]["median"] < TARGET_INIT_MS for f in functions.values()),
        "python": ".".join(map(str, sys.version_info[:3])),
    }


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def render(results: dict[str, Any]) -> str:
    latency, init = results["latency"], results["init"]
    per_route = latency["routes"][next(iter(ROUTES))]["requests"]
    lines = [(f"Gateway added latency, in-process ({latency['prompt_bytes'] // 1024} KB prompts, {per_route} "
              f"requests per route after {latency['warmup']} warm-up; ms; AWS = time inside AWS SDK calls, moto)"),
             (f"{'':11} {'total p50':>9} {'p95':>7} {'p99':>7}  {'AWS p50':>7} {'p99':>7}  "
              f"{'added p50':>9} {'p95':>7} {'p99':>7}  {'PII p50':>7} {'p99':>7} {'share':>6}")]
    for name, r in latency["routes"].items():
        t, a, d, p = r["total_ms"], r["aws_ms"], r["added_ms"], r["pii_ms"]
        lines.append(f"{name:11} {t['p50']:9.2f} {t['p95']:7.2f} {t['p99']:7.2f}  {a['p50']:7.2f} {a['p99']:7.2f}  "
                     f"{d['p50']:9.2f} {d['p95']:7.2f} {d['p99']:7.2f}  {p['p50']:7.2f} {p['p99']:7.2f} {r['pii_share']:6.0%}")
    worst = ", ".join(f"{name} {latency['routes'][name]['added_ms']['p99']:.1f} ms" for name in ROUTES)
    lines.append(f"target added latency p99 < {latency['target_added_p99_ms']:.0f} ms ({worst}): {_met(latency['target_met'])}")
    turns = results["turns"]
    lines += ["", (f"Chat, turn {turns['turns']} of a conversation ({turns['message_bytes'] // 1024} KB user messages "
                   f"and the model's answers resent every turn; {turns['cases']['seen']['requests']} conversations; ms)"),
              f"{'':11} {'added p50':>9} {'p95':>7} {'p99':>7}  {'PII p50':>7} {'p99':>7}"]
    for name, r in turns["cases"].items():
        d, p = r["added_ms"], r["pii_ms"]
        label = {"seen": "seen", "unseen": "all new"}[name]
        lines.append(f"{label:11} {d['p50']:9.2f} {d['p95']:7.2f} {d['p99']:7.2f}  {p['p50']:7.2f} {p['p99']:7.2f}")
    lines += ["", (f"Lambda init: import of the handler module in a fresh interpreter (Python {init['python']}, "
                   f"{init['runs']} runs; ms)"),
              f"{'':13} {'median':>7} {'max':>7}  {'from source':>11} {'max':>7}  {'1st call':>8}  network at import"]
    for name, f in init["functions"].items():
        i, s = f["import_ms"], f["source_import_ms"]
        lines.append(f"{name:13} {i['median']:7.0f} {i['max']:7.0f}  {s['median']:11.0f} {s['max']:7.0f}  "
                     f"{f['first_call_setup_ms']:8.0f}  {'; '.join(f['network_at_import']) or 'none'}")
    lines.append(f"target init < {init['target_ms']:.0f} ms per function (median): cached bytecode "
                 f"{_met(init['target_met'])}; compiled from source (a layer built with CLOAKR_LAYER_WITHOUT_BYTECODE=1): "
                 f"{_met(init['target_met_from_source'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="measured requests per route")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="unmeasured requests per route first")
    parser.add_argument("--init-runs", type=int, default=INIT_RUNS, help="fresh interpreters per function and mode")
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS, help="multi-turn chats measured at their last turn")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {"latency": added_latency(args.requests, args.warmup), "turns": conversation_latency(args.conversations),
               "init": init_times(args.init_runs)}
    if args.json:
        json.dump(results, sys.stdout, indent=1)
    else:
        print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
