"""Every DynamoDB, S3 and Step Functions call of tour processing.

Pipeline writes never answer HTTP: a failed condition there means a newer attempt owns the tour
(the step stops quietly), so they report it as a boolean instead of going through `conflicts_as`,
which is for the API's 409s (used here by `begin_processing`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from realty.adapters.errors import UpstreamRetryable
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import conflicts_as, from_item, key, to_item
from realty.core.errors import UpstreamError
from realty.processing.models import (
    NoteView,
    RecordingRef,
    StoredHighlight,
    StoredSummary,
    TourView,
    TranscriptMetadata,
)
from realty.tours.states import TourStatus

_BATCH = 25
_BATCH_ATTEMPTS = 5


def tour_pk(tour_id: str) -> str:
    return f"TOUR#{tour_id}"


def highlight_sk(timestamp_ms: int, highlight_id: str) -> str:
    return f"HIGHLIGHT#{timestamp_ms:010d}#{highlight_id}"


def chunk_key(tour_id: str, attempt: int, index: int, extension: str) -> str:
    return f"work/{tour_id}/{attempt}/chunk-{index:03d}.{extension}"


def transcript_key(tour_id: str) -> str:
    return f"transcripts/{tour_id}/transcript.json"


# ---------------------------------------------------------------- the tour item


def get_tour(tour_id: str) -> TourView | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=key(tour_pk(tour_id), "TOUR"))
    item = response.get("Item")
    return TourView.model_validate(from_item(item)) if item else None


def begin_processing(tour: TourView, *, attempt: int, stamp: str, audit: dict[str, Any], message: str) -> None:
    """`status -> processing` and `processing_attempt -> attempt`, if nobody moved the tour since it was read."""
    update = {
        "Update": {
            "TableName": get_settings().main_table,
            "Key": key(tour_pk(tour.id), "TOUR"),
            "UpdateExpression": (
                "SET #status = :processing, processing_attempt = :attempt, processing_started_at = :stamp,"
                " updated_at = :stamp REMOVE processing_error, processing_failed_at"
            ),
            "ConditionExpression": (
                "#status = :current AND (attribute_not_exists(processing_attempt) OR processing_attempt = :previous)"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":processing": {"S": TourStatus.PROCESSING.value},
                ":current": {"S": tour.status.value},
                ":attempt": {"N": str(attempt)},
                ":previous": {"N": str(tour.processing_attempt)},
                ":stamp": {"S": stamp},
            },
        }
    }
    with conflicts_as(message, None):
        client("dynamodb").transact_write_items(TransactItems=[update, audit])


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
    names = {"#status": "status"}
    values: dict[str, Any] = {
        ":target": {"S": target.value},
        ":processing": {"S": TourStatus.PROCESSING.value},
        ":attempt": {"N": str(attempt)},
        ":stamp": {"S": stamp},
    }
    if target is TourStatus.PROCESSED:
        expression = "SET #status = :target, processed_at = :stamp, updated_at = :stamp REMOVE processing_error"
    else:
        expression = (
            "SET #status = :target, processing_failed_at = :stamp, processing_error = :reason, updated_at = :stamp"
        )
        values[":reason"] = {"S": reason or "processing failed"}
    update = {
        "Update": {
            "TableName": get_settings().main_table,
            "Key": key(tour_pk(tour_id), "TOUR"),
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :processing AND processing_attempt = :attempt",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
    try:
        client("dynamodb").transact_write_items(TransactItems=[update, audit])
    except ClientError as error:
        reasons = error.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


# ---------------------------------------------------------------- tour collection reads


def get_recording_item(tour_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=key(tour_pk(tour_id), "RECORDING"))
    item = response.get("Item")
    return from_item(item) if item else None


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
    item = {
        "PK": tour_pk(metadata.tour_id),
        "SK": "TRANSCRIPT",
        "entity": "transcript",
        **metadata.model_dump(mode="json"),
    }
    client("dynamodb").put_item(TableName=get_settings().main_table, Item=to_item(item))


def put_summary(summary: StoredSummary) -> None:
    item = {"PK": tour_pk(summary.tour_id), "SK": "SUMMARY", "entity": "summary", **summary.model_dump(mode="json")}
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
                    {
                        "PK": tour_pk(tour_id),
                        "SK": highlight_sk(h.timestamp_ms, h.id),
                        "entity": "highlight",
                        **h.model_dump(mode="json"),
                    }
                )
            }
        }
        for h in highlights
    ]
    deletes = [{"DeleteRequest": {"Key": key(tour_pk(tour_id), sk)}} for sk in old_keys]
    _batch_write(table, puts)
    _batch_write(table, deletes)
    return len(old_keys)


def _batch_write(table: str, requests: list[dict[str, Any]]) -> None:
    for start in range(0, len(requests), _BATCH):
        pending = requests[start : start + _BATCH]
        for attempt in range(_BATCH_ATTEMPTS):
            response = client("dynamodb").batch_write_item(RequestItems={table: pending})
            pending = (response.get("UnprocessedItems") or {}).get(table) or []
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        if pending:
            raise UpstreamRetryable("the database kept throttling the highlight writes")


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
