"""The real tour-processing ASL, executed by moto's interpreter, every task one of our real handlers."""

from __future__ import annotations

import json

import boto3
import pytest

from realty.processing.service import start_processing
from testkit.processing import add_note, seed_tour, tour_collection, tour_item
from testkit.stepfunctions import execution_history, wait_for_execution

pytestmark = pytest.mark.slow


def _s3_json(key: str) -> dict:
    import os

    body = boto3.client("s3").get_object(Bucket=os.environ["RECORDINGS_BUCKET"], Key=key)["Body"].read()
    return json.loads(body)


def _main_item(pk: str, sk: str) -> dict:
    import os

    from realty.core.dynamo import from_item

    found = boto3.client("dynamodb").get_item(
        TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": pk}, "SK": {"S": sk}}
    )
    return from_item(found["Item"])


def test_a_recording_becomes_a_processed_tour_with_offline_providers(processing_aws, people, outbox, monkeypatch):
    from realty.core.config import reset_settings

    # 30-second chunks: the 80-second sample is split in three, transcribed by the Map in parallel.
    monkeypatch.setenv("AUDIO_CHUNK_SECONDS", "30")
    reset_settings()
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)
    add_note(tour_id, buyer, "Water stain on the basement wall", timestamp_ms=41_000, tag="concern")
    add_note(tour_id, realtor, "Send the disclosures", timestamp_ms=10_000_000)  # after the end: clamped
    add_note(tour_id, buyer, "untimed thought", timestamp_ms=None)

    started = start_processing(tour_id)
    assert started.attempt == 1
    assert started.execution_name == f"{tour_id}-1"
    assert tour_item(tour_id)["status"] == "processing"

    execution = wait_for_execution(started.execution_arn)
    assert execution["status"] == "SUCCEEDED", execution

    tour = tour_item(tour_id)
    assert tour["status"] == "processed"
    assert tour["processing_attempt"] == 1
    assert "processing_error" not in tour
    assert processing_aws["invoked"][:2] == ["ProcessingDownloadRecordingFunction", "ProcessingPrepareAudioFunction"]
    assert processing_aws["invoked"].count("ProcessingTranscribeChunkFunction") == 3
    assert processing_aws["invoked"][-3:] == [
        "ProcessingDetectHighlightsFunction",
        "ProcessingGenerateSummaryFunction",
        "ProcessingFinalizeFunction",
    ]

    items = {item["SK"]: item for item in tour_collection(tour_id)}
    metadata = items["TRANSCRIPT"]
    assert metadata["model"] == "pocketsphinx-5.1.1"
    assert metadata["s3_key"] == f"transcripts/{tour_id}/transcript.json"
    assert 78_000 <= metadata["duration_ms"] <= 82_000
    transcript = _s3_json(metadata["s3_key"])
    starts = [s["start_ms"] for s in transcript["segments"]]
    assert starts == sorted(starts) and len(starts) == metadata["segment_count"] >= 8
    assert starts[-1] > 60_000  # the last chunk's segments are shifted by its offset
    words = transcript["full_text"].split()
    for expected in ("bedrooms", "price", "basement", "offer"):
        assert expected in words, expected
    # Two voices, told apart over the whole tour (three chunks): the realtor opens, the buyer answers.
    said = [(s["speaker"], s["speaker_name"], s["speaker_method"]) for s in transcript["segments"]]
    assert said[0] == ("realtor", "Rita Realtor", "voice")
    assert said[1][:2] == ("buyer", "Bo Buyer")
    assert {s["speaker"] for s in transcript["segments"]} == {"realtor", "buyer"}
    assert all(0 < s["speaker_confidence"] <= 1 for s in transcript["segments"])

    highlights = [item for sk, item in items.items() if sk.startswith("HIGHLIGHT#")]
    by_source = {h["source"] for h in highlights}
    assert by_source == {"ai", "note"}
    ai = [h for h in highlights if h["source"] == "ai"]
    assert all(h["model"] == "rules-v1" for h in ai)
    assert {"price", "feature"} <= {h["highlight_type"] for h in ai}
    notes = sorted((h["timestamp_ms"], h["highlight_type"], h["note"]) for h in highlights if h["source"] == "note")
    assert notes[0] == (41_000, "concern", "Water stain on the basement wall")
    assert {h["speaker"] for h in highlights if h["source"] == "note" and h["timestamp_ms"] == 41_000} == {"buyer"}
    assert all(h["speaker"] in ("realtor", "buyer") for h in ai)
    assert notes[1][0] == metadata["duration_ms"]  # clamped into the recording
    assert len(notes) == 2  # the untimed note is not a moment of the tour
    assert all(h["SK"] == f"HIGHLIGHT#{h['timestamp_ms']:010d}#{h['id']}" for h in highlights)

    summary = items["SUMMARY"]
    assert summary["model"] == "rules-v1"
    assert summary["overview"].startswith("A 1 minute tour")
    assert any("stain" in concern.lower() for concern in summary["concerns"])

    assert [m.subject for m in outbox.to(realtor.email)] == ["Your tour summary is ready: 12 Maple Street"]
    assert len(outbox.to(buyer.email)) == 1
    # Finalize drafted the realtor's follow-up, wrote the tour's part of its listing's interest, and the
    # summary emails link to the moments.
    follow_up = items["FOLLOWUP"]
    assert (follow_up["status"], follow_up["model"]) == ("draft", "template-v1")
    assert follow_up["body"].startswith("Hi Bo,\n\nThank you for touring 12 Maple Street with me.")
    interest = _main_item(f"PROPERTY#{tour['property_id']}", f"INTEREST#{tour_id}")
    assert interest["processed"] is True
    assert any("stain" in concern["text"].lower() for concern in interest["concerns"])
    assert f"/tours/{tour_id}/results?t=41000" in outbox.to(buyer.email)[0].text
    assert "A draft follow-up to Bo Buyer is ready" in outbox.to(realtor.email)[0].text
    names = [e["type"] for e in execution_history(started.execution_arn)]
    assert "MapStateSucceeded" in names or "MapStateExited" in names


