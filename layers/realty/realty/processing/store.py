"""Every DynamoDB, S3 and Step Functions call of tour processing.

Pipeline writes never answer HTTP: a failed condition there means a newer attempt owns the tour
(the step stops quietly), so they report it as a boolean instead of going through `transact`,
which is for the API's 409s (used here by `begin_processing`). The tour's items are laid out by
the tours store (`tour_key`, `collection_item`), which owns the `TOUR#` collection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from realty.adapters.errors import UpstreamRetryable
from realty.core import clock
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import (
    Guarded,
    batch_write,
    failed_conditions,
    from_item,
    send_transaction,
    to_item,
    transact,
    update_action,
)
from realty.core.errors import RateLimited, UpstreamError
from realty.processing.models import NoteView, StoredHighlight, StoredSummary, TourView, TranscriptMetadata
from realty.processing.steps import RecordingRef
from realty.tours.states import TourStatus
from realty.tours.store import collection_item, tour_key, tour_pk


def highlight_sk(timestamp_ms: int, highlight_id: str) -> str:
    return f"HIGHLIGHT#{timestamp_ms:010d}#{highlight_id}"


def chunk_key(tour_id: str, attempt: int, index: int, extension: str) -> str:
    return f"work/{tour_id}/{attempt}/chunk-{index:03d}.{extension}"


def timeline_key(tour_id: str, attempt: int) -> str:
    """The meeting's speaking timeline, as PrepareAudio found it for this attempt (the later steps read it)."""
    return f"work/{tour_id}/{attempt}/timeline.json"


def still_key(tour_id: str, attempt: int, highlight_id: str) -> str:
    """Beside the recording it shows, per attempt (a reprocess makes new highlights, new stills)."""
    return f"recordings/{tour_id}/stills/{attempt}/{highlight_id}.jpg"


def transcript_key(tour_id: str) -> str:
    return f"transcripts/{tour_id}/transcript.json"


# ---------------------------------------------------------------- the tour item


def get_tour(tour_id: str) -> TourView | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=tour_key(tour_id))
    item = response.get("Item")
    return TourView.model_validate(from_item(item)) if item else None


def begin_processing(
    tour: TourView,
    *,
    attempt: int,
    stamp: str,
    audit: dict[str, Any],
    message: str,
    with_actions: Sequence[dict[str, Any]] = (),
) -> None:
    """`status -> processing` and `processing_attempt -> attempt`, if nobody moved the tour since it was read."""
    update = update_action(
        get_settings().main_table,
        tour_key(tour.id),
        set_values={
            "status": TourStatus.PROCESSING.value,
            "processing_attempt": attempt,
            "processing_started_at": stamp,
            "updated_at": stamp,
            "processing_error": None,
            "processing_failed_at": None,
        },
        condition="#status = :current AND (attribute_not_exists(processing_attempt) OR processing_attempt = :previous)",
        names={"#status": "status"},
        values={":current": tour.status.value, ":previous": tour.processing_attempt},
    )
    transact(Guarded(update, message), audit, *with_actions)


def finish_processing(
    tour_id: str,
    *,
    attempt: int,
    target: TourStatus,
    stamp: str,
    audit: dict[str, Any],
    reason: str | None = None,
) -> bool:
    """`processing -> target` for this attempt; False when the tour is no longer at this attempt."""
    changes: dict[str, Any] = {"status": target.value}
    if target is TourStatus.PROCESSED:
        changes |= {"processed_at": stamp, "updated_at": stamp, "processing_error": None}
    else:
        changes |= {
            "processing_failed_at": stamp,
            "processing_error": reason or "processing failed",
            "updated_at": stamp,
        }
    update = update_action(
        get_settings().main_table,
        tour_key(tour_id),
        set_values=changes,
        condition="#status = :processing AND processing_attempt = :attempt",
        names={"#status": "status"},
        values={":processing": TourStatus.PROCESSING.value, ":attempt": attempt},
    )
    try:
        send_transaction([update, audit])
    except ClientError as error:
        if 0 in failed_conditions(error):
            return False
        raise
    return True


# ---------------------------------------------------------------- tour collection reads


def get_recording_item(tour_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=tour_key(tour_id, "RECORDING"))
    item = response.get("Item")
    return from_item(item) if item else None


def recording_kept_unprocessed(tour_id: str) -> bool:
    """The tour's recording arrived while its realtor had no pro plan, and was kept unprocessed."""
    item = get_recording_item(tour_id)
    return bool(item and item.get("status") == "available" and item.get("processing_status") == "pro_required")


