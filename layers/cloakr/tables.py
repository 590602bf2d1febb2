"""The four tables' key schema, for the local gateway and tests; the CDK ``DataTables`` construct builds the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cloakr.constants import (
    KEY_HASH_INDEX,
    PARTITION_KEY,
    SORT_KEY,
    TABLE_TENANTS,
    TABLES,
)


def table_definition(role: str, name: str) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}, {"AttributeName": SORT_KEY, "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if role == TABLE_TENANTS:
        definition["AttributeDefinitions"].append({"AttributeName": "key_hash", "AttributeType": "S"})
        definition["GlobalSecondaryIndexes"] = [
            {"IndexName": KEY_HASH_INDEX, "KeySchema": [{"AttributeName": "key_hash", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}}
        ]
    return definition


def create_tables(dynamodb_client: Any, prefix: str = "cloakr-local") -> dict[str, str]:
    """Create the four tables; returns role -> table name."""
    names = {role: f"{prefix}-{role}" for role in TABLES}
    for role, name in names.items():
        dynamodb_client.create_table(**table_definition(role, name))
    return names


def all_items(operation: Callable[..., dict[str, Any]], **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a DynamoDB Query or Scan (``operation``: ``table.query`` or ``table.scan``), a page at a time.

    A single call returns at most 1 MB; a loop that forgets ``LastEvaluatedKey`` silently reads a partial
    partition (a short audit export, a digest that misses records). One generator serves every caller, and being
    lazy, a caller that stops early (a limit) reads no further pages.
    """
    while True:
        page = operation(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}
