"""The processing routes of the tours function: reprocess, transcript, highlights, summary."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import boto3
import pytest

from realty.core import clock
from realty.processing import store
from realty.processing.models import StoredHighlight, StoredSummary, TranscriptMetadata
from testkit.api import call
from testkit.processing import audit_actions, make_pro, seed_tour, tour_item


@pytest.fixture
def people(make_user):
    return make_user("realtor"), make_user("buyer")


def _processed_tour(realtor, buyer, *, status: str = "processed", error: str | None = None) -> str:
    tour_id = seed_tour(realtor, buyer, status=status, processing_attempt=1)
    if error:
        boto3.client("dynamodb").update_item(
            TableName=os.environ["MAIN_TABLE"],
            Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
            UpdateExpression="SET processing_error = :e",
            ExpressionAttributeValues={":e": {"S": error}},
        )
    segments = [
        {"start_ms": 1_000, "end_ms": 4_000, "text": "The asking price is $450,000."},
        {"start_ms": 5_000, "end_ms": 9_000, "text": "There was a leak in the basement."},
    ]
    key = store.transcript_key(tour_id)
    store.put_json(
        key,
        {
            "full_text": " ".join(s["text"] for s in segments),
            "segments": segments,
            "language": "english",
            "model": "whisper-1",
            "duration_ms": 80_000,
            "confidence_score": 0.91,
        },
    )
    stamp = clock.now_iso()
    store.put_transcript_metadata(
        TranscriptMetadata(
            tour_id=tour_id,
            s3_key=key,
            language="english",
            duration_ms=80_000,
            segment_count=2,
            word_count=12,
            model="whisper-1",
            confidence_score=0.91,
            attempt=1,
            created_at=stamp,
        )
    )
    store.replace_highlights(
        tour_id,
        [
            StoredHighlight(
                id="01HIGHLIGHTB",
                tour_id=tour_id,
                timestamp_ms=5_000,
                highlight_type="concern",
                note="Basement leak",
                quote="There was a leak in the basement.",
                model="gpt-4o-mini",
                attempt=1,
                created_at=stamp,
            ),
            StoredHighlight(
                id="01HIGHLIGHTA",
                tour_id=tour_id,
                timestamp_ms=1_000,
                highlight_type="price",
                note="Asking $450,000",
                quote="The asking price is $450,000.",
                model="gpt-4o-mini",
                attempt=1,
                created_at=stamp,
            ),
            StoredHighlight(
                id="01HIGHLIGHTC",
                tour_id=tour_id,
                timestamp_ms=7_000,
                highlight_type="concern",
                note="Check the wall",
                source="note",
                note_id="01NOTE",
                attempt=1,
                created_at=stamp,
            ),
        ],
    )
    store.put_summary(
        StoredSummary(
            tour_id=tour_id,
            overview="A three-bedroom house.",
            liked=["Kitchen"],
            concerns=["Basement leak"],
            questions_for_seller=["HOA fees?"],
            next_steps=["Send disclosures"],
            model="gpt-4o-mini",
            attempt=1,
            created_at=stamp,
        )
    )
    return tour_id


def _no_internal_keys(body: dict) -> None:
    text = json.dumps(body)
    for internal in ('"PK"', '"SK"', "GSI1PK", "s3_key", "transcripts/"):
        assert internal not in text


def test_participants_read_the_transcript_highlights_and_summary(aws, people):
    realtor, buyer = people
    tour_id = _processed_tour(realtor, buyer)

    transcript = call("GET", f"/api/v1/buyers/tours/{tour_id}/transcript", caller=buyer)
    highlights = call("GET", f"/api/v1/realtors/tours/{tour_id}/highlights", caller=realtor)
    summary = call("GET", f"/api/v1/buyers/tours/{tour_id}/summary", caller=buyer)

    assert transcript.status == 200, transcript.body
    assert transcript.data["id"] == tour_id and transcript.data["type"] == "transcript"
    attributes = transcript.data["attributes"]
    assert attributes["status"] == "processed"
    assert attributes["full_text"] == "The asking price is $450,000. There was a leak in the basement."
    assert [s["start_ms"] for s in attributes["segments"]] == [1_000, 5_000]
    assert attributes["model"] == "whisper-1" and attributes["segment_count"] == 2
    assert highlights.status == 200
    listed = highlights.data["attributes"]["highlights"]
    assert [(h["timestamp_ms"], h["highlight_type"], h["source"]) for h in listed] == [
        (1_000, "price", "ai"),
        (5_000, "concern", "ai"),
        (7_000, "concern", "note"),
    ]
    assert highlights.data["attributes"]["model"] == "gpt-4o-mini"
    assert summary.status == 200
    assert summary.data["attributes"]["questions_for_seller"] == ["HOA fees?"]
    assert summary.data["relationships"]["tour"] == {"id": tour_id, "type": "tour"}
    for result in (transcript, highlights, summary):
        _no_internal_keys(result.body)


def test_a_highlight_has_one_shape_in_the_tours_details_and_on_its_route(aws, people):
    realtor, buyer = people
    tour_id = _processed_tour(realtor, buyer)

    detail = call("GET", f"/api/v1/buyers/tours/{tour_id}", caller=buyer)
    route = call("GET", f"/api/v1/buyers/tours/{tour_id}/highlights", caller=buyer)

    assert detail.status == route.status == 200
    embedded = sorted(detail.data["attributes"]["highlights"], key=lambda h: h["id"])
    listed = sorted(route.data["attributes"]["highlights"], key=lambda h: h["id"])
    assert embedded == listed
    assert embedded[0]["quote"] == "The asking price is $450,000."
    assert set(embedded[0]) == {
        "id",
        "timestamp_ms",
        "highlight_type",
        "note",
        "quote",
        "source",
        "image_url",
        "speaker",
        "speaker_name",
    }


def test_before_processing_the_routes_answer_the_status_without_content(aws, people):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, status="completed")

    for kind in ("transcript", "highlights", "summary"):
        result = call("GET", f"/api/v1/buyers/tours/{tour_id}/{kind}", caller=buyer)
        assert result.status == 200, result.body
        attributes = result.data["attributes"]
        assert attributes["status"] == "completed"
        content = {k: v for k, v in attributes.items() if k != "status"}
        assert all(value is None for value in content.values()), content


def test_a_failure_reason_is_shown_to_the_realtor_and_not_to_the_buyer(aws, people):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, status="processing_failed", processing_attempt=1)
    boto3.client("dynamodb").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET processing_error = :e",
        ExpressionAttributeValues={":e": {"S": "the OpenAI account is out of quota"}},
    )

    seen_by_realtor = call("GET", f"/api/v1/realtors/tours/{tour_id}/summary", caller=realtor)
    seen_by_buyer = call("GET", f"/api/v1/buyers/tours/{tour_id}/summary", caller=buyer)

    assert seen_by_realtor.data["attributes"]["processing_error"] == "the OpenAI account is out of quota"
    assert seen_by_realtor.data["attributes"]["status"] == "processing_failed"
    assert seen_by_buyer.data["attributes"]["processing_error"] is None


def test_someone_elses_tour_is_not_found_and_the_wrong_side_is_forbidden(aws, people, make_user):
    realtor, buyer = people
    tour_id = _processed_tour(realtor, buyer)
    other_buyer, other_realtor = make_user("buyer"), make_user("realtor")

    assert call("GET", f"/api/v1/buyers/tours/{tour_id}/transcript", caller=other_buyer).error_codes == ["NOT_FOUND"]
    assert call("GET", f"/api/v1/realtors/tours/{tour_id}/summary", caller=other_realtor).status == 404
    assert call("GET", f"/api/v1/realtors/tours/{tour_id}/highlights", caller=buyer).error_codes == ["FORBIDDEN"]
    assert call("GET", "/api/v1/buyers/tours/01NOSUCHTOUR0000000000000/summary", caller=buyer).status == 404
    assert call("GET", f"/api/v1/buyers/tours/{tour_id}/summary", caller=make_user("admin")).status == 200


def test_the_realtor_reprocesses_a_processed_tour(aws, people):
    realtor, buyer = people
    make_pro(realtor)
    tour_id = _processed_tour(realtor, buyer)

    result = call("POST", f"/api/v1/realtors/tours/{tour_id}/reprocess", caller=realtor)

    assert result.status == 202, result.body
    assert result.data["type"] == "tour_processing"
    assert result.data["attributes"]["status"] == "processing"
    assert result.data["attributes"]["processing_attempt"] == 2
    tour = tour_item(tour_id)
    assert tour["status"] == "processing" and tour["processing_attempt"] == 2
    executions = boto3.client("stepfunctions").list_executions(
        stateMachineArn=os.environ["TOUR_PROCESSING_STATE_MACHINE_ARN"]
    )["executions"]
    assert [e["name"] for e in executions] == [f"{tour_id}-2"]
    assert audit_actions(tour_id) == ["tour.processing_started"]
    # Until the new run writes its results, the previous ones stay readable beside the status.
    summary = call("GET", f"/api/v1/realtors/tours/{tour_id}/summary", caller=realtor)
    assert summary.data["attributes"]["status"] == "processing"
    assert summary.data["attributes"]["overview"] == "A three-bedroom house."


def test_reprocess_is_refused_for_tours_not_processed_or_failed_and_for_others(aws, people, make_user):
    realtor, buyer = people
    make_pro(realtor)
    completed = seed_tour(realtor, buyer, status="completed")
    processing = seed_tour(realtor, buyer, status="processing", processing_attempt=1)
    failed = seed_tour(realtor, buyer, status="processing_failed", processing_attempt=3)

    not_yet = call("POST", f"/api/v1/realtors/tours/{completed}/reprocess", caller=realtor)
    running = call("POST", f"/api/v1/realtors/tours/{processing}/reprocess", caller=realtor)
    stranger = call("POST", f"/api/v1/realtors/tours/{failed}/reprocess", caller=make_user("realtor"))
    as_buyer = call("POST", f"/api/v1/realtors/tours/{failed}/reprocess", caller=buyer)

    assert not_yet.status == 409 and not_yet.error_codes == ["INVALID_TRANSITION"]
    assert running.status == 409
    assert stranger.status == 404
    assert as_buyer.status == 403
    assert tour_item(completed)["status"] == "completed" and "processing_attempt" not in tour_item(completed)
    assert tour_item(failed)["processing_attempt"] == 3
    machine = os.environ["TOUR_PROCESSING_STATE_MACHINE_ARN"]
    assert boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []

    retried = call("POST", f"/api/v1/realtors/tours/{failed}/reprocess", caller=make_user("admin"))
    assert retried.status == 202 and retried.data["attributes"]["processing_attempt"] == 4


def _processing_since(tour_id: str, started: timedelta) -> None:
    boto3.client("dynamodb").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET processing_started_at = :at",
        ExpressionAttributeValues={":at": {"S": clock.iso(clock.now() - started)}},
    )


def test_a_tour_stuck_in_processing_past_the_execution_timeout_can_be_reprocessed(aws, people):
    realtor, buyer = people
    make_pro(realtor)
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1)
    path = f"/api/v1/realtors/tours/{tour_id}/reprocess"

    _processing_since(tour_id, timedelta(hours=1, minutes=59))
    running = call("POST", path, caller=realtor)
    _processing_since(tour_id, timedelta(hours=2, minutes=6))  # its execution timed out at 2 hours
    stuck = call("POST", path, caller=realtor)

    assert running.status == 409 and running.error_codes == ["INVALID_TRANSITION"]
    assert stuck.status == 202, stuck.body
    assert stuck.data["attributes"]["processing_attempt"] == 2
    tour = tour_item(tour_id)
    assert (tour["status"], tour["processing_attempt"]) == ("processing", 2)
    # The lost attempt is on the record as failed, then the new one started.
    assert sorted(audit_actions(tour_id)) == ["tour.processing_failed", "tour.processing_started"]
    machine = os.environ["TOUR_PROCESSING_STATE_MACHINE_ARN"]
    executions = boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == [f"{tour_id}-2"]


def test_step_functions_failing_to_start_fails_the_attempt_and_answers_502(aws, people):
    from botocore.stub import Stubber

    from realty.core.aws import client

    realtor, buyer = people
    make_pro(realtor)
    tour_id = seed_tour(realtor, buyer, status="processing_failed", processing_attempt=1)

    with Stubber(client("stepfunctions")) as sfn:
        sfn.add_client_error("start_execution", service_error_code="ServiceUnavailable", http_status_code=503)
        result = call("POST", f"/api/v1/realtors/tours/{tour_id}/reprocess", caller=realtor)

    assert result.status == 502 and result.error_codes == ["UPSTREAM_ERROR"]
    tour = tour_item(tour_id)
    assert (tour["status"], tour["processing_attempt"]) == ("processing_failed", 2)
    assert tour["processing_error"] == "processing could not be started, reprocess the tour to try again"


def test_reprocessing_needs_the_realtors_pro_plan(aws, people, make_user):
    realtor, buyer = people
    failed = seed_tour(realtor, buyer, status="processing_failed", processing_attempt=1)

    refused = call("POST", f"/api/v1/realtors/tours/{failed}/reprocess", caller=realtor)
    by_admin = call("POST", f"/api/v1/realtors/tours/{failed}/reprocess", caller=make_user("admin"))

    assert refused.status == 402 and refused.error_codes == ["PAYMENT_REQUIRED"]
    assert by_admin.status == 402  # the plan is the tour's realtor's, whoever asks
    assert tour_item(failed)["status"] == "processing_failed" and tour_item(failed)["processing_attempt"] == 1
    machine = os.environ["TOUR_PROCESSING_STATE_MACHINE_ARN"]
    assert boto3.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []
