"""Pipeline steps invoked as Lambda would, outside the state machine: stale attempts, error names."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from realty.processing.errors import StaleAttempt, UpstreamRetryable
from tests.support.processing import seed_tour, tour_item
from tests.support.stepfunctions import TaskContext, template_functions


@pytest.fixture
def handlers(aws):
    functions = template_functions("processing")
    return {f.logical_id: f.handler for f in functions.values()}


def _context(name: str = "realty-test-processing") -> TaskContext:
    return TaskContext(name, 30, "req-1")


def test_every_processing_function_in_the_template_has_its_handler(handlers):
    assert set(handlers) == {
        "ProcessingDownloadRecordingFunction",
        "ProcessingPrepareAudioFunction",
        "ProcessingTranscribeChunkFunction",
        "ProcessingMergeTranscriptFunction",
        "ProcessingDetectHighlightsFunction",
        "ProcessingGenerateSummaryFunction",
        "ProcessingFinalizeFunction",
        "ProcessingMarkFailedFunction",
    }


def test_an_older_attempt_finishing_leaves_a_reprocessed_tour_alone(handlers, make_user, outbox):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=2)

    finished = handlers["ProcessingFinalizeFunction"]({"tour_id": tour_id, "attempt": 1}, _context())
    failed = handlers["ProcessingMarkFailedFunction"](
        {"tour_id": tour_id, "attempt": 1, "error": {"Error": "UpstreamPermanent", "Cause": "{}"}}, _context()
    )

    assert finished == {"status": None, "updated": False}
    assert failed == {"status": None, "updated": False}
    tour = tour_item(tour_id)
    assert tour["status"] == "processing" and tour["processing_attempt"] == 2
    assert outbox.sent == []


def test_a_step_of_a_stale_attempt_stops_with_stale_attempt(handlers, make_user):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer, status="processed", processing_attempt=1)

    with pytest.raises(StaleAttempt, match="no longer current"):
        handlers["ProcessingDownloadRecordingFunction"]({"tour_id": tour_id, "attempt": 1}, _context())


def test_aws_throttling_inside_a_step_is_reported_as_retryable(handlers, make_user):
    from realty.core.aws import client

    with Stubber(client("dynamodb")) as stub:
        stub.add_client_error("get_item", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(UpstreamRetryable, match="ThrottlingException"):
            handlers["ProcessingDownloadRecordingFunction"]({"tour_id": "01TOUR", "attempt": 1}, _context())


def test_the_recording_version_is_pinned_for_the_attempt(handlers, make_user):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1)

    recording = handlers["ProcessingDownloadRecordingFunction"]({"tour_id": tour_id, "attempt": 1}, _context())

    assert recording["key"] == f"recordings/{tour_id}/tour.mp3"
    assert recording["size_bytes"] > 100_000
    assert set(recording) == {"bucket", "key", "version_id", "size_bytes", "content_type"}
