"""A conversation's TokenMap, kept encrypted in the vault table so placeholders stay the same across requests.

Clients that send only the newest message (with ``X-Cloakr-Conversation-Id``) still get ``[EMAIL_1]`` for the
address they gave three turns ago, and a placeholder the model repeats from an earlier turn is restored. The map
holds original values, so it is stored only as an ``EnvelopeCipher`` blob bound to the tenant, expires with the
tenant's retention, and any failure to read or write it stops the request before anything is forwarded.

Two concurrent requests on one conversation both write the map; the later write wins. A value first seen in
the losing request gets a placeholder again on its next appearance (the answer to that request is still
restored correctly, from the in-memory map).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloakr.constants import TTL_ATTRIBUTE
from cloakr.crypto import EncryptionError, EnvelopeCipher, KeyUnavailableError
from cloakr.gateway.errors import EncryptionFailedError, KeyUnavailable, ValidationError, VaultUnavailableError
from cloakr.pii.tokens import TokenMap
from cloakr.tenants.blocks import subject_key

_SHREDDED = "The tenant's encryption key is disabled or scheduled for deletion; its conversations cannot be used."
PURPOSE = "token-vault"
CONVERSATION_HEADER = "x-cloakr-conversation-id"
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def conversation_id(tenant_id: str, header_value: str | None, messages: list[dict[str, Any]]) -> str:
    """A hash of the caller's id, or one derived from the tenant and the conversation's opening messages (everything
    up to and including the first user message), which every later turn resends unchanged.

    The caller's id is caller text (it could be a card number or an address) and this id is stored as the vault's
    sort key and the audit record's ``session_id``; so only its tenant-bound hash is kept, never the id itself.
    """
    if header_value is not None:
        if not _CONVERSATION_ID.match(header_value):
            raise ValidationError("X-Cloakr-Conversation-Id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'.")
        digest = hmac.new(f"cloakr-conversation:{tenant_id}".encode(), header_value.encode(), hashlib.sha256).hexdigest()
        return f"c-{digest[:40]}"
    opening = []
    for message in messages:
        opening.append({"role": message.get("role"), "content": message.get("content")})
        if message.get("role") == "user":
            break
    digest = hashlib.sha256(json.dumps([tenant_id, opening], sort_keys=True, default=str).encode()).hexdigest()
    return f"h-{digest[:40]}"


def partition(tenant_id: str, user_key: str | None) -> str:
    """The vault partition of an end user's data (named by their stored key, ``cloakr.compliance.subject_keys``:
    ``subject_key``'s, the subjects table's partition of the same name, which erasure clears with it), or of
    conversations that name none.

    Anonymous conversations get a partition outside the ``TENANT#<t>#USER#`` prefix (``#ANON``), so no end-user id,
    however spelled, names them: ``/v1/users/{id}`` export and erasure cannot read or wipe other people's maps.
    """
    return subject_key(tenant_id, user_key)["pk"] if user_key else f"TENANT#{tenant_id}#ANON"


class TokenVault:
    def __init__(self, table: Any, cipher: EnvelopeCipher | None) -> None:
        self.table, self.cipher = table, cipher

    @staticmethod
    def _key(tenant_id: str, user_key: str | None, conversation: str) -> dict[str, str]:
        return {"pk": partition(tenant_id, user_key), "sk": f"CONV#{conversation}"}

    def _require_cipher(self) -> EnvelopeCipher:
        if self.cipher is None:
            raise EncryptionFailedError("No data key is configured, so the conversation cannot be protected; nothing was sent.")
        return self.cipher

    def load(self, tenant_id: str, user_key: str | None, conversation: str) -> TokenMap:
        try:
            item = self.table.get_item(Key=self._key(tenant_id, user_key, conversation)).get("Item")
        except (ClientError, BotoCoreError):
            raise VaultUnavailableError("The token vault is unavailable; nothing was sent. Retry later.") from None
        if item is None:
            return TokenMap()
        blob = item["blob"]
        try:
            plaintext = self._require_cipher().decrypt(bytes(getattr(blob, "value", blob)), tenant_id, PURPOSE)
        except KeyUnavailableError:
            raise KeyUnavailable(_SHREDDED) from None
        except EncryptionError:
            raise EncryptionFailedError("The conversation's token map could not be decrypted; nothing was sent.") from None
        return TokenMap.from_dict(json.loads(plaintext))

    def save(self, tenant_id: str, user_key: str | None, conversation: str, tokens: TokenMap, retention_days: int) -> None:
        try:
            blob = self._require_cipher().encrypt(json.dumps(tokens.to_dict()).encode(), tenant_id, PURPOSE)
        except KeyUnavailableError:
            raise KeyUnavailable(_SHREDDED) from None
        except EncryptionError:
            raise EncryptionFailedError("The conversation's token map could not be encrypted; nothing was sent.") from None
        try:
            self.table.put_item(Item={**self._key(tenant_id, user_key, conversation), "blob": blob,
                                      "updated_at": int(time.time()), TTL_ATTRIBUTE: int(time.time()) + retention_days * 86400})
        except (ClientError, BotoCoreError):
            raise VaultUnavailableError("The token vault is unavailable; nothing was sent. Retry later.") from None
