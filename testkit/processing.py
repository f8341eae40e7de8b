"""Helpers for the tour-processing tests: a tour with a recording, notes, the OpenAI key, and OpenAI's
real HTTP response shapes for respx."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from realty.core import clock, ids
from realty.core.dynamo import from_item, key, to_item
from testkit.env import TEST_ENV
from tools.template import ROOT

REGION = TEST_ENV["AWS_REGION"]
FIXTURE = ROOT / "tests" / "fixtures" / "sample_tour.mp3"
# The same speech as a generated video whose frames carry their second (scripts/make_sample_video.py).
VIDEO_FIXTURE = ROOT / "tests" / "fixtures" / "sample_tour.mp4"
OPENAI = "https://api.openai.com/v1"


def _table() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def seed_tour(
    realtor: Any,
    buyer: Any,
    *,
    status: str = "completed",
    recording: bytes | None = None,
    with_recording: bool = True,
    processing_attempt: int | None = None,
    video: bytes | None = None,
) -> str:
    """A tour item as the tours capability writes it, plus its recording item and file."""
    from realty.tours.models import Tour
    from realty.tours.store import tour_item

    tour_id = ids.new_id()
    stamp = clock.now_iso()
    tour = Tour(
        id=tour_id,
        booking_id=ids.new_id(),
        call_id=ids.new_id(),
        property_id=ids.new_id(),
        realtor_id=realtor.user_id,
        buyer_id=buyer.user_id,
        status=status,
        scheduled_at="2027-03-01T10:00:00Z",
        duration_minutes=30,
        ends_at="2027-03-01T10:30:00Z",
        property_address="12 Maple Street",
        property_city="Springfield",
        realtor_email=realtor.email,
        realtor_name="Rita Realtor",
        buyer_email=buyer.email,
        buyer_name="Bo Buyer",
        started_at="2027-03-01T10:00:00Z",
        ended_at="2027-03-01T10:30:00Z",
        created_at=stamp,
        updated_at=stamp,
    )
    item = tour_item(tour)
    if processing_attempt is not None:
        item["processing_attempt"] = processing_attempt
    _table().put_item(TableName=os.environ["MAIN_TABLE"], Item=to_item(item))
    if with_recording:
        put_recording(tour_id, realtor, buyer, FIXTURE.read_bytes() if recording is None else recording, video=video)
    return tour_id


def make_pro(realtor: Any) -> None:
    """Give the realtor an active pro subscription, as the billing webhook would record it."""
    from realty.billing.models import BillingAccount, Plan, SubscriptionStatus
    from realty.billing.store import _account_item

    stamp = clock.now_iso()
    account = BillingAccount(
        user_id=realtor.user_id, plan=Plan.PRO, status=SubscriptionStatus.ACTIVE, created_at=stamp, updated_at=stamp
    )
    _table().put_item(TableName=os.environ["MAIN_TABLE"], Item=to_item(_account_item(account)))


def put_recording(
    tour_id: str, realtor: Any, buyer: Any, data: bytes, *, suffix: str = "mp3", video: bytes | None = None
) -> str:
    """The recording item and its audio file (and, given `video`, its composited video file)."""
    bucket = os.environ["RECORDINGS_BUCKET"]
    object_key = f"recordings/{tour_id}/tour.{suffix}"
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=object_key, Body=data)
    video_fields: dict[str, Any] = {}
    if video is not None:
        video_key = f"recordings/{tour_id}/concatenated/composited-video/tour.mp4"
        boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=video_key, Body=video)
        video_fields = {"video_key": video_key, "video_content_type": "video/mp4", "video_size_bytes": len(video)}
    stamp = clock.now_iso()
    _table().put_item(
        TableName=os.environ["MAIN_TABLE"],
        Item=to_item(
            {
                "PK": f"TOUR#{tour_id}",
                "SK": "RECORDING",
                "entity": "recording",
                "tour_id": tour_id,
                "call_id": ids.new_id(),
                "realtor_id": realtor.user_id,
                "buyer_id": buyer.user_id,
                "status": "available",
                "bucket": bucket,
                "s3_key": object_key,
                "content_type": "audio/mpeg",
                "file_size_bytes": len(data),
                **video_fields,
                "created_at": stamp,
                "updated_at": stamp,
            }
        ),
    )
    return object_key


def add_note(tour_id: str, author: Any, content: str, *, timestamp_ms: int | None, tag: str | None = None) -> str:
    note_id = ids.new_id()
    stamp = clock.now_iso()
    _table().put_item(
        TableName=os.environ["MAIN_TABLE"],
        Item=to_item(
            {
                "PK": f"TOUR#{tour_id}",
                "SK": f"NOTE#{stamp}#{note_id}",
                "entity": "tour_note",
                "id": note_id,
                "tour_id": tour_id,
                "user_id": author.user_id,
                "author_role": author.role.value,
                "content": content,
                "tag": tag,
                "timestamp_ms": timestamp_ms,
                "created_at": stamp,
            }
        ),
    )
    return note_id


def tour_item(tour_id: str, sk: str = "TOUR") -> dict[str, Any] | None:
    found = _table().get_item(TableName=os.environ["MAIN_TABLE"], Key=key(f"TOUR#{tour_id}", sk)).get("Item")
    return from_item(found) if found else None


def tour_collection(tour_id: str) -> list[dict[str, Any]]:
    response = _table().query(
        TableName=os.environ["MAIN_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"TOUR#{tour_id}"}},
    )
    return [from_item(item) for item in response["Items"]]


def audit_actions(tour_id: str) -> list[str]:
    response = _table().query(
        TableName=os.environ["AUDIT_TABLE"],
        KeyConditionExpression="PK = :pk",  # a resource's audit history is the table's own partition
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#tour#{tour_id}"}},
    )
    return [from_item(item)["action"] for item in response["Items"]]


def set_openai_key(value: str) -> None:
    """Store an OpenAI key in the emulated secret, as an operator would after deploying."""
    from realty.adapters import openai as openai_adapter

    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=os.environ["OPENAI_SECRET_ARN"], SecretString=json.dumps({"api_key": value})
    )
    openai_adapter.reset()


# ---------------------------------------------------------------- OpenAI's response shapes


def whisper_verbose(segments: list[tuple[float, float, str]], *, language: str = "english") -> dict[str, Any]:
    """A `verbose_json` transcription with segment timestamps, as the API returns it."""
    duration = max((end for _, end, _ in segments), default=0.0)
    return {
        "task": "transcribe",
        "language": language,
        "duration": duration,
        "text": " ".join(text for _, _, text in segments),
        "segments": [
            {
                "id": index,
                "seek": 0,
                "start": start,
                "end": end,
                "text": f" {text}",
                "tokens": [50364, 1000 + index],
                "temperature": 0.0,
                "avg_logprob": -0.2,
                "compression_ratio": 1.3,
                "no_speech_prob": 0.01,
            }
            for index, (start, end, text) in enumerate(segments)
        ],
        "usage": {"type": "duration", "seconds": int(duration) + 1},
    }


def diarized_json(segments: list[tuple[float, float, str, str]]) -> dict[str, Any]:
    """A `diarized_json` transcription (`gpt-4o-transcribe-diarize`): segments with their speaker,
    a known speaker's name when reference clips were sent, else `A`, `B`..."""
    duration = max((end for _, end, _, _ in segments), default=0.0)
    return {
        "task": "transcribe",
        "duration": duration,
        "text": " ".join(text for _, _, text, _ in segments),
        "segments": [
            {
                "type": "transcript.text.segment",
                "id": f"seg_{index}",
                "start": start,
                "end": end,
                "text": text,
                "speaker": speaker,
            }
            for index, (start, end, text, speaker) in enumerate(segments)
        ],
        "usage": {"type": "duration", "seconds": int(duration) + 1},
    }


def chat_completion(content: dict[str, Any], *, model: str = "gpt-4o-mini-2024-07-18") -> dict[str, Any]:
    """A chat completion whose message content is the JSON a structured-output request asked for."""
    return {
        "id": "chatcmpl-" + ids.new_id().lower(),
        "object": "chat.completion",
        "created": 1_768_473_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": json.dumps(content), "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 812, "completion_tokens": 143, "total_tokens": 955},
        "system_fingerprint": "fp_test",
    }


def openai_error(status: int, code: str | None, message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}
