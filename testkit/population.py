"""Test-side reads of a sharded population (every item of `BOOKINGS`, `AUDIT`...), straight from the
tables rather than through the API under test: every shard, merged oldest first by sort key."""

from __future__ import annotations

import os
from typing import Any

import boto3


def population_items(population: str, *, audit: bool = False) -> list[dict[str, Any]]:
    """Typed items of a population: GSI4 of the main table (`PROPERTIES`, `BOOKINGS`, `TOURS`), GSI2
    (`USERS`), or with `audit` the audit table's feed (GSI2 `AUDIT`); oldest first."""
    from realty.core import shards

    index = "GSI2" if audit or population == "USERS" else "GSI4"
    table = os.environ["AUDIT_TABLE" if audit else "MAIN_TABLE"]
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    found: list[dict[str, Any]] = []
    for partition in shards.partitions(population):
        request: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": f"{index}PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
        }
        while True:
            response = dynamodb.query(**request)
            found += response["Items"]
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return sorted(found, key=lambda item: item[f"{index}SK"]["S"])


def audit_feed() -> list[dict[str, Any]]:
    """Every audit item (typed), oldest first."""
    return population_items("AUDIT", audit=True)
