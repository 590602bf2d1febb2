"""``Idempotency-Key`` on POST: a retried request gets the first answer instead of running twice.

Clients (the SDK on every POST) retry on timeouts and 5xx; without this a retried chat would reach the model twice
and leave two audit records. The first request with a key claims it (a conditional write), runs, and stores its
answer; a repeat with the same body replays that answer (``Idempotent-Replayed: true``); a repeat while the first
still runs gets 409 ``request_in_progress`` (retryable); the same key with another body gets 422. Answers of 5xx
are not kept, so a retry after a failure really retries.

Answers may hold the caller's own restored PII (a chat reply), so they are stored encrypted under the tenant's key
(BYOK or the stack key: shredding the tenant's key makes them unreadable too), in the vault table, for 24 hours.
If the claim cannot be read or written, the request is refused (503) rather than risk running twice.

A stored answer must not outlive the rights of the subject it belongs to. Answers of a request that names an end
user (``X-Cloakr-User``, else the body's ``user``) are kept in that user's vault partition, which erasure deletes
whole; and a repeat is admitted again (blocks, consent) before its answer is replayed, so revoking consent or
blocking the user stops replays at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from cloakr.crypto import EncryptionError
from cloakr.gateway.context import header
from cloakr.gateway.errors import ApiError
from cloakr.gateway.vault import partition
from cloakr.observability import logger

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL_SECONDS = 24 * 3600
# A claim older than the longest request (API Gateway's 29 s, with margin) belongs to a request that died.
STALE_SECONDS = 60
# DynamoDB items stop at 400 KB; larger answers are not kept (and the key is released, so a retry runs again).
MAX_STORED_BYTES = 300_000
PURPOSE = "idempotency"
_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,255}$")
#: Sort-key prefix of answers kept in an end user's vault partition (beside the user's ``CONV#`` token maps).
ITEM_PREFIX = "IDEMPOTENCY#"


def end_user(event: dict[str, Any]) -> str | None:
    """The end user a request names, as the routes read it: ``X-Cloakr-User`` (or the authorizer's), else the
    JSON body's ``user`` field (chat). Anything unreadable names nobody."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user = header(event, "x-cloakr-user") or context.get("user_id")
    return str(user) if user else body_user(event)


def body_user(event: dict[str, Any]) -> str | None:
    """The JSON body's ``user`` field (OpenAI's end-user id), if the body is a JSON object naming one."""
    body = event.get("body")
    if not body or event.get("isBase64Encoded"):
        return None
    try:
        payload = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return None
    named = payload.get("user") if isinstance(payload, dict) else None
    return named if isinstance(named, str) and named else None


class IdempotencyError(ApiError):
    pass


def _refuse(message: str, code: str, status: int, retryable: bool = False) -> IdempotencyError:
    error = IdempotencyError(message, code=code, status=status)
    error.retryable = retryable
    return error


class IdempotencyStore:
    """``user_key(tenant_id, user_id)`` names an end user's partition (``Services.user_key``: never the id)."""

    def __init__(self, table: Any, cipher: Any, user_key: Callable[[str, str], str], clock: Callable[[], float] = time.time) -> None:
        self.table, self.cipher, self.user_key, self.clock = table, cipher, user_key, clock

    def _key(self, tenant_id: str, user_id: str | None, method: str, path: str, key: str) -> dict[str, str]:
        """In the end user's vault partition (erased with it), or the tenant's own for requests naming nobody."""
        digest = hashlib.sha256(f"{method} {path} {key}".encode()).hexdigest()
        if user_id:
            return {"pk": partition(tenant_id, self.user_key(tenant_id, user_id)), "sk": f"{ITEM_PREFIX}{digest}"}
        return {"pk": f"TENANT#{tenant_id}#IDEMPOTENCY", "sk": digest}

    def run(self, event: dict[str, Any], tenant_id: str, handle: Callable[[], dict[str, Any]],
            admit: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """``handle`` once per key; a repeat replays its answer only after ``admit`` (which raises to refuse)."""
        key = header(event, HEADER)
        if key is None:
            return handle()
        if not _KEY_SHAPE.match(key):
            raise _refuse("Idempotency-Key must be 1-255 printable ASCII characters.", "validation_error", 400)
        item_key = self._key(tenant_id, end_user(event), event.get("httpMethod", ""), event.get("path", ""), key)
        body = event.get("body") or ""
        fingerprint = hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()
        try:
            replay = self._claim(item_key, fingerprint, tenant_id, admit)
        except (ClientError, BotoCoreError, EncryptionError):
            raise _refuse("The request could not be checked for repeats; retry later.", "idempotency_unavailable", 503, True) from None
        if replay is not None:
            return replay
        response = handle()
        try:
            self._finish(item_key, fingerprint, tenant_id, response)
        except (ClientError, BotoCoreError, EncryptionError):
            # The work is done and audited; the answer goes back, only a later replay of it is lost.
            logger.error("idempotent answer not stored", extra={"tenant_id": tenant_id})
        return response

    def _claim(self, item_key: dict[str, str], fingerprint: str, tenant_id: str,
               admit: Callable[[], None]) -> dict[str, Any] | None:
        now = self.clock()
        try:
            self.table.put_item(
                Item={**item_key, "state": "in_progress", "fingerprint": fingerprint, "claimed_at": int(now),
                      "expires_at": int(now) + TTL_SECONDS},
                ConditionExpression="attribute_not_exists(pk) OR (#s = :running AND claimed_at < :stale)",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":running": "in_progress", ":stale": int(now) - STALE_SECONDS},
            )
            return None
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        existing = self.table.get_item(Key=item_key, ConsistentRead=True).get("Item") or {}
        if existing.get("fingerprint") != fingerprint:
            raise _refuse("This Idempotency-Key was already used with a different request.", "idempotency_key_reused", 422)
        if existing.get("state") != "complete":
            raise _refuse("A request with this Idempotency-Key is still running; retry shortly.", "request_in_progress", 409, True)
        admit()  # the first request was admitted then; the subject's blocks and consents may have changed since
        stored = self.cipher.decrypt(bytes(existing["response"]), tenant_id, PURPOSE)
        response = json.loads(stored)
        response.setdefault("multiValueHeaders", {})[REPLAYED_HEADER] = ["true"]
        return response

    def _finish(self, item_key: dict[str, str], fingerprint: str, tenant_id: str, response: dict[str, Any]) -> None:
        payload = json.dumps(response).encode()
        if response.get("statusCode", 500) >= 500 or len(payload) > MAX_STORED_BYTES:
            self.table.delete_item(Key=item_key)
            return
        blob = self.cipher.encrypt(payload, tenant_id, PURPOSE)
        self.table.put_item(Item={**item_key, "state": "complete", "fingerprint": fingerprint,
                                  "response": blob, "expires_at": int(self.clock()) + TTL_SECONDS})
