"""DynamoDB access for tours: the tour's item collection (`PK = TOUR#<id>`) and the by-owner lists.

This module owns the `TOUR#` keys: the capabilities that keep items in a tour's collection (calls:
the call's meeting and the recording; processing: status, transcript, summary, highlights) build
their keys and items with `tour_pk`, `tour_key` and `collection_item`, and change the tour's status
with `status_action`, so the collection's layout is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.core import shards
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, from_item, index_key_names, key, to_item, transact, update_action
from realty.tours.models import Call, Highlight, Tour, TourCollection, TourNote
from realty.tours.states import TourStatus

# Tours last at most two hours: a tour that started this long ago may still be running.
LONGEST_TOUR_MINUTES = 120


def tour_pk(tour_id: str) -> str:
    return f"TOUR#{tour_id}"


def tour_key(tour_id: str, sk: str = "TOUR") -> dict[str, Any]:
    """The key of an item of the tour's collection: the tour itself (`TOUR`), `CALL`, `RECORDING`..."""
    return key(tour_pk(tour_id), sk)


def collection_item(tour_id: str, sk: str, entity: str, values: dict[str, Any], **index_keys: str) -> dict[str, Any]:
    """An item stored under the tour (`PK = TOUR#<id>`), with the GSI keys it is also found by."""
    return {"PK": tour_pk(tour_id), "SK": sk, **index_keys, "entity": entity, **values}


def tour_item(tour: Tour) -> dict[str, Any]:
    order = f"{tour.scheduled_at}#{tour.id}"
    return {
        "PK": tour_pk(tour.id),
        "SK": "TOUR",
        "GSI1PK": f"BUYER#{tour.buyer_id}#TOURS",
        "GSI1SK": order,
        "GSI2PK": f"REALTOR#{tour.realtor_id}#TOURS",
        "GSI2SK": order,
        "GSI4PK": shards.partition("TOURS", tour.id),
        "GSI4SK": f"{tour.created_at}#{tour.id}",
        "entity": "tour",
        **tour.model_dump(mode="json"),
    }


def call_item(call: Call) -> dict[str, Any]:
    return collection_item(
        call.tour_id, "CALL", "call", call.model_dump(mode="json"), GSI1PK=f"CALL#{call.id}", GSI1SK="CALL"
    )


def note_item(note: TourNote) -> dict[str, Any]:
    return collection_item(note.tour_id, f"NOTE#{note.created_at}#{note.id}", "tour_note", note.model_dump(mode="json"))


# ---------------------------------------------------------------- transaction actions


def create_actions(tour: Tour, call: Call) -> list[dict[str, Any]]:
    """Puts of a new tour and its call, for the confirmation's transaction (two actions)."""
    table = get_settings().main_table
    return [
        {"Put": {"TableName": table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(PK)"}}
        for item in (tour_item(tour), call_item(call))
    ]


def status_action(
    tour_id: str, *, expected: TourStatus, target: TourStatus, stamp: str, stamp_attribute: str
) -> dict[str, Any]:
    """An Update moving a tour from `expected` to `target` (checked by the caller against the table)."""
    return update_action(
        get_settings().main_table,
        tour_key(tour_id),
        set_values={"status": target.value, stamp_attribute: stamp, "updated_at": stamp},
        condition="#status = :expected",
        names={"#status": "status"},
        values={":expected": expected.value},
    )


# ---------------------------------------------------------------- reads


def get_tour(tour_id: str, *, consistent: bool = False) -> Tour | None:
    response = client("dynamodb").get_item(
        TableName=get_settings().main_table, Key=tour_key(tour_id), ConsistentRead=consistent
    )
    item = response.get("Item")
    return Tour.model_validate(from_item(item)) if item else None


def get_collection(tour_id: str) -> TourCollection | None:
    """The tour with its call, notes, highlights and everything else stored under it: one Query.

    A tour's collection stays far below DynamoDB's 1 MB page (notes are capped, transcripts live in
    S3); the loop only guards against a collection that ever grows past it.
    """
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": tour_pk(tour_id)}},
    }
    items: list[dict[str, Any]] = []
    while True:
        response = client("dynamodb").query(**request)
        items += [from_item(i) for i in response.get("Items", [])]
        if not response.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    tour: Tour | None = None
    call: Call | None = None
    notes: list[TourNote] = []
    highlights: list[Highlight] = []
    for item in items:
        sk = str(item.get("SK", ""))
        if sk == "TOUR":
            tour = Tour.model_validate(item)
        elif sk == "CALL":
            call = Call.model_validate(item)
        elif sk.startswith("NOTE#"):
            notes.append(TourNote.model_validate(item))
        elif sk.startswith("HIGHLIGHT#"):
            highlights.append(Highlight.model_validate(item))
    if tour is None:
        return None
    return TourCollection(tour=tour, call=call, notes=notes, highlights=highlights)


@dataclass(frozen=True)
class TourQuery:
    """One page of a by-owner (or all-tours) list; `index`/`pk` name the GSI partition."""

    index: str
    pk: str
    when: str | None
    status: TourStatus | None
    now: str
    earliest_running_start: str
    limit: int
    start_key: dict[str, Any] | None


def list_tours(query: TourQuery) -> tuple[list[Tour], dict[str, Any] | None]:
    """A page of GSI1/GSI2 (by scheduled_at) or GSI4 (by creation), read as every list is (`query_page`).

    `upcoming`: not over yet (ends_at in the future), soonest first, cancelled tours left out;
    `past`: over, most recent first; neither: everything, most recent first.
    """
    pk_name, sk_name = f"{query.index}PK", f"{query.index}SK"
    names: dict[str, str] = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": {"S": query.pk}}
    key_condition = "#pk = :pk"
    filters: list[str] = []
    by_schedule = query.index != "GSI4"
    forward = False
    if query.when == "upcoming":
        forward = by_schedule
        if by_schedule:
            names["#sk"] = sk_name
            values[":earliest"] = {"S": query.earliest_running_start}
            key_condition += " AND #sk >= :earliest"
        filters.append("ends_at > :now")
        if query.status is None:
            filters.append("#status <> :cancelled")
            values[":cancelled"] = {"S": TourStatus.CANCELLED.value}
        values[":now"] = {"S": query.now}
    elif query.when == "past":
        if by_schedule:
            names["#sk"] = sk_name
            values[":now_key"] = {"S": query.now}
            key_condition += " AND #sk < :now_key"
        filters.append("ends_at <= :now")
        values[":now"] = {"S": query.now}
    if query.status is not None:
        filters.append("#status = :status")
        values[":status"] = {"S": query.status.value}
    if "#status" in " ".join(filters):
        names["#status"] = "status"
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "IndexName": query.index,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": forward,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    items, last_key = shards.read_page(
        request, limit=query.limit, start_key=query.start_key, key_names=index_key_names(query.index)
    )
    return [Tour.model_validate(from_item(i)) for i in items], last_key


