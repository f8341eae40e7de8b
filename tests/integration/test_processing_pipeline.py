"""Pipeline steps invoked as Lambda would, outside the state machine: stale attempts, error names."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from realty.adapters.errors import UpstreamRetryable
from realty.processing.errors import StaleAttempt
from testkit.processing import seed_tour, tour_item
from testkit.stepfunctions import TaskContext, template_functions


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
        "ProcessingQueueFunction",
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


def test_the_summary_ready_email_goes_to_each_participant_on_its_own(handlers, make_user, outbox):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1)

    finished = handlers["ProcessingFinalizeFunction"]({"tour_id": tour_id, "attempt": 1}, _context())

    assert finished == {"status": "processed", "updated": True}
    # Never one message to both: neither participant sees the other's address.
    assert sorted(tuple(m.to) for m in outbox.sent) == sorted([(realtor.email,), (buyer.email,)])


# ---------------------------------------------------------------- executions that stopped without MarkFailed


def _execution_stopped(tour_id: str, *, status: str = "TIMED_OUT", attempt: int = 1, with_input: bool = True) -> dict:
    import json

    from tests.support.template import ROOT

    text = (ROOT / "events" / "processing_execution_timed_out.json").read_text()
    event = json.loads(text.replace("01JHX5C0D4E6F8G0H2J4K6M8N0-1", f"{tour_id}-{attempt}"))
    event["detail"]["status"] = status
    event["detail"]["input"] = json.dumps({"tour_id": tour_id, "attempt": attempt}) if with_input else None
    return event


@pytest.mark.parametrize(
    ("status", "with_input", "reason"),
    [
        ("TIMED_OUT", True, "processing took longer than allowed; reprocess the tour to try again"),
        ("ABORTED", False, "processing was stopped; reprocess the tour to try again"),
    ],
)
def test_an_execution_that_stopped_fails_its_tour_once(handlers, make_user, outbox, status, with_input, reason):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1)
    event = _execution_stopped(tour_id, status=status, with_input=with_input)

    first = handlers["ProcessingMarkFailedFunction"](event, _context())
    again = handlers["ProcessingMarkFailedFunction"](event, _context())  # EventBridge delivers at least once

    assert first == {"status": "processing_failed", "updated": True}
    assert again == {"status": None, "updated": False}
    tour = tour_item(tour_id)
    assert tour["status"] == "processing_failed" and tour["processing_error"] == reason
    [email] = outbox.sent
    assert email.to == [realtor.email] and reason in email.text


def test_a_stopped_execution_of_an_older_attempt_or_an_already_failed_run_changes_nothing(handlers, make_user, outbox):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    reprocessed = seed_tour(realtor, buyer, status="processing", processing_attempt=2)
    already_failed = seed_tour(realtor, buyer, status="processing_failed", processing_attempt=1)
    failed = _execution_stopped(already_failed, status="FAILED")
    failed["detail"] |= {"error": "UpstreamPermanent", "cause": '{"errorMessage": "the key was refused"}'}

    older = handlers["ProcessingMarkFailedFunction"](_execution_stopped(reprocessed, attempt=1), _context())
    # The Catch's MarkFailed already failed this run; the Fail state then reports the execution FAILED.
    after_catch = handlers["ProcessingMarkFailedFunction"](failed, _context())

    assert older == after_catch == {"status": None, "updated": False}
    assert tour_item(reprocessed)["status"] == "processing"
    assert outbox.sent == []