def test_a_recording_that_is_not_audio_fails_the_tour_without_retrying(processing_aws, people, outbox):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, recording=b"this is not an audio file at all" * 100)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "InvalidRecording"
    assert processing_aws["invoked"].count("ProcessingPrepareAudioFunction") == 1
    tour = tour_item(tour_id)
    assert tour["status"] == "processing_failed"
    assert tour["processing_error"].startswith("the recording could not be decoded")
    assert len(outbox.to(realtor.email)) == 1


def test_a_tour_without_a_recording_fails_with_that_reason(processing_aws, people, outbox):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, with_recording=False)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "FAILED"
    assert tour_item(tour_id)["processing_error"] == "the tour has no recording to process"
    assert processing_aws["invoked"] == ["ProcessingDownloadRecordingFunction", "ProcessingMarkFailedFunction"]


def test_start_processing_refuses_a_tour_that_has_not_ended_and_starts_nothing(processing_aws, people):
    from realty.core.errors import Conflict

    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, status="in_progress")

    with pytest.raises(Conflict) as refused:
        start_processing(tour_id)

    assert refused.value.code == "INVALID_TRANSITION"
    assert tour_item(tour_id)["status"] == "in_progress"
    assert "processing_attempt" not in tour_item(tour_id)
    machine = processing_aws["state_machine"]
    assert boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []


def test_a_repeated_trigger_for_the_same_attempt_starts_one_execution(processing_aws, people, outbox):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, with_recording=False)

    first = start_processing(tour_id, attempt=1)
    repeated = start_processing(tour_id, attempt=1)

    assert repeated.attempt == first.attempt == 1
    assert repeated.execution_arn == first.execution_arn
    wait_for_execution(first.execution_arn)
    machine = processing_aws["state_machine"]
    assert len(boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]) == 1
    assert tour_item(tour_id)["processing_attempt"] == 1


def test_a_video_recording_gives_every_highlight_a_still_of_its_moment(processing_aws, people, outbox):
    import os

    import requests

    from testkit.api import call
    from testkit.processing import VIDEO_FIXTURE
    from tests.support.video import frame_second

    realtor, buyer = people
    # The audio Chime concatenates beside the video is the same speech: the video's own file stands in.
    video = VIDEO_FIXTURE.read_bytes()
    tour_id = seed_tour(realtor, buyer, recording=video, video=video)
    add_note(tour_id, buyer, "Water stain on the basement wall", timestamp_ms=41_000, tag="concern")

    execution = wait_for_execution(start_processing(tour_id).execution_arn)

    assert execution["status"] == "SUCCEEDED", execution
    highlights = [item for item in tour_collection(tour_id) if item["SK"].startswith("HIGHLIGHT#")]
    assert len(highlights) >= 3
    s3 = boto3.client("s3")
    for highlight in highlights:
        assert highlight["image_key"] == f"recordings/{tour_id}/stills/1/{highlight['id']}.jpg"
        still = s3.get_object(Bucket=os.environ["RECORDINGS_BUCKET"], Key=highlight["image_key"])
        assert still["ContentType"] == "image/jpeg"
        moment = highlight["timestamp_ms"]
        assert frame_second(still["Body"].read()) in {moment // 1000, (moment + 500) // 1000}, highlight

    # What the people see: each highlight with a presigned URL to its still, which is that frame.
    shown = call("GET", f"/api/v1/buyers/tours/{tour_id}/highlights", caller=buyer).data["attributes"]["highlights"]
    assert len(shown) == len(highlights)
    note = next(h for h in shown if h["timestamp_ms"] == 41_000)
    assert "X-Amz-Expires=900" in note["image_url"]
    assert frame_second(requests.get(note["image_url"], timeout=5).content) == 41
    detail = call("GET", f"/api/v1/realtors/tours/{tour_id}", caller=realtor).data["attributes"]["highlights"]
    assert all(h["image_url"] for h in detail)
    assert "image_key" not in json.dumps(shown) + json.dumps(detail)


def test_a_video_that_cannot_be_read_leaves_the_highlights_without_stills(processing_aws, people, outbox):
    """Stills are a picture beside the highlights: a video S3 cannot give (gone, refused) never fails the tour."""
    from testkit.processing import VIDEO_FIXTURE

    realtor, buyer = people
    video = VIDEO_FIXTURE.read_bytes()
    tour_id = seed_tour(realtor, buyer, recording=video, video=video)
    recording = next(item for item in tour_collection(tour_id) if item["SK"] == "RECORDING")
    boto3.client("s3").delete_object(Bucket=recording.get("bucket"), Key=recording["video_key"])

    execution = wait_for_execution(start_processing(tour_id).execution_arn)

    assert execution["status"] == "SUCCEEDED", execution
    highlights = [item for item in tour_collection(tour_id) if item["SK"].startswith("HIGHLIGHT#")]
    assert highlights
    assert not any(item.get("image_key") for item in highlights)
    assert tour_item(tour_id)["status"] == "processed"