# ---------------------------------------------------------------- writes


def add_note(note: TourNote, *, audit: dict[str, Any]) -> None:
    """The note, if its tour still exists and is not cancelled, with its audit item."""
    table = get_settings().main_table
    tour_open = {
        "ConditionCheck": {
            "TableName": table,
            "Key": tour_key(note.tour_id),
            "ConditionExpression": "attribute_exists(PK) AND #status <> :cancelled",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":cancelled": {"S": TourStatus.CANCELLED.value}},
        }
    }
    put = {
        "Put": {"TableName": table, "Item": to_item(note_item(note)), "ConditionExpression": "attribute_not_exists(PK)"}
    }
    transact(
        Guarded(tour_open, "the tour was cancelled; notes can no longer be added"),
        Guarded(put, "this note already exists"),
        audit,
    )


def _author_condition(note: TourNote) -> dict[str, Any]:
    return {
        "ConditionExpression": "attribute_exists(PK) AND user_id = :author",
        "ExpressionAttributeValues": {":author": {"S": note.user_id}},
    }


def _highlight_key(highlight: Highlight) -> dict[str, Any]:
    return tour_key(highlight.tour_id, f"HIGHLIGHT#{highlight.timestamp_ms:010d}#{highlight.id}")


def update_note(
    note: TourNote,
    changes: dict[str, Any],
    *,
    highlights: list[Highlight],
    highlight_changes: dict[str, Any],
    dropped: list[Highlight],
    audit: dict[str, Any],
) -> None:
    """The author's change to their note, and to the highlights processing made of it, in one transaction.

    `changes` are the note's new values (None removes one); `highlight_changes` the same for each of
    `highlights` (an update only if it still exists: a reprocess may have replaced it meanwhile);
    `dropped` highlights are deleted.
    """
    table = get_settings().main_table
    update = update_action(
        table,
        tour_key(note.tour_id, f"NOTE#{note.created_at}#{note.id}"),
        set_values=changes,
        condition="attribute_exists(PK) AND user_id = :author",
        values={":author": note.user_id},
    )
    derived = [
        update_action(table, _highlight_key(h), set_values=highlight_changes, condition="attribute_exists(PK)")
        for h in highlights
    ]
    transact(
        Guarded(update, "the note was deleted meanwhile"),
        *(Guarded(action, "the tour was processed again meanwhile, retry") for action in derived),
        *({"Delete": {"TableName": table, "Key": _highlight_key(h)}} for h in dropped),
        audit,
    )


def delete_note(note: TourNote, *, highlights: list[Highlight], audit: dict[str, Any]) -> None:
    """The note and the highlights processing made of it, gone together."""
    table = get_settings().main_table
    delete = {
        "Delete": {
            "TableName": table,
            "Key": tour_key(note.tour_id, f"NOTE#{note.created_at}#{note.id}"),
            **_author_condition(note),
        }
    }
    derived = [{"Delete": {"TableName": table, "Key": _highlight_key(h)}} for h in highlights]
    transact(Guarded(delete, "the note was deleted meanwhile"), *derived, audit)


# Highlight stills are shown as long as a recording's playback URL lives.
STILL_URL_SECONDS = 15 * 60


def still_url(highlight: Highlight) -> str | None:
    """A GET URL for the highlight's still, if it has one (signed locally: no AWS call)."""
    if not highlight.image_key:
        return None
    return str(
        client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": get_settings().recordings_bucket, "Key": highlight.image_key},
            ExpiresIn=STILL_URL_SECONDS,
        )
    )
