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

from cloakr.constants import MAX_BODY_BYTES
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
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(describe(exc)) from None


def describe(exc: PydanticValidationError) -> str:
    """A readable summary naming fields and problems, never echoing the submitted values."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
