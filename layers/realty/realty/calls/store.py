"""DynamoDB and S3 access for calls and recordings.

The call item belongs to the tour's item collection and is created by the booking confirmation;
here it is only ever changed with UpdateItem inside a TransactWriteItems, on condition of the
status the service read, so concurrent requests (and Chime's own events) never both win.

Each change of a call is a named operation below: it holds the condition that makes it safe and the
409 its failing means, takes the changed fields once (as model values) and returns the call as it
now is, built from the same fields it wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from realty.calls.models import CallState, PipelinePointer, ProcessingStart, Recording
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, batch_get, from_item, key, to_item, transact, update_action
from realty.tours import store as tours_store
from realty.tours.models import CallStatus, RecordingStatus, Tour
from realty.tours.states import TourStatus

if TYPE_CHECKING:
    from realty.bookings.models import Booking

CALL_CHANGED = "the call was changed by another request; reload it and retry"
TOUR_CHANGED = "the tour was changed by another request; reload it and retry"
BOOKING_CHANGED = "the booking was changed by another request; reload it and retry"

# The placeholders the call's conditions use.
_CALL_NAMES = {"#status": "status", "#consent": "recording_consent", "#recording": "recording_status"}


def _main() -> str:
    return get_settings().main_table


def recording_item(recording: Recording) -> dict[str, Any]:
    return tours_store.collection_item(
        recording.tour_id,
        "RECORDING",
        "recording",
        recording.model_dump(mode="json"),
        GSI1PK=f"CALL#{recording.call_id}",
        GSI1SK="RECORDING",
    )


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
    response = client("dynamodb").get_item(
        TableName=_main(), Key=tours_store.tour_key(tour_id, "CALL"), ConsistentRead=True
    )
    item = response.get("Item")
    return CallState.model_validate(from_item(item)) if item else None


def get_tour_and_call(tour_id: str) -> tuple[Tour | None, CallState | None]:
    """The tour and its call, read together and consistently: one BatchGetItem."""
    keys = [tours_store.tour_key(tour_id), tours_store.tour_key(tour_id, "CALL")]
    tour: Tour | None = None
    call: CallState | None = None
    for item in batch_get(_main(), keys, consistent=True):
        if item.get("SK") == "TOUR":
            tour = Tour.model_validate(item)
        elif item.get("SK") == "CALL":
            call = CallState.model_validate(item)
    return tour, call


def get_recording(tour_id: str) -> Recording | None:
    response = client("dynamodb").get_item(
        TableName=_main(), Key=tours_store.tour_key(tour_id, "RECORDING"), ConsistentRead=True
    )
    item = response.get("Item")
    return Recording.model_validate(from_item(item)) if item else None


def get_pipeline(pipeline_id: str) -> PipelinePointer | None:
    response = client("dynamodb").get_item(TableName=_main(), Key=key(f"PIPELINE#{pipeline_id}", "PIPELINE"))
    item = response.get("Item")
    return PipelinePointer.model_validate(from_item(item)) if item else None


# ---------------------------------------------------------------- changes of the call


def _call_update(
    call: CallState, changes: Mapping[str, Any], *, condition: str, values: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], CallState]:
    """The Update writing `changes` (model values; None removes the attribute) if `condition` holds,
    and the call with them applied: one change, written and returned alike."""
    changed = call.model_copy(update=dict(changes))
    written = changed.model_dump(mode="json", include=set(changes))
    action = update_action(
        _main(),
        tours_store.tour_key(call.tour_id, "CALL"),
        set_values=written,
        condition=condition,
        names=_CALL_NAMES,
        values=values,
    )
    return action, changed


def _active(call: CallState, changes: Mapping[str, Any]) -> tuple[dict[str, Any], CallState]:
    return _call_update(call, changes, condition="#status = :active", values={":active": CallStatus.ACTIVE.value})


def _pipeline_put(pointer: PipelinePointer) -> dict[str, Any]:
    # Pipeline ids are Chime's UUIDs; an idempotent retry writes the same pointer again.
    return {"Put": {"TableName": _main(), "Item": to_item(pipeline_item(pointer))}}


def start_call(call: CallState, changes: Mapping[str, Any], *, audit: dict[str, Any]) -> CallState:
    """The meeting opened: the call `created -> active` and its tour `scheduled -> in_progress`."""
    update, started = _call_update(
        call, changes, condition="#status = :created", values={":created": CallStatus.CREATED.value}
    )
    tour = tours_store.status_action(
        call.tour_id,
        expected=TourStatus.SCHEDULED,
        target=TourStatus.IN_PROGRESS,
        stamp=str(started.started_at),
        stamp_attribute="started_at",
    )
    transact(Guarded(update, CALL_CHANGED), Guarded(tour, TOUR_CHANGED), audit)
    return started


def save_join(call: CallState, changes: Mapping[str, Any], *, audits: list[dict[str, Any]]) -> CallState:
    """A participant's attendee (and the buyer's consent), while the call is active."""
    update, joined = _active(call, changes)
    transact(Guarded(update, "the tour's call has ended"), *audits)
    return joined


def save_leave(call: CallState, attendee_field: str, *, stamp: str, audit: dict[str, Any]) -> CallState:
    """A participant's attendee removed, if it is still the one they left with."""
    update, left = _call_update(
        call,
        {attendee_field: None, "updated_at": stamp},
        condition=f"{attendee_field} = :attendee",
        values={":attendee": getattr(call, attendee_field)},
    )
    transact(Guarded(update, "you already left the call"), audit)
    return left


