"""The local stack's chain without Chime: the local meetings adapter places the sample recording where
the concatenation pipeline would, and the S3 notification the local stack delivers for it (built by
`local.events.s3_event`, as the stack builds it) takes the tour on into processing."""

from __future__ import annotations

import boto3
import pytest

from local import meetings
from local.events import s3_event
from realty.billing.service import grant_plan
from testkit.api import FakeLambdaContext, call, load_function
from tests.support.calls import executions, stored


@pytest.fixture
def local_meetings():
    meetings.install()
    yield
    meetings.uninstall()


def test_a_recorded_local_tour_goes_on_into_processing(tour, local_meetings, state_machine):
    realtor, buyer = tour.realtor, tour.buyer
    grant_plan(realtor.user_id, plan="pro", status="active")

    started = call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=realtor)
    realtor_join = call("POST", f"/api/v1/realtors/calls/{tour.call_id}/join", caller=realtor)
    buyer_join = call(
        "POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=buyer, body={"recording_consent": True}
    )
    recording = call("POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=realtor, body={"action": "start"})
    tour.clock.advance(minutes=25)
    ended = call("POST", f"/api/v1/realtors/calls/{tour.call_id}/end", caller=realtor)

    for result in (started, realtor_join, buyer_join, recording, ended):
        assert result.status == 200, result.body
    meeting = started.data["attributes"]["meeting"]
    assert buyer_join.data["attributes"]["meeting"] == meeting
    assert realtor_join.data["attributes"]["attendee"]["ExternalUserId"] == realtor.user_id
    assert buyer_join.data["attributes"]["attendee"]["ExternalUserId"] == buyer.user_id

    s3 = boto3.client("s3", region_name="us-east-1")
    audio, video = s3.list_objects_v2(Bucket=tour.bucket, Prefix=f"recordings/{tour.tour_id}/concatenated/")["Contents"]
    assert "/concatenated/audio/" in audio["Key"] and "/concatenated/composited-video/" in video["Key"]
    outcomes = [
        load_function("recording_events").lambda_handler(
            s3_event(
                tour.bucket,
                placed["Key"],
                s3.head_object(Bucket=tour.bucket, Key=placed["Key"]),
                configuration_id="RecordingEventsFunction",
            ),
            FakeLambdaContext(),
        )
        for placed in (audio, video)
    ]

    assert [outcome["recorded"] for outcome in outcomes] == [[tour.tour_id], [tour.tour_id]]
    item = stored(tour.tour_id, "RECORDING")
    assert item["s3_key"] == audio["Key"] and item["content_type"] == "audio/mp4"
    assert item["video_key"] == video["Key"] and item["video_content_type"] == "video/mp4"
    assert item["file_size_bytes"] == item["video_size_bytes"] == meetings.sample_recording_path().stat().st_size
    assert item["duration_seconds"] == 25 * 60
    assert executions(state_machine) == [f"{tour.tour_id}-1"]
    assert stored(tour.tour_id, "TOUR")["status"] == "processing"
