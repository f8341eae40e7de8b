"""DynamoDB and S3 access for calls and recordings.

The call item belongs to the tour's item collection and is created by the booking confirmation;
here it is only ever changed with UpdateItem inside a TransactWriteItems, on condition of the
status the service read, so concurrent requests (and Chime's own events) never both win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from realty.calls.models import CallState, PipelinePointer, Recording
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import conflicts_as, from_item, key, to_item
from realty.tours.models import Tour
from realty.tours.store import tour_pk


def _main() -> str:
    return get_settings().main_table


def recording_item(recording: Recording) -> dict[str, Any]:
    return {
        "PK": tour_pk(recording.tour_id),
        "SK": "RECORDING",
        "GSI1PK": f"CALL#{recording.call_id}",
        "GSI1SK": "RECORDING",
        "entity": "recording",
        **recording.model_dump(mode="json"),
    }


def pipeline_item(pointer: PipelinePointer) -> dict[str, Any]:
    return {
        "PK": f"PIPELINE#{pointer.pipeline_id}",
        "SK": "PIPELINE",
        "entity": "media_pipeline",
        **pointer.model_dump(mode="json"),
    }


# ---------------------------------------------------------------- reads


def get_call_by_id(call_id: str) -> CallState | None:
    """The call by its own id: one Query of GSI1 `CALL#<id>` / `CALL`."""
    response = client("dynamodb").query(
        TableName=_main(),
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND GSI1SK = :sk",
        ExpressionAttributeValues={":pk": {"S": f"CALL#{call_id}"}, ":sk": {"S": "CALL"}},
    )
    items = response.get("Items") or []
    return CallState.model_validate(from_item(items[0])) if items else None


def get_recording_by_call(call_id: str) -> Recording | None:
    """The recording by its call's id: one Query of GSI1 `CALL#<id>` / `RECORDING`."""
    response = client("dynamodb").query(
        TableName=_main(),
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND GSI1SK = :sk",
        ExpressionAttributeValues={":pk": {"S": f"CALL#{call_id}"}, ":sk": {"S": "RECORDING"}},
    )
    items = response.get("Items") or []
    return Recording.model_validate(from_item(items[0])) if items else None


def get_call(tour_id: str) -> CallState | None:
    response = client("dynamodb").get_item(TableName=_main(), Key=key(tour_pk(tour_id), "CALL"), ConsistentRead=True)
    item = response.get("Item")
    return CallState.model_validate(from_item(item)) if item else None


def get_tour_and_call(tour_id: str) -> tuple[Tour | None, CallState | None]:
    """The tour and its call, read together and consistently: one BatchGetItem."""
    table = _main()
    response = client("dynamodb").batch_get_item(
        RequestItems={
            table: {
                "Keys": [key(tour_pk(tour_id), "TOUR"), key(tour_pk(tour_id), "CALL")],
                "ConsistentRead": True,
            }
        }
    )
    tour: Tour | None = None
    call: CallState | None = None
    for raw in (response.get("Responses") or {}).get(table, []):
        item = from_item(raw)
        if item.get("SK") == "TOUR":
            tour = Tour.model_validate(item)
        elif item.get("SK") == "CALL":
            call = CallState.model_validate(item)
    if (response.get("UnprocessedKeys") or {}).get(table):
        # Throttled: read what is missing one by one rather than answer with half a tour.
        tour = tour or _get_tour(tour_id)
        call = call or get_call(tour_id)
    return tour, call


def _get_tour(tour_id: str) -> Tour | None:
    response = client("dynamodb").get_item(TableName=_main(), Key=key(tour_pk(tour_id), "TOUR"), ConsistentRead=True)
    item = response.get("Item")
    return Tour.model_validate(from_item(item)) if item else None


def get_recording(tour_id: str) -> Recording | None:
    response = client("dynamodb").get_item(
        TableName=_main(), Key=key(tour_pk(tour_id), "RECORDING"), ConsistentRead=True
    )
    item = response.get("Item")
    return Recording.model_validate(from_item(item)) if item else None


def get_pipeline(pipeline_id: str) -> PipelinePointer | None:
    response = client("dynamodb").get_item(TableName=_main(), Key=key(f"PIPELINE#{pipeline_id}", "PIPELINE"))
    item = response.get("Item")
    return PipelinePointer.model_validate(from_item(item)) if item else None


# ---------------------------------------------------------------- transaction actions


def update_call_action(
    tour_id: str,
    *,
    set_values: Mapping[str, Any],
    remove: Sequence[str] = (),
    condition: str,
    condition_values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An Update of the call item: SET `set_values` (None values skipped), REMOVE `remove`, if `condition`.

    `condition` may name `#status`, `#consent`, `#recording` and the placeholders in `condition_values`.
    """
    names = {"#status": "status", "#consent": "recording_consent", "#recording": "recording_status"}
    values: dict[str, Any] = dict(condition_values or {})
    assignments: list[str] = []
    for index, (field, value) in enumerate(v for v in set_values.items() if v[1] is not None):
        names[f"#s{index}"] = field
        values[f":s{index}"] = value
        assignments.append(f"#s{index} = :s{index}")
    removals: list[str] = []
    for index, field in enumerate(remove):
        names[f"#r{index}"] = field
        removals.append(f"#r{index}")
    expression = ""
    if assignments:
        expression += "SET " + ", ".join(assignments)
    if removals:
        expression += (" " if expression else "") + "REMOVE " + ", ".join(removals)
    used = f"{expression} {condition}"
    update: dict[str, Any] = {
        "TableName": _main(),
        "Key": key(tour_pk(tour_id), "CALL"),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {k: v for k, v in names.items() if k in used},
    }
    if values:
        update["ExpressionAttributeValues"] = to_item(values)
    return {"Update": update}


def put_recording_action(recording: Recording) -> dict[str, Any]:
    """The recording, once: a second delivery of the same file finds it there."""
    return {
        "Put": {
            "TableName": _main(),
            "Item": to_item(recording_item(recording)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def update_recording_action(
    tour_id: str, *, set_values: Mapping[str, Any], condition: str, condition_values: Mapping[str, Any]
) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = dict(condition_values)
    assignments = []
    for index, (field, value) in enumerate(set_values.items()):
        names[f"#s{index}"] = field
        values[f":s{index}"] = value
        assignments.append(f"#s{index} = :s{index}")
    for field in ("status", "processing_status"):
        if f"#{field}" in condition:
            names[f"#{field}"] = field
    return {
        "Update": {
            "TableName": _main(),
            "Key": key(tour_pk(tour_id), "RECORDING"),
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }


def put_pipeline_action(pointer: PipelinePointer) -> dict[str, Any]:
    # Pipeline ids are Chime's UUIDs; an idempotent retry writes the same pointer again.
    return {"Put": {"TableName": _main(), "Item": to_item(pipeline_item(pointer))}}


def transact(actions: list[dict[str, Any]], messages: Sequence[str | None]) -> None:
    """One TransactWriteItems; `messages[i]` is the 409 when action i's condition fails."""
    with conflicts_as(*messages):
        client("dynamodb").transact_write_items(TransactItems=actions)


# ---------------------------------------------------------------- S3


def presigned_get(bucket: str, s3_key: str, *, seconds: int, content_type: str | None) -> str:
    """A GET URL for the recording (signed locally: no AWS call)."""
    params: dict[str, Any] = {"Bucket": bucket, "Key": s3_key}
    if content_type:
        params["ResponseContentType"] = content_type
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))
