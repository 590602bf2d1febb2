"""Reading a request body safely: size limit, JSON object only, strict fields.

A body whose fields all have defaults may be left out (``body_optional``); the OpenAPI document says so too.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from cloakr.constants import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_JSON_STRINGS
from cloakr.gateway.errors import InvalidJsonError, PayloadTooLargeError, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidJsonError("The request body is not valid base64.") from None
    else:
        data = body.encode("utf-8", errors="surrogatepass") if isinstance(body, str) else bytes(body)
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    return data


def body_optional(model: type[BaseModel]) -> bool:
    """True when ``{}`` is a valid body (every field has a default and no validator needs more)."""
    try:
        model.model_validate({})
    except PydanticValidationError:
        return False
    return True


def parse_body(event: dict[str, Any], model: type[Model]) -> Model:
    data = raw_body(event)
    try:
        payload = json.loads(data or (b"{}" if body_optional(model) else b"null"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidJsonError("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ValidationError("The request body must be a JSON object.")
    depth, strings = json_shape(payload)
    if depth > MAX_JSON_DEPTH:
        raise ValidationError(f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep.")
    if strings > MAX_JSON_STRINGS:
        raise ValidationError(f"The request body holds more than {MAX_JSON_STRINGS} strings (object keys included).")
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(describe(exc, model)) from None


def json_shape(value: Any) -> tuple[int, int]:
    """How deeply arrays and objects nest in ``value`` (a bare value is 0) and how many strings it holds (object
    keys included), counted without recursion, so a body too deep or too large for the walks that follow is
    measured, not crashed on. Counting stops once either is past its limit."""
    deepest = strings = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            strings += 1
            continue
        if isinstance(item, dict):
            strings += len(item)
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH or strings > MAX_JSON_STRINGS:
            break  # enough to refuse; the rest need not be read
        stack.extend((child, level + 1) for child in children)
    return deepest, strings


def describe(exc: PydanticValidationError, model: type[BaseModel] | None = None) -> str:
    """A readable summary naming fields and problems, never echoing the submitted values or key names.

    A location is a path of the model's own field names and list positions; a key the caller made up (an unknown
    field, a key of a free-form object) is caller text like any value, so it is left out, and an unknown field's
    message lists the fields the model allows instead. Messages that quote allowed values (literals,
    patterns) quote the model, not the input.
    """
    parts = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False)[:5]:
        where = _location(error["loc"], model)
        if error["type"] == "extra_forbidden":
            allowed = _allowed_fields(error["loc"][:-1], model)
            message = f"unknown field; allowed: {', '.join(allowed)}" if allowed else "unknown field"
        else:
            message = error["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _submodel(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class at ``loc`` (through list items), or None where the path leaves declared models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = _model_in(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _model_in(annotation: Any) -> Any:
    """The BaseModel an annotation holds (``X``, ``list[X]``, ``X | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed_fields(loc: tuple[Any, ...], model: type[BaseModel] | None) -> list[str]:
    found = _submodel(model, loc)
    return sorted(found.model_fields) if found is not None else []


def _location(loc: tuple[Any, ...], model: type[BaseModel] | None) -> str:
    """``loc`` as ``field.0.field``: the model's declared field names and list positions only. Anything else (a
    caller's key, Pydantic's union-member tags) is left out, so the location never repeats caller text."""
    shown = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            shown.append(str(part))
            continue
        parent = _submodel(model, loc[:i])
        if parent is not None and part in parent.model_fields:
            shown.append(str(part))
    return ".".join(shown) or "body"
