"""The local stack's Chime stand-in (`local/meetings.py`): Chime-shaped, deterministic, registered only
through the layer's `set_meetings` seam, and absent from the layer that ships."""

from __future__ import annotations

import os

import boto3
from botocore.stub import Stubber

from local import meetings
from realty.adapters import chime
from realty.core.aws import client
from tests.support.calls import ACCOUNT
from tools.template import ROOT

TOUR = "01JQ8Z6TQ3D9M4F1V2W3X4Y5Z6"
USER = "01JQ8Z7AAAAAAAAAAAAAAAAAAA"


def _valid_output(operation: str, key: str, value: dict) -> None:
    """Stubber validates a response against Chime's own output shape: the local objects must pass."""
    service = "chime-sdk-meetings"
    stub = Stubber(boto3.client(service, region_name="us-east-1"))
    stub.add_response(operation, {key: value})


def test_local_meetings_are_chime_shaped_and_deterministic(aws):
    local = meetings.LocalMeetings()

    meeting = local.create_meeting(tour_id=TOUR)
    attendee = local.create_attendee(meeting_id=meeting["MeetingId"], user_id=USER)

    _valid_output("create_meeting", "Meeting", meeting)
    _valid_output("create_attendee", "Attendee", attendee)
    assert meeting == local.create_meeting(tour_id=TOUR)
    assert attendee == local.create_attendee(meeting_id=meeting["MeetingId"], user_id=USER)
    assert local.create_attendee(meeting_id=meeting["MeetingId"], user_id="someone-else") != attendee
    assert local.create_meeting(tour_id="01JQ8Z6TQ3D9M4F1V2W3X4Y5Z7")["MeetingId"] != meeting["MeetingId"]
    assert meeting["ExternalMeetingId"] == f"tour-{TOUR}"
    placement = meeting["MediaPlacement"]
    assert placement["AudioFallbackUrl"] == f"wss://haxrp.m2.ue1.app.chime.aws:443/calls/{meeting['MeetingId']}"
    assert placement["SignalingUrl"].startswith("wss://signal.m2.ue1.app.chime.aws/control/")
    assert attendee["ExternalUserId"] == USER and len(attendee["JoinToken"]) > 20


def test_local_concatenation_puts_the_sample_where_chime_would(aws):
    local = meetings.LocalMeetings()
    bucket = os.environ["RECORDINGS_BUCKET"]

    capture = local.start_capture(meeting=local.create_meeting(tour_id=TOUR), tour_id=TOUR)
    local.stop_capture(pipeline_id=capture.id)
    concatenation = local.start_concatenation(capture_pipeline_arn=capture.arn, tour_id=TOUR)

    keys = sorted(o["Key"] for o in client("s3").list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [
        f"recordings/{TOUR}/concatenated/audio/{concatenation.id}.mp4",
        f"recordings/{TOUR}/concatenated/composited-video/{concatenation.id}.mp4",
    ]
    for object_key, content_type in zip(keys, ["audio/mp4", "video/mp4"], strict=True):
        placed = client("s3").get_object(Bucket=bucket, Key=object_key)
        assert placed["Body"].read() == meetings.sample_recording_path().read_bytes()
        assert placed["ContentType"] == content_type
    assert capture.arn == f"arn:aws:chime:us-east-1:{ACCOUNT}:media-pipeline/{capture.id}"


def test_an_audio_only_sample_is_put_as_the_audio_alone(aws, monkeypatch):
    monkeypatch.setenv("LOCAL_SAMPLE_RECORDING", str(meetings.SAMPLE_RECORDING.with_suffix(".mp3")))
    local = meetings.LocalMeetings()

    concatenation = local.start_concatenation(
        capture_pipeline_arn="arn:aws:chime:us-east-1:1:media-pipeline/x", tour_id=TOUR
    )

    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket=os.environ["RECORDINGS_BUCKET"])["Contents"]]
    assert keys == [f"recordings/{TOUR}/concatenated/audio/{concatenation.id}.mp3"]


def test_local_concatenation_without_the_sample_leaves_nothing_and_does_not_fail(aws, monkeypatch, tmp_path):
    monkeypatch.setenv("LOCAL_SAMPLE_RECORDING", str(tmp_path / "missing.mp3"))
    local = meetings.LocalMeetings()

    local.start_concatenation(capture_pipeline_arn="arn:aws:chime:us-east-1:1:media-pipeline/x", tour_id=TOUR)

    assert "Contents" not in client("s3").list_objects_v2(Bucket=os.environ["RECORDINGS_BUCKET"])


def test_install_registers_the_stand_in_and_uninstall_goes_back_to_chime():
    try:
        installed = meetings.install()
        assert chime.meetings() is installed
        assert isinstance(installed, meetings.LocalMeetings)
    finally:
        meetings.uninstall()
    assert isinstance(chime.meetings(), chime.ChimeMeetings)


def test_the_layer_ships_no_local_stand_in_and_no_repository_paths():
    layer = ROOT / "layers" / "realty" / "realty"
    for path in layer.rglob("*.py"):
        text = path.read_text()
        for local_only in ("LocalMeetings", "sample_tour", "tests/fixtures", "REALTY_LOCAL", "CHIME_ADAPTER"):
            assert local_only not in text, f"{path.relative_to(ROOT)} mentions {local_only}"
