"""The OpenAPI document served at ``/v1/openapi.json``: Powertools' paths plus what it cannot see.

Routes parse their bodies with ``parse_body`` (so errors keep Cloakr's ``{"error": {...}}`` shape), which hides
the body models from Powertools. Each route module lists them in ``REQUEST_MODELS`` and its query parameters in
``QUERY_PARAMETERS``; this module adds them, the bearer-key security scheme, each route's scope (from the
authorizer's own table) and the error responses every route can give. Docs (``docs/api.md``), the isolation
table and schemathesis all read this one document, so it is complete or a test fails.

``python -m cloakr.gateway.openapi`` prints it; ``--markdown`` prints the API reference.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from typing import Any

from pydantic import BaseModel

from cloakr import __version__
from cloakr.constants import MAX_BODY_BYTES
from cloakr.gateway import routes
from cloakr.gateway.requests import body_optional
from cloakr.gateway.scopes import PUBLIC_ROUTES, ROUTE_SCOPES

DESCRIPTION = (
    "Cloakr redacts personal data from LLM traffic before it leaves your AWS region. Every route but the health "
    "check needs an API key (`Authorization: Bearer ck_<region>_...`) holding the route's scope; errors are "
    "`{\"error\": {\"code\", \"message\"}}`."
)
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code"},
        "message": {"type": "string", "description": "What went wrong and what to do; never echoes request content"},
    }}},
}
ERRORS = {
    "400": "Invalid request (validation_error, invalid_json, ...)",
    "401": "Missing, invalid, expired or revoked API key (unauthorized)",
    "403": "Missing scope, wrong region, blocked user or key (forbidden, wrong_region, user_blocked, key_blocked)",
    "404": "No such route or resource in this tenant (not_found)",
    "409": "Conflict: a request with this Idempotency-Key is running, or the tenant's key is shredded (key_unavailable)",
    "413": f"Body larger than {MAX_BODY_BYTES} bytes (payload_too_large)",
    "429": "Throttled; retry after the Retry-After header (rate_limited)",
    "503": "A dependency failed and the request was not processed (fail closed); retryable",
}
_ROUTE_MODULES: list[Any] = []


def _modules() -> list[Any]:
    if not _ROUTE_MODULES:
        _ROUTE_MODULES.extend(importlib.import_module(f"{routes.__name__}.{m.name}")
                              for m in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name))
    return _ROUTE_MODULES


def request_models() -> dict[tuple[str, str], type[BaseModel]]:
    return {key: model for module in _modules() for key, model in getattr(module, "REQUEST_MODELS", {}).items()}


def query_parameters() -> dict[tuple[str, str], list[dict[str, Any]]]:
    return {key: params for module in _modules() for key, params in getattr(module, "QUERY_PARAMETERS", {}).items()}


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document(app: Any) -> dict[str, Any]:
    doc = json.loads(app.get_openapi_json_schema(title="Cloakr", version=__version__, description=DESCRIPTION))
    doc["servers"] = [{"url": "https://{api}.execute-api.{region}.amazonaws.com/prod",
                       "variables": {"api": {"default": "your-api-id"}, "region": {"default": "eu-central-1"}}}]
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)  # Powertools' own validation is off; Cloakr answers with Error
    schemas["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {"apiKey": {"type": "http", "scheme": "bearer",
                                                "description": "A Cloakr API key; its prefix names its home region"}}
    models, params = request_models(), query_parameters()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            key = (method.upper(), path)
            operation.get("responses", {}).pop("422", None)
            if key in PUBLIC_ROUTES:
                operation["security"] = []
                continue
            scope = ROUTE_SCOPES.get(key)
            if scope:
                operation["security"] = [{"apiKey": []}]
                operation["x-cloakr-scope"] = scope
                operation["description"] = f"Needs scope `{scope}`. " + operation.get("description", "")
            for status, text in ERRORS.items():
                operation.setdefault("responses", {})[status] = {
                    "description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            if key in models:
                operation["requestBody"] = {"required": not body_optional(models[key]),
                                            "content": {"application/json": {"schema": _add_schema(schemas, models[key])}}}
            if key in params:
                operation.setdefault("parameters", []).extend(
                    {"in": "query", "required": False, **p} for p in params[key])
    return doc


def markdown(doc: dict[str, Any]) -> str:
    """The API reference (docs/api.md): one section per route, its scope, body fields and query parameters."""
    lines = ["# API reference", "", "<!-- Generated by `python -m cloakr.gateway.openapi --markdown`; do not edit. -->", "",
             doc["info"]["description"], "", "| Method | Path | Scope |", "|---|---|---|"]
    ops = sorted(((p, m.upper(), o) for p, ms in doc["paths"].items() for m, o in ms.items()), key=lambda t: (t[0], t[1]))
    lines += [f"| {m} | `{p}` | {('`' + o['x-cloakr-scope'] + '`') if 'x-cloakr-scope' in o else 'none'} |" for p, m, o in ops]
    schemas = doc["components"]["schemas"]
    for path, method, op in ops:
        lines += ["", f"## {method} {path}", ""]
        if "x-cloakr-scope" in op:
            lines.append(f"Scope: `{op['x-cloakr-scope']}`.")
        else:
            lines.append("No authentication.")
        lines.append("Success: " + "; ".join(f"`{status}` ({', '.join(response.get('content', {})) or 'no body'})"
                                             for status, response in op["responses"].items() if status.startswith("2")) + ".")
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in body:
            schema = schemas[body["$ref"].rsplit("/", 1)[-1]]
            required = set(schema.get("required", []))
            optional = "" if op["requestBody"]["required"] else ", optional"
            lines += ["", f"Body (JSON{optional}):", "", "| Field | Type | Required | Notes |", "|---|---|---|---|"]
            for name, prop in schema.get("properties", {}).items():
                lines.append(f"| `{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | {_notes(prop)} |")
        query = [p for p in op.get("parameters", []) if p.get("in") == "query"]
        if query:
            lines += ["", "Query parameters:", "", "| Name | Type | Notes |", "|---|---|---|"]
            lines += [f"| `{p['name']}` | {_type(p.get('schema', {}))} | {p.get('description', '')} |" for p in query]
    return "\n".join(lines) + "\n"


def _type(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    return prop.get("type", "any")


def _notes(prop: dict[str, Any]) -> str:
    notes = [f"default `{json.dumps(prop['default'])}`"] if prop.get("default") is not None else []
    for key, label in (("minimum", "min"), ("maximum", "max"), ("maxLength", "max length"), ("maxItems", "max items")):
        if key in prop:
            notes.append(f"{label} {prop[key]}")
    if prop.get("description"):
        notes.append(prop["description"])
    return "; ".join(notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloakr.gateway.openapi")
    parser.add_argument("--markdown", action="store_true", help="print the API reference instead of the JSON")
    args = parser.parse_args(argv)
    from cloakr.gateway.app import build_app

    doc = document(build_app())
    print(markdown(doc) if args.markdown else json.dumps(doc, indent=2), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
