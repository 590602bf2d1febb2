"""The four tables' key schema, for the local gateway and tests; the CDK ``DataTables`` construct builds the same."""

from __future__ import annotations

from typing import Any

from cloakr.constants import KEY_HASH_INDEX, PARTITION_KEY, SORT_KEY, TABLE_TENANTS, TABLES


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
