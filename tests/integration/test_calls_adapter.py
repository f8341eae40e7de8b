"""The Chime adapter: the real boto3 clients under botocore Stubber (every request checked), Chime's
errors mapped to what the API answers, and the layer's default (the local stand-in is tested in
tests/local/test_meetings.py)."""

from __future__ import annotations

import os

import boto3
import pytest
from botocore.stub import Stubber

from realty.adapters import chime
from realty.core.config import reset_settings
from realty.core.errors import CapacityExhausted, NotConfigured, RateLimited, UpstreamError
from tests.support.calls import attendee_object, meeting_object

TOUR = "01JQ8Z6TQ3D9M4F1V2W3X4Y5Z6"
USER = "01JQ8Z7AAAAAAAAAAAAAAAAAAA"


@pytest.fixture
def adapter(chime_stub):
    return chime.ChimeMeetings()


def test_create_meeting_is_idempotent_on_the_tour_and_returns_chimes_meeting(chime_stub, adapter):
    expected = chime_stub.create_meeting(TOUR)

    meeting = adapter.create_meeting(tour_id=TOUR)

    assert meeting == expected
    assert meeting["MediaPlacement"]["AudioHostUrl"]


def test_attendees_are_keyed_by_the_user_and_deleting_a_gone_one_is_fine(chime_stub, adapter):
    meeting_id = meeting_object(TOUR)["MeetingId"]
    expected = chime_stub.create_attendee(meeting_id, USER)
    chime_stub.meetings_error("delete_attendee", "NotFoundException", 404)
    chime_stub.meetings_error("delete_meeting", "NotFoundException", 404)

    assert adapter.create_attendee(meeting_id=meeting_id, user_id=USER) == expected
    adapter.delete_attendee(meeting_id=meeting_id, attendee_id=expected["AttendeeId"])
    adapter.delete_meeting(meeting_id=meeting_id)


def test_an_attendee_of_a_meeting_chime_ended_is_reported_as_such(chime_stub, adapter):
    chime_stub.meetings_error("create_attendee", "NotFoundException", 404)

    with pytest.raises(chime.ChimeNotFound):
        adapter.create_attendee(meeting_id=meeting_object(TOUR)["MeetingId"], user_id=USER)


def test_capture_goes_to_the_tours_prefix_audio_only_and_concatenation_makes_one_audio_file(chime_stub, adapter):
    bucket = os.environ["RECORDINGS_BUCKET"]
    meeting = meeting_object(TOUR)
    capture = chime_stub.start_capture(TOUR, meeting["MeetingId"], bucket)
    chime_stub.stop_capture(capture["id"])
    concatenation = chime_stub.concatenate(TOUR, capture["arn"], bucket)

    started = adapter.start_capture(meeting=meeting, tour_id=TOUR)
    adapter.stop_capture(pipeline_id=started.id)
    joined = adapter.start_concatenation(capture_pipeline_arn=started.arn, tour_id=TOUR)

    assert (started.id, started.arn) == (capture["id"], capture["arn"])
    assert (joined.id, joined.arn) == (concatenation["id"], concatenation["arn"])


def test_without_the_meeting_arn_the_account_comes_from_sts(chime_stub, adapter):
    meeting = meeting_object(TOUR)
    del meeting["MeetingArn"]
    chime_stub.start_capture(TOUR, meeting["MeetingId"], os.environ["RECORDINGS_BUCKET"])

    adapter.start_capture(meeting=meeting, tour_id=TOUR)  # SourceArn checked by the stub: moto's account


def test_stopping_a_capture_chime_already_ended_is_fine(chime_stub, adapter):
    chime_stub.pipelines_error("delete_media_capture_pipeline", "NotFoundException", 404)

    adapter.stop_capture(pipeline_id="e40ee45e-2ed1-408e-9156-f52b8208a491")


AT_CAPACITY = "the video service is at capacity right now, nothing was changed: retry in a moment"


@pytest.mark.parametrize(
    ("code", "status", "error", "message"),
    [
        ("ThrottlingException", 429, RateLimited, "the video service is busy, retry in a moment"),
        ("ServiceFailureException", 500, UpstreamError, "the video service failed to answer, retry later"),
        ("ServiceUnavailableException", 503, CapacityExhausted, AT_CAPACITY),
        ("LimitExceededException", 400, CapacityExhausted, AT_CAPACITY),
        ("ResourceLimitExceededException", 400, CapacityExhausted, AT_CAPACITY),
        ("ForbiddenException", 403, UpstreamError, "the video service failed to answer, retry later"),
    ],
)
def test_meeting_errors_become_clear_domain_errors(chime_stub, adapter, code, status, error, message):
    chime_stub.meetings_error("create_meeting", code, status)

    with pytest.raises(error) as raised:
        adapter.create_meeting(tour_id=TOUR)

    assert raised.value.message == message
    assert code not in raised.value.message


def test_pipeline_throttling_is_a_rate_limit(chime_stub, adapter):
    chime_stub.pipelines_error("create_media_capture_pipeline", "ThrottledClientException", 429)

    with pytest.raises(RateLimited):
        adapter.start_capture(meeting=meeting_object(TOUR), tour_id=TOUR)


def test_recording_without_a_recordings_bucket_is_not_configured(chime_stub, adapter, monkeypatch):
    monkeypatch.setenv("RECORDINGS_BUCKET", "")
    reset_settings()

    with pytest.raises(NotConfigured):
        adapter.start_capture(meeting=meeting_object(TOUR), tour_id=TOUR)
    reset_settings()


def _valid_output(operation: str, key: str, value: dict) -> None:
    """Stubber validates a response against Chime's own output shape."""
    service = "chime-sdk-meetings"
    stub = Stubber(boto3.client(service, region_name="us-east-1"))
    stub.add_response(operation, {key: value})


@pytest.mark.parametrize("variables", [{}, {"REALTY_LOCAL": "1"}, {"CHIME_ADAPTER": "local"}])
def test_the_layer_always_defaults_to_the_real_chime_whatever_the_environment(monkeypatch, variables):
    # The local stand-in is not in the layer: only an explicit `set_meetings` (the local stack) replaces Chime.
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    chime.set_meetings(None)
    try:
        assert isinstance(chime.meetings(), chime.ChimeMeetings)
        assert chime.meetings() is chime.meetings()
    finally:
        chime.set_meetings(None)


def test_attendee_objects_used_by_the_tests_match_chimes_shape():
    _valid_output("create_attendee", "Attendee", attendee_object(USER))
    _valid_output("create_meeting", "Meeting", meeting_object(TOUR))
