"""After the meeting: the concatenated file's S3 event, pipeline failures, meetings Chime ends by
itself, and playing the recording back. Events go through the real handlers the template names."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from realty.billing.service import grant_plan
from testkit.api import FakeLambdaContext, call, load_function
from tests.support.calls import audit_actions, audit_items, chime_event, executions, s3_event, stored


def _recording_events(event: dict) -> dict:
    return load_function("recording_events").lambda_handler(event, FakeLambdaContext())


def _meeting_events(event: dict) -> dict:
    return load_function("meeting_events").lambda_handler(event, FakeLambdaContext())


def _recorded_and_ended(tour, chime_stub) -> dict:
    """Start, buyer joins with consent, 20 minutes recorded, realtor ends: Chime is concatenating."""
    meeting = chime_stub.create_meeting(tour.tour_id)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
    chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    joined = call(
        "POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True}
    )
    assert joined.status == 200
    grant_plan(tour.realtor.user_id, plan="pro", status="active")
    capture = chime_stub.start_capture(tour.tour_id, meeting["MeetingId"], tour.bucket)
    recording = call(
        "POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=tour.realtor, body={"action": "start"}
    )
    assert recording.status == 200, recording.body
    tour.clock.advance(minutes=20, seconds=30)
    chime_stub.stop_capture(capture["id"])
    chime_stub.delete_meeting(meeting["MeetingId"])
    concatenation = chime_stub.concatenate(tour.tour_id, capture["arn"], tour.bucket)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor).status == 200
    return {"meeting": meeting, "capture": capture, "concatenation": concatenation}


def _concatenated_key(tour, pipelines: dict) -> str:
    return f"recordings/{tour.tour_id}/concatenated/audio/{pipelines['concatenation']['id']}.mp4"


def _chime_writes(tour, key: str, body: bytes = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096) -> int:
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=tour.bucket, Key=key, Body=body)
    return len(body)


# ---------------------------------------------------------------- the recording arrives


def test_the_concatenated_file_becomes_the_recording_and_processing_starts(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    size = _chime_writes(tour, key)

    outcome = _recording_events(s3_event(tour.bucket, key, size))

    assert outcome == {"recorded": [tour.tour_id], "failed": [], "ignored": 0}
    recording = stored(tour.tour_id, "RECORDING")
    assert recording["status"] == "available"
    assert recording["processing_status"] == "started"
    assert (recording["bucket"], recording["s3_key"]) == (tour.bucket, key)
    assert recording["file_size_bytes"] == size
    assert recording["duration_seconds"] == 20 * 60 + 30  # the capture's start and stop times
    assert recording["recorded_at"] == "2027-03-02T08:55:00Z"
    assert recording["GSI1PK"] == f"CALL#{tour.call_id}" and recording["GSI1SK"] == "RECORDING"
    assert stored(tour.tour_id, "CALL")["recording_status"] == "available"
    assert stored(tour.tour_id, "TOUR")["status"] == "processing"
    assert executions(state_machine) == [f"{tour.tour_id}-1"]
    assert {"recording.available", "recording.processing_started"} <= set(audit_actions("recording"))


def test_a_second_delivery_records_nothing_twice_and_starts_nothing_twice(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    event = s3_event(tour.bucket, key, _chime_writes(tour, key))

    _recording_events(event)
    _recording_events(event)

    assert executions(state_machine) == [f"{tour.tour_id}-1"]
    assert audit_actions("recording").count("recording.available") == 1
    assert stored(tour.tour_id, "RECORDING")["processing_status"] == "started"


def test_the_capture_chunks_are_not_news(tour, state_machine, aws):
    from realty.core.aws import client

    calls: list[str] = []
    client("dynamodb").meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    chunk = f"recordings/{tour.tour_id}/capture/audio/2027-03-02-09-00-05-123.mp4"

    outcome = _recording_events(s3_event(tour.bucket, chunk, 81920))

    assert outcome == {"recorded": [], "failed": [], "ignored": 1}
    assert calls == []
    assert stored(tour.tour_id, "RECORDING") is None


def test_without_the_pro_plan_the_recording_is_kept_but_not_processed(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    grant_plan(tour.realtor.user_id, plan="free", status="canceled")  # downgraded right after the tour
    key = _concatenated_key(tour, pipelines)

    _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key)))

    recording = stored(tour.tour_id, "RECORDING")
    assert recording["status"] == "available"
    assert recording["processing_status"] == "pro_required"
    assert executions(state_machine) == []
    assert stored(tour.tour_id, "TOUR")["status"] == "completed"
    # Still readable after the downgrade: reads are never gated by the plan.
    result = call("GET", f"/api/v1/realtors/tours/{tour.tour_id}/recording", caller=tour.realtor)
    assert result.status == 200
    assert result.data["attributes"]["processing_status"] == "pro_required"
    assert result.data["attributes"]["playback_url"]


def test_a_kept_recording_is_processed_once_the_realtor_is_entitled(tour, chime_stub, state_machine, make_user):
    pipelines = _recorded_and_ended(tour, chime_stub)
    grant_plan(tour.realtor.user_id, plan="free", status="canceled")
    key = _concatenated_key(tour, pipelines)
    _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key)))
    reprocess = f"/api/v1/realtors/tours/{tour.tour_id}/reprocess"

    refused = call("POST", reprocess, caller=tour.realtor)
    assert refused.status == 402, refused.body
    assert stored(tour.tour_id, "TOUR")["status"] == "completed"

    admin = make_user("admin")
    granted = call(
        "PUT",
        f"/api/v1/admin/users/{tour.realtor.user_id}/complimentary-plan",
        caller=admin,
        body={"granted": True, "reason": "pilot agency, ticket 4411"},
    )
    assert granted.status == 200, granted.body
    started = call("POST", reprocess, caller=tour.realtor)

    assert started.status == 202, started.body
    assert started.data["attributes"]["processing_attempt"] == 1
    assert stored(tour.tour_id, "TOUR")["status"] == "processing"
    assert stored(tour.tour_id, "RECORDING")["processing_status"] == "started"
    assert executions(state_machine) == [f"{tour.tour_id}-1"]
    # Started once: the tour is processing now, so asking again is a conflict, not a second run.
    assert call("POST", reprocess, caller=tour.realtor).status == 409


def test_a_recording_that_cannot_start_processing_is_retried_by_the_next_delivery(tour, chime_stub, aws, monkeypatch):
    from realty.core.config import reset_settings

    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    event = s3_event(tour.bucket, key, _chime_writes(tour, key))
    monkeypatch.setenv("TOUR_PROCESSING_STATE_MACHINE_ARN", "")
    reset_settings()

    with pytest.raises(Exception, match="not configured"):
        _recording_events(event)  # Lambda reports the failure and S3's async invoke delivers again

    assert stored(tour.tour_id, "RECORDING")["processing_status"] == "pending"
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name="later",
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/x",
    )["stateMachineArn"]
    monkeypatch.setenv("TOUR_PROCESSING_STATE_MACHINE_ARN", arn)
    reset_settings()

    _recording_events(event)

    assert stored(tour.tour_id, "RECORDING")["processing_status"] == "started"
    assert executions(arn) == [f"{tour.tour_id}-1"]
    reset_settings()


# ---------------------------------------------------------------- pipeline failures


def test_a_pipeline_that_fails_for_good_marks_the_recording_failed_and_tells_the_realtor_once(tour, chime_stub, outbox):
    pipelines = _recorded_and_ended(tour, chime_stub)
    event = chime_event(
        "chime_media_pipeline_failed.json",
        mediaPipelineId=pipelines["concatenation"]["id"],
        externalMeetingId=f"tour-{tour.tour_id}",
        meetingId=pipelines["meeting"]["MeetingId"],
    )
    outbox.clear()

    first = _recording_events(event)
    second = _recording_events(event)

    assert first["failed"] == [tour.tour_id] and second["failed"] == [tour.tour_id]
    recording = stored(tour.tour_id, "RECORDING")
    assert recording["status"] == "failed"
    assert stored(tour.tour_id, "CALL")["recording_status"] == "failed"
    [message] = outbox.to("rita@example.com")
    assert message.subject == "The recording of your tour of 12 Harbour View Rd failed"
    assert outbox.to("bo@example.com") == []
    result = call("GET", f"/api/v1/buyers/calls/{tour.call_id}/recording", caller=tour.buyer)
    assert result.status == 200
    assert result.data["attributes"]["status"] == "failed"
    assert result.data["attributes"]["playback_url"] is None


def test_failures_of_unknown_pipelines_and_temporary_failures_change_nothing(tour, chime_stub, outbox):
    _recorded_and_ended(tour, chime_stub)
    outbox.clear()
    unknown = chime_event("chime_media_pipeline_failed.json", externalMeetingId=f"tour-{tour.tour_id}")
    temporary = chime_event("chime_media_pipeline_failed.json", eventType="chime:MediaPipelineTemporaryFailure")

    assert _recording_events(unknown)["failed"] == []
    assert _recording_events(temporary)["failed"] == []
    assert stored(tour.tour_id, "RECORDING") is None
    assert outbox.sent == []


# ---------------------------------------------------------------- meetings Chime ends by itself


def test_a_meeting_chime_ended_ends_the_call_and_tour_once_and_finishes_the_recording(tour, chime_stub):
    meeting = chime_stub.create_meeting(tour.tour_id)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
    chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    call("POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True})
    grant_plan(tour.realtor.user_id, plan="pro", status="active")
    capture = chime_stub.start_capture(tour.tour_id, meeting["MeetingId"], tour.bucket)
    assert (
        call(
            "POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=tour.realtor, body={"action": "start"}
        ).status
        == 200
    )
    tour.clock.advance(minutes=7)
    # The meeting ended by itself: the running capture is stopped (already gone is fine), then concatenated.
    chime_stub.pipelines_error("delete_media_capture_pipeline", "NotFoundException", 404)
    concatenation = chime_stub.concatenate(tour.tour_id, capture["arn"], tour.bucket)
    event = chime_event(
        "chime_meeting_ended.json", meetingId=meeting["MeetingId"], externalMeetingId=f"tour-{tour.tour_id}"
    )

    first = _meeting_events(event)
    second = _meeting_events(event)

    assert first == second == {"ended": tour.tour_id}
    call_item = stored(tour.tour_id, "CALL")
    assert call_item["status"] == "ended"
    assert call_item["ended_by"] == "meeting_ended"
    assert call_item["ended_at"] == "2027-03-02T09:02:00Z"
    assert call_item["recording_status"] == "concatenating"
    assert call_item["concatenation_pipeline_id"] == concatenation["id"]
    assert stored(tour.tour_id, "TOUR")["status"] == "completed"
    [ended] = audit_items("tour.ended")
    assert ended["actor_id"] == "system" and ended["details"]["reason"] == "meeting_ended"


def test_meeting_events_of_other_meetings_are_ignored(tour, chime_stub):
    meeting = chime_stub.create_meeting(tour.tour_id)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200

    other_tour = chime_event("chime_meeting_ended.json", externalMeetingId="tour-01JQ8Z6TQ3D9M4F1V2W3X4Y5Z6")
    not_a_tour = chime_event("chime_meeting_ended.json", externalMeetingId="standup")
    other_meeting = chime_event("chime_meeting_ended.json", externalMeetingId=f"tour-{tour.tour_id}")
    started = chime_event(
        "chime_meeting_ended.json",
        eventType="chime:MeetingStarted",
        meetingId=meeting["MeetingId"],
        externalMeetingId=f"tour-{tour.tour_id}",
    )

    assert _meeting_events(other_tour) == {"ended": None}
    assert _meeting_events(not_a_tour) == {"ended": None}
    _meeting_events(other_meeting)
    assert _meeting_events(started) == {"ended": None}
    assert stored(tour.tour_id, "CALL")["status"] == "active"


# ---------------------------------------------------------------- playback


def test_participants_and_admins_play_the_recording_for_15_minutes_and_every_access_is_audited(
    tour, chime_stub, state_machine
):
    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key)))
    allowed = [
        (f"/api/v1/realtors/tours/{tour.tour_id}/recording", tour.realtor),
        (f"/api/v1/buyers/tours/{tour.tour_id}/recording", tour.buyer),
        (f"/api/v1/realtors/calls/{tour.call_id}/recording", tour.realtor),
        (f"/api/v1/buyers/calls/{tour.call_id}/recording", tour.buyer),
        (f"/api/v1/buyers/tours/{tour.tour_id}/recording", tour.admin),
    ]

    for path, who in allowed:
        result = call("GET", path, caller=who)
        assert result.status == 200, (path, result.body)
        attributes = result.data["attributes"]
        assert result.data["type"] == "recording"
        assert attributes["status"] == "available"
        assert attributes["duration_seconds"] == 1230
        assert attributes["content_type"] == "audio/mp4"
        assert attributes["expires_at"] == "2027-03-02T09:30:30Z"  # now (09:15:30) + 15 minutes
        url = urlparse(attributes["playback_url"])
        assert url.path == f"/{key}" or url.path.endswith(key)
        assert parse_qs(url.query)["X-Amz-Expires"] == ["900"]
        assert "s3_key" not in attributes and "bucket" not in attributes and '"PK"' not in json.dumps(result.body)

    accesses = audit_items("recording.accessed")
    assert len(accesses) == len(allowed)
    assert {a["actor_id"] for a in accesses} == {tour.realtor.user_id, tour.buyer.user_id, tour.admin.user_id}


def test_others_never_learn_a_recording_exists(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key)))

    for path, who in [
        (f"/api/v1/realtors/tours/{tour.tour_id}/recording", tour.stranger_realtor),
        (f"/api/v1/buyers/tours/{tour.tour_id}/recording", tour.stranger_buyer),
        (f"/api/v1/realtors/calls/{tour.call_id}/recording", tour.stranger_realtor),
        (f"/api/v1/buyers/calls/{tour.call_id}/recording", tour.stranger_buyer),
        ("/api/v1/buyers/tours/not-a-tour/recording", tour.buyer),
    ]:
        result = call("GET", path, caller=who)
        assert result.status == 404, path
        assert result.error_codes == ["NOT_FOUND"]
    assert call("GET", f"/api/v1/buyers/tours/{tour.tour_id}/recording", caller=tour.realtor).status == 403
    assert audit_items("recording.accessed") == []


def test_before_the_file_arrives_there_is_no_recording_yet(tour, chime_stub):
    _recorded_and_ended(tour, chime_stub)

    result = call("GET", f"/api/v1/realtors/tours/{tour.tour_id}/recording", caller=tour.realtor)

    assert result.status == 404


def test_the_playback_url_really_downloads_the_recording(tour, chime_stub, state_machine):
    import requests

    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    body = b"\x00\x00\x00\x18ftypmp42-the-tour-audio"
    _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key, body)))
    tour.clock.moment += timedelta(seconds=1)

    url = call("GET", f"/api/v1/buyers/tours/{tour.tour_id}/recording", caller=tour.buyer).data["attributes"][
        "playback_url"
    ]

    assert requests.get(url, timeout=5).content == body
    assert os.environ["RECORDINGS_BUCKET"] in url


def test_a_delivery_after_processing_already_started_only_records_the_decision(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    key = _concatenated_key(tour, pipelines)
    event = s3_event(tour.bucket, key, _chime_writes(tour, key))
    _recording_events(event)
    # As if the first delivery died after starting processing but before saying so.
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour.tour_id}"}, "SK": {"S": "RECORDING"}},
        UpdateExpression="SET processing_status = :pending",
        ExpressionAttributeValues={":pending": {"S": "pending"}},
    )

    _recording_events(event)

    assert stored(tour.tour_id, "RECORDING")["processing_status"] == "started"
    assert executions(state_machine) == [f"{tour.tour_id}-1"]


def test_a_meeting_ended_event_whose_concatenation_fails_is_delivered_again_and_then_finishes(tour, chime_stub):
    meeting = chime_stub.create_meeting(tour.tour_id)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
    chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    call("POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True})
    grant_plan(tour.realtor.user_id, plan="pro", status="active")
    capture = chime_stub.start_capture(tour.tour_id, meeting["MeetingId"], tour.bucket)
    call("POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=tour.realtor, body={"action": "start"})
    chime_stub.stop_capture(capture["id"])
    chime_stub.pipelines_error("create_media_concatenation_pipeline", "ServiceUnavailableException", 503)
    event = chime_event(
        "chime_meeting_ended.json", meetingId=meeting["MeetingId"], externalMeetingId=f"tour-{tour.tour_id}"
    )

    with pytest.raises(Exception, match="video service"):
        _meeting_events(event)
    assert stored(tour.tour_id, "CALL")["status"] == "ended"
    assert stored(tour.tour_id, "CALL")["recording_status"] == "stopped"
    concatenation = chime_stub.concatenate(tour.tour_id, capture["arn"], tour.bucket)

    assert _meeting_events(event) == {"ended": tour.tour_id}
    assert stored(tour.tour_id, "CALL")["concatenation_pipeline_id"] == concatenation["id"]


# ---------------------------------------------------------------- the composited video


def _video_key(tour, pipelines: dict) -> str:
    return f"recordings/{tour.tour_id}/concatenated/composited-video/{pipelines['concatenation']['id']}.mp4"


def test_the_composited_video_joins_the_recording_and_playback_serves_it(tour, chime_stub, state_machine):
    import requests

    pipelines = _recorded_and_ended(tour, chime_stub)
    audio_key, video_key = _concatenated_key(tour, pipelines), _video_key(tour, pipelines)
    _recording_events(s3_event(tour.bucket, audio_key, _chime_writes(tour, audio_key)))
    before = call("GET", f"/api/v1/buyers/tours/{tour.tour_id}/recording", caller=tour.buyer).data["attributes"]
    video = b"\x00\x00\x00\x18ftypmp42-the-tour-video" + b"\x01" * 8192
    size = _chime_writes(tour, video_key, video)

    outcome = _recording_events(s3_event(tour.bucket, video_key, size))
    again = _recording_events(s3_event(tour.bucket, video_key, size))

    assert outcome == again == {"recorded": [tour.tour_id], "failed": [], "ignored": 0}
    recording = stored(tour.tour_id, "RECORDING")
    assert (recording["s3_key"], recording["video_key"]) == (audio_key, video_key)  # the audio still feeds processing
    assert recording["video_size_bytes"] == size and recording["video_content_type"] == "video/mp4"
    assert executions(state_machine) == [f"{tour.tour_id}-1"]  # the video starts nothing of its own
    assert len(audit_items("recording.video_available")) == 1
    # Until the video arrived the audio played; now the video does, presigned and audited as before.
    assert before["content_type"] == "audio/mp4"
    tour.clock.moment += timedelta(seconds=1)
    for path, who in [
        (f"/api/v1/buyers/tours/{tour.tour_id}/recording", tour.buyer),
        (f"/api/v1/realtors/calls/{tour.call_id}/recording", tour.realtor),
    ]:
        attributes = call("GET", path, caller=who).data["attributes"]
        assert attributes["content_type"] == "video/mp4" and attributes["file_size_bytes"] == size
        assert parse_qs(urlparse(attributes["playback_url"]).query)["X-Amz-Expires"] == ["900"]
        downloaded = requests.get(attributes["playback_url"], timeout=5)
        assert downloaded.content == video and downloaded.headers["Content-Type"] == "video/mp4"
    assert [a["details"]["video"] for a in audit_items("recording.accessed")][-2:] == [True, True]


def test_a_video_before_its_audio_is_refused_so_the_event_comes_again(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    audio_key, video_key = _concatenated_key(tour, pipelines), _video_key(tour, pipelines)
    video_event = s3_event(tour.bucket, video_key, _chime_writes(tour, video_key))

    with pytest.raises(Exception, match="arrived before its audio"):
        _recording_events(video_event)
    assert stored(tour.tour_id, "RECORDING") is None

    _recording_events(s3_event(tour.bucket, audio_key, _chime_writes(tour, audio_key)))
    assert _recording_events(video_event)["recorded"] == [tour.tour_id]  # Lambda's retry
    assert stored(tour.tour_id, "RECORDING")["video_key"] == video_key


def test_other_files_of_the_concatenation_and_the_stills_are_not_news(tour, chime_stub, state_machine):
    pipelines = _recorded_and_ended(tour, chime_stub)
    for key in (
        f"recordings/{tour.tour_id}/concatenated/video/{pipelines['concatenation']['id']}.mp4",
        f"recordings/{tour.tour_id}/concatenated/composited-video/{pipelines['concatenation']['id']}.txt",
        f"recordings/{tour.tour_id}/stills/1/01JQ8Z6TQ3D9M4F1V2W3X4Y5Z6.jpg",
    ):
        assert _recording_events(s3_event(tour.bucket, key, _chime_writes(tour, key)))["ignored"] == 1
    assert stored(tour.tour_id, "RECORDING") is None
