"""The records that make a delivery happen once: a reminder's claim (`REMINDER#<booking>`) and a
message held for the recipient's quiet hours (`OUTBOX#<id>`), claimed by the delivery that sends it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import conflicts_as, from_item, key, to_item
from realty.core.errors import Conflict


def _main() -> str:
    return get_settings().main_table


def claim_reminder(booking_id: str, kind: str, sequence: int, *, created_at: str, expires_at: int) -> bool:
    """Record that a reminder is being sent; False when it was already (a second delivery)."""
    try:
        with conflicts_as("reminder already sent"):
            client("dynamodb").put_item(
                TableName=_main(),
                Item=to_item(
                    {
                        "PK": f"REMINDER#{booking_id}",
                        "SK": f"{kind}#{sequence}",
                        "entity": "reminder",
                        "booking_id": booking_id,
                        "kind": kind,
                        "sequence": sequence,
                        "created_at": created_at,
                        "expires_at": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(PK)",
            )
    except Conflict:
        return False
    return True


def release_reminder(booking_id: str, kind: str, sequence: int, *, created_at: str) -> None:
    """Remove this delivery's claim (its `created_at`) after its reminder could not be sent, so a
    retry sends it; a claim some other delivery holds is left alone."""
    try:
        with conflicts_as("the reminder was claimed by another delivery"):
            client("dynamodb").delete_item(
                TableName=_main(),
                Key=key(f"REMINDER#{booking_id}", f"{kind}#{sequence}"),
                ConditionExpression="created_at = :created_at",
                ExpressionAttributeValues={":created_at": {"S": created_at}},
            )
    except Conflict:
        pass


def hold_message(message: dict[str, Any]) -> None:
    item = {"PK": f"OUTBOX#{message['id']}", "SK": "MESSAGE", "entity": "held_message", **message}
    client("dynamodb").put_item(TableName=_main(), Item=to_item(item), ConditionExpression="attribute_not_exists(PK)")


def claim_message(message_id: str, *, claimed_at: str) -> dict[str, Any] | bool | None:
    """The held message, claimed for sending; False when another delivery claimed it, None if gone."""
    try:
        response = client("dynamodb").update_item(
            TableName=_main(),
            Key=key(f"OUTBOX#{message_id}", "MESSAGE"),
            UpdateExpression="SET claimed_at = :at",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(claimed_at)",
            ExpressionAttributeValues={":at": {"S": claimed_at}},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return False if error.response.get("Item") else None
    return from_item(response["Attributes"])


def release_message(message_id: str, *, claimed_at: str) -> None:
    """Give a claim back after SES refused the message, so a retry sends it."""
    client("dynamodb").update_item(
        TableName=_main(),
        Key=key(f"OUTBOX#{message_id}", "MESSAGE"),
        UpdateExpression="REMOVE claimed_at",
        ConditionExpression="claimed_at = :at",
        ExpressionAttributeValues={":at": {"S": claimed_at}},
    )
