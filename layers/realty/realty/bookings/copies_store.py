"""The copies of a person kept on their bookings, tours, calls and listings (`realty.bookings.people`):
finding every item that holds one, and rewriting them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import transact, update_action
from realty.core.errors import Conflict


def participant_keys(index: str, pk: str) -> Iterator[dict[str, Any]]:
    """The table keys of every item in one by-participant partition (`BUYER#<id>#BOOKINGS` on GSI1,
    `REALTOR#<id>#TOURS` on GSI2...), page by page: what a profile edit refreshes (`bookings.people`)."""
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "IndexName": index,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": f"{index}PK"},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ProjectionExpression": "PK, SK",
    }
    while True:
        response = client("dynamodb").query(**request)
        for item in response.get("Items", []):
            yield {"PK": item["PK"], "SK": item["SK"]}
        if not response.get("LastEvaluatedKey"):
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def refresh_copies(keys: list[dict[str, Any]], values: dict[str, Any]) -> None:
    """Set `values` (None removes) on each existing item of `keys`, in transactions of a few items;
    an item deleted meanwhile is left alone (the group is retried item by item)."""
    table = get_settings().main_table
    for start in range(0, len(keys), REFRESH_GROUP):
        actions = [
            update_action(table, item_key, set_values=values, condition="attribute_exists(PK)")
            for item_key in keys[start : start + REFRESH_GROUP]
        ]
        try:
            transact(*actions)
        except Conflict:
            for action in actions:
                with suppress(Conflict):
                    transact(action)


# Items refreshed per transaction: small enough that one deleted item costs little to retry around.
REFRESH_GROUP = 25