def start_recording(
    call: CallState, changes: Mapping[str, Any], *, pointer: PipelinePointer, audit: dict[str, Any]
) -> CallState:
    """The capture started: only on an active call, with the buyer's consent, never recorded before."""
    update, recording = _call_update(
        call,
        changes,
        condition="#status = :active AND #consent = :yes AND attribute_not_exists(#recording)",
        values={":active": CallStatus.ACTIVE.value, ":yes": True},
    )
    transact(Guarded(update, CALL_CHANGED), _pipeline_put(pointer), audit)
    return recording


def stop_recording(call: CallState, changes: Mapping[str, Any], *, audit: dict[str, Any]) -> CallState:
    """The capture stopped, if it is still running."""
    update, stopped = _call_update(
        call, changes, condition="#recording = :recording", values={":recording": RecordingStatus.RECORDING.value}
    )
    transact(Guarded(update, CALL_CHANGED), audit)
    return stopped


def end_call(
    call: CallState,
    changes: Mapping[str, Any],
    *,
    complete_tour: bool,
    complete_booking: Booking | None,
    audit: dict[str, Any],
) -> CallState:
    """The call ended; with `complete_tour`, its tour `in_progress -> completed`, and the confirmed
    booking `complete_booking` completed, all in one transaction."""
    update, ended = _active(call, changes)
    stamp = str(ended.ended_at)
    actions: list[dict[str, Any] | Guarded] = [Guarded(update, CALL_CHANGED)]
    if complete_tour:
        tour = tours_store.status_action(
            call.tour_id,
            expected=TourStatus.IN_PROGRESS,
            target=TourStatus.COMPLETED,
            stamp=stamp,
            stamp_attribute="ended_at",
        )
        actions.append(Guarded(tour, TOUR_CHANGED))
    if complete_booking is not None:
        from realty.bookings import store as bookings_store

        actions.append(Guarded(bookings_store.complete_action(complete_booking, stamp=stamp), BOOKING_CHANGED))
    transact(*actions, audit)
    return ended


def close_missed(call: CallState, *, booking: Booking | None, stamp: str, audit: dict[str, Any]) -> None:
    """A tour nobody started: the tour `scheduled -> missed` and its confirmed booking `missed`, in one
    transaction, only while the call was never opened (a start at the same instant wins or loses whole)."""
    tour = tours_store.status_action(
        call.tour_id, expected=TourStatus.SCHEDULED, target=TourStatus.MISSED, stamp=stamp, stamp_attribute="missed_at"
    )
    never_started = {
        "ConditionCheck": {
            "TableName": _main(),
            "Key": tours_store.tour_key(call.tour_id, "CALL"),
            "ConditionExpression": "#status = :created",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":created": {"S": CallStatus.CREATED.value}},
        }
    }
    actions: list[dict[str, Any] | Guarded] = [Guarded(tour, TOUR_CHANGED), Guarded(never_started, CALL_CHANGED)]
    if booking is not None:
        from realty.bookings import store as bookings_store

        actions.append(Guarded(bookings_store.missed_action(booking, stamp=stamp), BOOKING_CHANGED))
    transact(*actions, audit)


def start_concatenation(
    call: CallState, changes: Mapping[str, Any], *, pointer: PipelinePointer, audit: dict[str, Any]
) -> CallState:
    """The concatenation pipeline started, once: only from a stopped capture."""
    update, concatenating = _call_update(
        call, changes, condition="#recording = :stopped", values={":stopped": RecordingStatus.STOPPED.value}
    )
    transact(Guarded(update, CALL_CHANGED), _pipeline_put(pointer), audit)
    return concatenating


# ---------------------------------------------------------------- the recording


def add_recording(recording: Recording, *, call_status: RecordingStatus, audit: dict[str, Any]) -> None:
    """The tour's one recording item and the call's `recording_status`; a `Conflict` when the tour
    already has its recording (a second delivery of the file, or the file and a failure racing)."""
    put = {
        "Put": {
            "TableName": _main(),
            "Item": to_item(recording_item(recording)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    call = update_action(
        _main(),
        tours_store.tour_key(recording.tour_id, "CALL"),
        set_values={"recording_status": call_status.value, "updated_at": recording.updated_at},
        condition="attribute_exists(PK)",
    )
    transact(Guarded(put, "the recording is already recorded"), call, audit)


def attach_video(tour_id: str, changes: Mapping[str, Any], *, audit: dict[str, Any]) -> None:
    """The composited video's file on the tour's recording; a `Conflict` when the recording does not
    exist yet (the audio, whose arrival creates it, is still on its way)."""
    update = update_action(
        _main(),
        tours_store.tour_key(tour_id, "RECORDING"),
        set_values=dict(changes),
        condition="attribute_exists(PK)",
    )
    transact(Guarded(update, "the recording does not exist yet"), audit)


def save_processing_decision(recording: Recording, changes: Mapping[str, Any], *, audit: dict[str, Any]) -> Recording:
    """Whether the recording went on into processing, decided once (`processing_status` was pending)."""
    decided = recording.model_copy(update=dict(changes))
    update = update_action(
        _main(),
        tours_store.tour_key(recording.tour_id, "RECORDING"),
        set_values=decided.model_dump(mode="json", include=set(changes)),
        condition="#processing_status = :pending",
        names={"#processing_status": "processing_status"},
        values={":pending": ProcessingStart.PENDING.value},
    )
    transact(Guarded(update, "processing was already decided"), audit)
    return decided


# ---------------------------------------------------------------- S3


def presigned_get(bucket: str, s3_key: str, *, seconds: int, content_type: str | None) -> str:
    """A GET URL for the recording (signed locally: no AWS call)."""
    params: dict[str, Any] = {"Bucket": bucket, "Key": s3_key}
    if content_type:
        params["ResponseContentType"] = content_type
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))