def recording_processing_started_action(tour_id: str) -> dict[str, Any]:
    """The kept recording's `processing_status: pro_required -> started` (a transaction's Update)."""
    return update_action(
        get_settings().main_table,
        tour_key(tour_id, "RECORDING"),
        set_values={"processing_status": "started", "updated_at": clock.now_iso()},
        condition="processing_status = :kept",
        values={":kept": "pro_required"},
    )


def list_notes(tour_id: str) -> list[NoteView]:
    notes: list[NoteView] = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :notes)",
        "ExpressionAttributeValues": {":pk": {"S": tour_pk(tour_id)}, ":notes": {"S": "NOTE#"}},
    }
    while True:
        response = client("dynamodb").query(**kwargs)
        notes.extend(NoteView.model_validate(from_item(item)) for item in response.get("Items", []))
        if not response.get("LastEvaluatedKey"):
            return notes
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def tour_items(tour_id: str, *, low: str, high: str, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One Query over the sort keys `low`..`high` of a tour's collection, newest (highest key) first.

    `only` (sort-key prefixes or exact keys) narrows what is returned, not what is read.
    """
    kwargs: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": {"S": tour_pk(tour_id)}, ":low": {"S": low}, ":high": {"S": high}},
        "ScanIndexForward": False,
    }
    if only:
        clauses = []
        for index, prefix in enumerate(only):
            kwargs["ExpressionAttributeValues"][f":only{index}"] = {"S": prefix}
            clauses.append(f"begins_with(SK, :only{index})")
        kwargs["FilterExpression"] = " OR ".join(clauses)
    response = client("dynamodb").query(**kwargs)
    return [from_item(item) for item in response.get("Items", [])]


# ---------------------------------------------------------------- processing results


def put_transcript_metadata(metadata: TranscriptMetadata) -> None:
    item = collection_item(metadata.tour_id, "TRANSCRIPT", "transcript", metadata.model_dump(mode="json"))
    client("dynamodb").put_item(TableName=get_settings().main_table, Item=to_item(item))


def put_summary(summary: StoredSummary) -> None:
    item = collection_item(summary.tour_id, "SUMMARY", "summary", summary.model_dump(mode="json"))
    client("dynamodb").put_item(TableName=get_settings().main_table, Item=to_item(item))


def replace_highlights(tour_id: str, highlights: list[StoredHighlight]) -> int:
    """Write this run's highlights, then delete every other highlight of the tour (earlier runs).

    New before old: a reader sees the old set, then both briefly, never none. Returns how many
    earlier highlights were removed.
    """
    table = get_settings().main_table
    new_keys = {highlight_sk(h.timestamp_ms, h.id) for h in highlights}
    old_keys: list[str] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :h)",
        "ExpressionAttributeValues": {":pk": {"S": tour_pk(tour_id)}, ":h": {"S": "HIGHLIGHT#"}},
        "ProjectionExpression": "SK",
    }
    while True:
        response = client("dynamodb").query(**kwargs)
        old_keys.extend(item["SK"]["S"] for item in response.get("Items", []) if item["SK"]["S"] not in new_keys)
        if not response.get("LastEvaluatedKey"):
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    puts = [
        {
            "PutRequest": {
                "Item": to_item(
                    collection_item(tour_id, highlight_sk(h.timestamp_ms, h.id), "highlight", h.model_dump(mode="json"))
                )
            }
        }
        for h in highlights
    ]
    deletes = [{"DeleteRequest": {"Key": tour_key(tour_id, sk)}} for sk in old_keys]
    _batch_write(table, puts)
    _batch_write(table, deletes)
    return len(old_keys)


def _batch_write(table: str, requests: list[dict[str, Any]]) -> None:
    try:
        batch_write(table, requests)
    except RateLimited as error:
        raise UpstreamRetryable("the database kept throttling the highlight writes") from error


# ---------------------------------------------------------------- S3


def head_recording(bucket: str, object_key: str) -> RecordingRef | None:
    try:
        response = client("s3").head_object(Bucket=bucket, Key=object_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return RecordingRef(
        bucket=bucket,
        key=object_key,
        version_id=response.get("VersionId"),
        size_bytes=int(response.get("ContentLength", 0)),
        content_type=response.get("ContentType"),
    )


def download_recording(recording: RecordingRef, path: Path) -> None:
    extra = {"VersionId": recording.version_id} if recording.version_id else None
    client("s3").download_file(recording.bucket, recording.key, str(path), ExtraArgs=extra)


def download(object_key: str, path: Path) -> None:
    client("s3").download_file(get_settings().recordings_bucket, object_key, str(path))


def upload(path: Path, object_key: str, *, content_type: str) -> None:
    client("s3").upload_file(
        str(path), get_settings().recordings_bucket, object_key, ExtraArgs={"ContentType": content_type}
    )


def put_json(object_key: str, data: Any) -> None:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    client("s3").put_object(
        Bucket=get_settings().recordings_bucket, Key=object_key, Body=body, ContentType="application/json"
    )


def get_json(object_key: str) -> Any:
    response = client("s3").get_object(Bucket=get_settings().recordings_bucket, Key=object_key)
    return json.loads(response["Body"].read())


def get_json_if_exists(object_key: str) -> Any | None:
    try:
        return get_json(object_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise


# ---------------------------------------------------------------- Step Functions


def start_execution(name: str, payload: dict[str, Any]) -> str | None:
    """The new execution's ARN; None when an execution of that name already exists.

    Step Functions refusing or failing is an `UpstreamError` (the API's 502).
    """
    sfn = client("stepfunctions")
    try:
        response = sfn.start_execution(
            stateMachineArn=get_settings().tour_processing_state_machine_arn, name=name, input=json.dumps(payload)
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
            return None
        raise UpstreamError("tour processing could not be started, retry later") from error
    except BotoCoreError as error:
        raise UpstreamError("tour processing could not be started, retry later") from error
    return str(response["executionArn"])


# ---------------------------------------------------------------- the processing queue

# One message group: the queue hands starts over strictly in order of arrival (docs/processing.md).
PROCESSING_MESSAGE_GROUP = "tour-processing"


def enqueue_start(name: str, payload: dict[str, Any]) -> None:
    """Put an execution's start at the back of the processing queue.

    The execution name deduplicates it (a trigger repeated within SQS's five-minute window queues it
    once; a later repeat is skipped by the drain, which finds the execution). Failing is an
    `UpstreamError` (the API's 502).
    """
    try:
        client("sqs").send_message(
            QueueUrl=get_settings().processing_queue_url,
            MessageBody=json.dumps(payload),
            MessageGroupId=PROCESSING_MESSAGE_GROUP,
            MessageDeduplicationId=name,
        )
    except (ClientError, BotoCoreError) as error:
        raise UpstreamError("tour processing could not be queued, retry later") from error


def running_executions(*, up_to: int) -> int:
    """How many executions of the state machine are running, counted up to `up_to` (enough to know
    whether there is room, without listing a long backlog)."""
    sfn = client("stepfunctions")
    kwargs: dict[str, Any] = {
        "stateMachineArn": get_settings().tour_processing_state_machine_arn,
        "statusFilter": "RUNNING",
        "maxResults": min(max(up_to, 1), 1000),
    }
    running = 0
    while running < up_to:
        try:
            page = sfn.list_executions(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise UpstreamError("running executions could not be counted") from error
        running += len(page.get("executions", []))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return min(running, up_to)


# ---------------------------------------------------------------- the meeting's speaking timeline


def meeting_event_texts(tour_id: str, *, limit: int = 20) -> list[str]:
    """The concatenated meeting-events files of the tour's call (usually one; none before this
    release enabled them), as text; unreadable files are left out."""
    from realty.adapters.chime import concatenated_prefix

    bucket = get_settings().recordings_bucket
    prefix = f"{concatenated_prefix(tour_id)}/meeting-events/"
    try:
        listed = client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=limit)
        texts = []
        for entry in listed.get("Contents", []):
            body = client("s3").get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            texts.append(body.decode("utf-8", errors="replace"))
    except (ClientError, BotoCoreError):
        return []
    return texts


def call_attendees(tour_id: str) -> dict[str, str]:
    """`{attendee id: realtor|buyer}` from the tour's call item (`TOUR#<id>` / `CALL`)."""
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=tour_key(tour_id, "CALL"))
    found: dict[str, str] = {}
    if "Item" in response:
        item = from_item(response["Item"])
        for side in ("realtor", "buyer"):
            attendee = item.get(f"{side}_attendee_id")
            if attendee:
                found[str(attendee)] = side
    return found
