"""``all_items`` follows DynamoDB's pages to the end, and reads no page a caller does not need."""

from __future__ import annotations

from itertools import islice

import boto3
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from cloakr.tables import all_items, create_tables


def test_all_items_reads_every_page_and_no_more_than_needed():
    with mock_aws():
        names = create_tables(boto3.client("dynamodb", region_name="eu-central-1"), prefix="t")
        table = boto3.resource("dynamodb", region_name="eu-central-1").Table(names["audit"])
        for i in range(7):
            table.put_item(Item={"pk": "P", "sk": f"{i:02d}"})
        table.put_item(Item={"pk": "other", "sk": "00"})
        calls: list[dict] = []

        def query(**request):
            calls.append(request)
            return table.query(**request)

        found = list(all_items(query, KeyConditionExpression=Key("pk").eq("P"), Limit=2))
        assert [item["sk"] for item in found] == [f"{i:02d}" for i in range(7)]
        assert len(calls) == 4 and "ExclusiveStartKey" not in calls[0]
        assert [i["pk"] for i in all_items(table.scan)].count("P") == 7

        calls.clear()
        assert len(list(islice(all_items(query, KeyConditionExpression=Key("pk").eq("P"), Limit=2), 3))) == 3
        assert len(calls) == 2
