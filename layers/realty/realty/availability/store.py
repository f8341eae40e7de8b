"""DynamoDB access for availability: the realtor's rules and blocks, in the realtor's own partition.

`USER#<realtor_id>` holds the user's `PROFILE`; beside it `AVAILABILITY` (the rules) and
`BLOCK#<id>` (blocks and openings), so one Query (`SK BETWEEN AVAILABILITY AND BLOCK#~`) reads
everything a realtor's calendar needs and never the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.availability.models import Block, StoredAvailability
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, from_item, key, to_item, transact

RULES_SK = "AVAILABILITY"
BLOCK_PREFIX = "BLOCK#"
CHANGED = "the availability was changed by another request; reload it and retry"
NO_BLOCK = "no such block"


def _pk(realtor_id: str) -> str:
    return f"USER#{realtor_id}"


def _main() -> str:
    return get_settings().main_table


@dataclass(frozen=True)
class RealtorCalendar:
    """A realtor's saved rules (None: never saved, the defaults apply) and blocks, start order."""

    rules: StoredAvailability | None
    blocks: list[Block]


def read_calendar(realtor_id: str) -> RealtorCalendar:
    """The rules and every block of a realtor: one Query (a realtor holds at most `MAX_BLOCKS`)."""
    request: dict[str, Any] = {
        "TableName": _main(),
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :rules AND :blocks",
        "ExpressionAttributeValues": {
            ":pk": {"S": _pk(realtor_id)},
            ":rules": {"S": RULES_SK},
            ":blocks": {"S": BLOCK_PREFIX + "~"},
        },
        "ConsistentRead": True,
    }
    items: list[dict[str, Any]] = []
    while True:
        response = client("dynamodb").query(**request)
        items += [from_item(i) for i in response.get("Items") or []]
        if not response.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    rules = next((StoredAvailability.model_validate(i) for i in items if i["SK"] == RULES_SK), None)
    blocks = [Block.model_validate(i) for i in items if str(i["SK"]).startswith(BLOCK_PREFIX)]
    return RealtorCalendar(rules=rules, blocks=sorted(blocks, key=lambda b: (b.starts_at, b.id)))


def save_rules(rules: StoredAvailability, *, previous: StoredAvailability | None, audit: dict[str, Any]) -> None:
    """Replace the rules if nobody saved others since they were read."""
    put: dict[str, Any] = {
        "TableName": _main(),
        "Item": to_item(
            {"PK": _pk(rules.realtor_id), "SK": RULES_SK, "entity": "availability", **rules.model_dump(mode="json")}
        ),
    }
    if previous is None:
        put["ConditionExpression"] = "attribute_not_exists(PK)"
    else:
        put["ConditionExpression"] = "version = :version"
        put["ExpressionAttributeValues"] = {":version": {"N": str(previous.version)}}
    transact(Guarded({"Put": put}, CHANGED), audit)


def create_block(block: Block, *, expires_at: int, audit: dict[str, Any]) -> None:
    item = {
        "PK": _pk(block.realtor_id),
        "SK": BLOCK_PREFIX + block.id,
        "entity": "availability_block",
        **block.model_dump(mode="json"),
        # Gone a day after it ends: a past block changes no free time.
        "expires_at": expires_at,
    }
    put = {"Put": {"TableName": _main(), "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}}
    transact(Guarded(put, "this block already exists"), audit)


def delete_block(realtor_id: str, block_id: str, *, audit: dict[str, Any]) -> None:
    """Remove one of the realtor's blocks; a block that is not there is a `Conflict` with `NO_BLOCK`."""
    delete = {
        "Delete": {
            "TableName": _main(),
            "Key": key(_pk(realtor_id), BLOCK_PREFIX + block_id),
            "ConditionExpression": "attribute_exists(PK)",
        }
    }
    transact(Guarded(delete, NO_BLOCK), audit)
