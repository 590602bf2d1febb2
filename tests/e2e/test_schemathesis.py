"""Property-based tests of every documented operation against the running local gateway (schemathesis).

Schemathesis loads the OpenAPI document the gateway serves at ``/v1/openapi.json`` and runs what
``schemathesis run`` would, in-process: the examples phase (the bodies the document shows), the coverage phase
(boundary and invalid values of every field and parameter, missing bodies, other HTTP methods on each path) and
the fuzzing phase (random valid and invalid requests). Every response must:

- not be a server error (``not_a_server_error``; the local gateway has no failing dependency, so even the
  documented 503 would be a defect here);
- use a documented status code, content type and body schema (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``);
- if it is an error, be exactly ``{"error": {"code", "message"}}`` in JSON (``error_body_is_cloakr_json``).

Choices:

- Bounded and deterministic for ``make test``: a fixed seed, derandomized generation, no example database or
  crash cache, ``MAX_EXAMPLES`` fuzzed examples per operation and one worker (under a minute on two cores);
  ``HYPOTHESIS_PROFILE=verify`` (the profile ``tests/integration/test_fuzz_handlers.py`` uses for ``make verify``)
  fuzzes ``VERIFY_EXAMPLES`` per operation (about five minutes).
- Destructive operations run too, confined so they cannot break anything: the run has a tenant and an all-scope
  key of its own, so revoking, rotating or unblocking keys and blocking or erasing users never touch the tenant
  the other e2e tests share (another tenant's ids answer 404). Schemathesis reuses ids from earlier answers, and
  ``GET /v1/keys`` lists the run's own key, so a ``before_call`` hook swaps that one id for an unknown one;
  the test ends by checking that the run's key and the shared admin key still work. No operation is excluded.
- Only the checks above run. The stateful phase and schemathesis' ``positive_data_acceptance`` /
  ``negative_data_rejection`` judge whether generated data *should* have been accepted, which needs business
  rules (a period that exists, a date range of at most 31 days) a JSON schema cannot state.
- The coverage phase also tries the other HTTP methods on each path (OPTIONS and TRACE included: the local front
  hands every method to the gateway, which answers with its JSON error).
- The engine behind ``schemathesis run`` is driven directly (``schemathesis.engine.from_schema``) rather than the
  pytest plugin, whose fixture-based loader (``schemathesis.pytest.from_fixture``) does not run under pytest 9.2;
  the failures of all operations are reported together, each with a curl command that reproduces it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
import schemathesis
from cloakr.constants import SCOPES
from cloakr.tenants.keys import parse_key
from schemathesis.engine import Status, events, from_schema

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 15
VERIFY_EXAMPLES = 200
SEED = 20261125
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "error_body_is_cloakr_json"]
HTTP_FRONT_METHODS = ["get", "put", "post", "delete", "patch", "options", "trace"]
UNKNOWN_KEY_ID = "0" * 16


@schemathesis.check
def error_body_is_cloakr_json(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx/5xx is JSON ``{"error": {"code", "message"}}`` with non-empty strings and nothing else."""
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), f"error is {content_type or 'untyped'}, not JSON"
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error"}, "error body is not {'error': {...}}"
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, "error is not {'code', 'message'}"
    assert all(isinstance(error[k], str) and error[k] for k in ("code", "message")), "empty or non-string code/message"


def examples() -> int:
    return VERIFY_EXAMPLES if os.environ.get("HYPOTHESIS_PROFILE") == "verify" else MAX_EXAMPLES


def _key_id(config: Any) -> str | None:
    parsed = parse_key((config.headers or {}).get("Authorization", "").removeprefix("Bearer "))
    return parsed.key_id if parsed else None


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """The run never revokes or rotates the key it authenticates with. Schemathesis reuses ids from earlier
    answers (``GET /v1/keys`` lists that key), so its id is swapped for one no tenant has."""
    if case.path_parameters and case.path_parameters.get("key_id") == _key_id(ctx.operation.schema.config):
        case.path_parameters["key_id"] = UNKNOWN_KEY_ID


def settings(base_url: str, key: str) -> dict[str, Any]:
    """The run's configuration, in the format of ``schemathesis.toml``."""
    return {
        "seed": SEED, "base-url": base_url, "headers": {"Authorization": f"Bearer {key}"}, "workers": 1,
        "continue-on-failure": True, "request-timeout": 30, "cache": {"enabled": False},
        "generation": {"max-examples": examples(), "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True, "unexpected-methods": HTTP_FRONT_METHODS},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    }


@pytest.fixture
def api_schema(local_gateway):
    """The served document, loaded with the run's configuration; the run has a tenant of its own and
    authenticates with that tenant's all-scope key."""
    from cloakr.gateway.services import services

    tenant = services().tenants.create_tenant("Schemathesis tenant", profiles=["gdpr"])
    _, key = services().tenants.create_key(tenant.tenant_id, SCOPES, name="schemathesis")
    config = schemathesis.Config.from_dict(settings(local_gateway.base_url, key))
    return schemathesis.openapi.from_url(f"{local_gateway.base_url}/v1/openapi.json", config=config, timeout=10,
                                         headers={"Authorization": f"Bearer {key}"})


def findings(stream: Iterable[events.EngineEvent]) -> list[str]:
    """One line per distinct failure (operation, check title) with a curl command reproducing it."""
    found: dict[tuple[str, str], str] = {}
    for event in stream:
        if isinstance(event, events.FatalError):
            raise event.exception
        if isinstance(event, events.NonFatalError):
            found.setdefault((event.label, "error"), f"{event.label}: {event.info.title}: {event.value!r}")
        recorder = getattr(event, "recorder", None)
        if recorder is None:
            continue
        for nodes in recorder.checks.values():
            for node in nodes:
                if node.status == Status.FAILURE and node.failure_info is not None:
                    failure = node.failure_info.failure
                    found.setdefault((recorder.label, failure.title),
                                     f"{recorder.label}: {failure.title}: {failure.message}\n    {node.failure_info.code_sample}")
    return [found[key] for key in sorted(found)]


def test_every_operation_answers_as_documented(api_schema, local_gateway):
    problems = findings(from_schema(api_schema).execute())
    assert not problems, "schemathesis findings:\n" + "\n".join(problems)
    # The destructive operations left the run's own key and the shared keys working.
    for headers in (api_schema.config.headers, {"Authorization": f"Bearer {local_gateway.admin_key}"}):
        assert httpx.get(f"{local_gateway.base_url}/v1/keys", headers=headers, timeout=10).status_code == 200
