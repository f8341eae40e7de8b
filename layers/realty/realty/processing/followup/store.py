"""Every DynamoDB call of follow-ups and listing interest.

The follow-up is `TOUR#<id>` / `FOLLOWUP` (in the tour's collection); a listing's interest is one item
per tour under the listing, `PROPERTY#<property_id>` / `INTEREST#<tour_id>`, so the listing and all
of its interest come back from one Query (`INTEREST#` sorts before `PROPERTY`).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, batch_get, from_item, key, to_item, transact, update_action
from realty.processing.followup.models import FollowUpStatus, StoredFollowUp, StoredInterest
from realty.tours.store import collection_item, tour_key

FOLLOWUP_SK = "FOLLOWUP"
ALREADY_SENT = "the follow-up was already sent"
CHANGED = "the follow-up was changed meanwhile; read it again"


def _table() -> str:
    return get_settings().main_table


# ---------------------------------------------------------------- the follow-up


def tour_and_follow_up(
    tour_id: str, *, consistent: bool = False
) -> tuple[dict[str, Any] | None, StoredFollowUp | None]:
    """The tour item and its follow-up (one BatchGetItem)."""
    found = {
        str(i["SK"]): i
        for i in batch_get(_table(), [tour_key(tour_id), tour_key(tour_id, FOLLOWUP_SK)], consistent=consistent)
    }
    follow_up = found.get(FOLLOWUP_SK)
    return found.get("TOUR"), StoredFollowUp.model_validate(follow_up) if follow_up else None


def get_follow_up(tour_id: str) -> StoredFollowUp | None:
    response = client("dynamodb").get_item(TableName=_table(), Key=tour_key(tour_id, FOLLOWUP_SK), ConsistentRead=True)
    item = response.get("Item")
    return StoredFollowUp.model_validate(from_item(item)) if item else None


def put_draft(draft: StoredFollowUp) -> bool:
    """Write a generated draft unless the realtor edited or sent the one there; False when kept."""
    item = collection_item(draft.tour_id, FOLLOWUP_SK, "follow_up", draft.model_dump(mode="json", exclude_none=True))
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=to_item(item),
            ConditionExpression="attribute_not_exists(PK) OR (#status = :draft AND edited = :no)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":draft": FollowUpStatus.DRAFT.value, ":no": False}),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _draft_condition(version: int) -> dict[str, Any]:
    return {
        "condition": "#status = :draft AND version = :version",
        "names": {"#status": "status"},
        "values": {":draft": FollowUpStatus.DRAFT.value, ":version": version},
    }


def update_draft(tour_id: str, *, version: int, changes: dict[str, Any], stamp: str, audit: dict[str, Any]) -> None:
    """The realtor's edit (one transaction with its audit item); 409 when it was sent or changed meanwhile."""
    update = update_action(
        _table(),
        tour_key(tour_id, FOLLOWUP_SK),
        set_values={**changes, "edited": True, "updated_at": stamp},
        clauses=["version = version + :one"],
        **_draft_condition(version),
    )
    update["Update"]["ExpressionAttributeValues"] |= to_item({":one": 1})
    transact(Guarded(update, CHANGED), audit)


def mark_sent(tour_id: str, *, version: int, stamp: str, sent_by: str, audit: dict[str, Any]) -> None:
    """`draft -> sent`, claimed before the email goes out so that two sends email once (409 for the second)."""
    update = update_action(
        _table(),
        tour_key(tour_id, FOLLOWUP_SK),
        set_values={"status": FollowUpStatus.SENT.value, "sent_at": stamp, "sent_by": sent_by, "updated_at": stamp},
        **_draft_condition(version),
    )
    transact(Guarded(update, ALREADY_SENT), audit)


def unmark_sent(tour_id: str, *, sent_at: str) -> None:
    """Give the claim back (the email was not accepted): the draft stays, to be sent again."""
    update = update_action(
        _table(),
        tour_key(tour_id, FOLLOWUP_SK),
        set_values={"status": FollowUpStatus.DRAFT.value, "sent_at": None, "sent_by": None},
        condition="#status = :sent AND sent_at = :sent_at",
        names={"#status": "status"},
        values={":sent": FollowUpStatus.SENT.value, ":sent_at": sent_at},
    )["Update"]
    try:
        client("dynamodb").update_item(**update)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


# ---------------------------------------------------------------- interest per listing


def interest_key(property_id: str, tour_id: str) -> dict[str, Any]:
    return key(f"PROPERTY#{property_id}", f"INTEREST#{tour_id}")


_CONTENT = ("processed", "scheduled_at", "buyer_name", "likes", "concerns", "questions", "updated_at")


def put_interest(interest: StoredInterest) -> None:
    """A processed tour's part (idempotent; a reprocess replaces it, keeping what was marked answered)."""
    values = interest.model_dump(mode="json")
    update = update_action(
        _table(),
        interest_key(interest.property_id, interest.tour_id),
        set_values={
            "entity": "interest",
            "property_id": interest.property_id,
            "tour_id": interest.tour_id,
            **{name: values[name] for name in _CONTENT},
        },
        clauses=["answered = if_not_exists(answered, :none)"],
        values={":none": {}},
    )["Update"]
    client("dynamodb").update_item(**update)


def put_interest_stub(interest: StoredInterest) -> None:
    """A tour whose processing failed still counts as a tour of the listing (never replaces a processed one)."""
    item = {
        "PK": f"PROPERTY#{interest.property_id}",
        "SK": f"INTEREST#{interest.tour_id}",
        "entity": "interest",
        **interest.model_dump(mode="json", exclude_none=True),
    }
    try:
        client("dynamodb").put_item(
            TableName=_table(), Item=to_item(item), ConditionExpression="attribute_not_exists(PK)"
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


def listing_interest(property_id: str) -> tuple[dict[str, Any] | None, list[StoredInterest]]:
    """The listing item and every tour's interest: one Query (`INTEREST#` .. `PROPERTY`), paged only past
    DynamoDB's 1 MB a response (hundreds of tours)."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
        "ExpressionAttributeValues": to_item(
            {":pk": f"PROPERTY#{property_id}", ":low": "INTEREST#", ":high": "PROPERTY"}
        ),
    }
    listing: dict[str, Any] | None = None
    found: list[StoredInterest] = []
    while True:
        response = client("dynamodb").query(**kwargs)
        for raw in response.get("Items", []):
            item = from_item(raw)
            if item.get("SK") == "PROPERTY":
                listing = item
            elif str(item.get("SK", "")).startswith("INTEREST#"):
                found.append(StoredInterest.model_validate(item))
        if not response.get("LastEvaluatedKey"):
            return listing, found
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def set_answered(
    property_id: str, tour_id: str, question_key: str, mark: dict[str, str] | None, *, audit: dict[str, Any]
) -> None:
    """Mark one of the tour's questions answered (or open again), with its audit item; 404-worthy
    conditions (no such tour part) are the caller's to check first."""
    path = "answered.#question"
    update = update_action(
        _table(),
        interest_key(property_id, tour_id),
        clauses=[f"{path} = :mark"] if mark is not None else [],
        remove=[path] if mark is None else [],
        condition="attribute_exists(PK)",
        names={"#question": question_key},
        values={":mark": mark} if mark is not None else {},
    )
    transact(Guarded(update, "the tour's interest changed meanwhile; read it again"), audit)
