"""The form an end-user id takes wherever it is stored: a keyed blind index, never the id itself.

End-user ids (``X-Cloakr-User``, the chat ``user`` field, ``/v1/users/{id}``) are often e-mail addresses. Attributes
can be encrypted; DynamoDB keys cannot, and they are what anyone reading the table, a backup or CloudTrail's data
events sees. So every key and attribute naming an end user (the vault and subjects partitions, blocks, incident
counters and records) holds :func:`user_key`: ``ux-`` + the first 40 hex digits of HMAC-SHA256 of the id under a
random 32-byte secret of the tenant. The secret is made on first use and kept encrypted under the tenant's key
(``TENANT#<t>#USER-KEYS`` / ``SECRET`` in the subjects table), so the same id always finds the same items, while a
guessed id cannot be confirmed by hashing it without the secret and the KMS key behind it.

The audit pseudonym (``uref_``, ``cloakr.compliance.subjects.user_ref``) is a different thing: a secret per user,
shredded on erasure, so signed records that cannot be changed become unlinkable. The key here must outlive any one
user, since an erasure receipt stays under it.

Failures surface as API errors (fail closed): a table or KMS outage is a 503, a disabled tenant key a 409.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from typing import Any, Callable, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cloakr.constants import TABLE_SUBJECTS
from cloakr.crypto import EncryptionError, KeyUnavailableError
from cloakr.crypto.byok import tenant_cipher
from cloakr.gateway.errors import ApiError, EncryptionFailedError, KeyUnavailable
from cloakr.tenants.cache import TtlCache

KEY_PREFIX = "ux-"
#: A stored user key's shape; the block endpoints accept it where an incident names a user only by it.
KEY_SHAPE = re.compile(r"^ux-[0-9a-f]{40}$")
SECRET_PURPOSE = "user-key-secret"
SECRET_SORT_KEY = "SECRET"

T = TypeVar("T")
_secrets = TtlCache()


class SubjectsUnavailableError(ApiError):
    """The subjects or vault table could not be read or written, so nothing was done (fail closed)."""

    status, code, retryable = 503, "subjects_unavailable", True


def guarded(operation: Callable[[], T]) -> T:
    """Run a DynamoDB or KMS step; its failure becomes a retryable 503 or the key's 409, never a 500."""
    try:
        return operation()
    except KeyUnavailableError:
        raise KeyUnavailable("The tenant's encryption key is disabled or scheduled for deletion.") from None
    except EncryptionError:
        raise EncryptionFailedError("The subject's data could not be decrypted or encrypted; nothing was changed.") from None
    except (ClientError, BotoCoreError):
        raise SubjectsUnavailableError("The subject store is unavailable. Retry later (an erasure is safe to repeat).") from None


def cipher_of(services: Any) -> Any:
    cipher = tenant_cipher(services)
    if cipher is None:
        raise EncryptionFailedError("No data key is configured, so the end user's data cannot be protected.")
    return cipher


def kept_secret(services: Any, key: dict[str, str], tenant_id: str, purpose: str, *, create: bool) -> bytes | None:
    """The random secret kept encrypted in the subjects table item ``key``; made there first if ``create``
    (None if it is absent and not ``create``). Two requests making it at once agree: the second reads the first's."""
    table, cipher = services.tables[TABLE_SUBJECTS], cipher_of(services)

    def load() -> bytes | None:
        item = table.get_item(Key=key, ConsistentRead=True).get("Item")
        if item is not None:
            return cipher.decrypt(bytes(getattr(item["blob"], "value", item["blob"])), tenant_id, purpose)
        if not create:
            return None
        secret = secrets.token_bytes(32)
        blob = cipher.encrypt(secret, tenant_id, purpose)
        try:
            table.put_item(Item={**key, "blob": blob, "created_at": int(time.time())}, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return load()  # another request made it first: use theirs
        return secret

    return guarded(load)


def user_key(services: Any, tenant_id: str, user_id: str) -> str:
    """The stored form of ``user_id`` in ``tenant_id`` (see the module docstring). The tenant's secret is cached
    for ``CACHE_SECONDS``, so a destroyed tenant key stops look-ups here within that time."""
    secret = _secrets.get(tenant_id, lambda: kept_secret(services, {"pk": f"TENANT#{tenant_id}#USER-KEYS", "sk": SECRET_SORT_KEY},
                                                         tenant_id, SECRET_PURPOSE, create=True))
    return KEY_PREFIX + hmac.new(secret, user_id.encode(), hashlib.sha256).hexdigest()[:40]


def clear_cache() -> None:
    _secrets.clear()
