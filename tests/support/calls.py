"""Helpers for the call and recording tests: a confirmed tour made through the real routes, Chime's
two real boto3 clients under botocore `Stubber` (every request's parameters checked), a state machine
for processing to start, and readers of what was stored."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from realty.adapters import chime
from realty.core.auth import Caller
from realty.core.aws import client
from realty.core.config import reset_settings
from testkit.population import audit_feed
from tests.support.bookings import START, Clock, booked, confirmed, items_under, new_property

ACCOUNT = "123456789012"
# The tour every test uses starts a day after START and lasts an hour.
TOUR_AT = START + timedelta(days=1)


def meeting_object(tour_id: str, meeting_id: str | None = None) -> dict[str, Any]:
    """A `Meeting` as CreateMeeting returns it."""
    meeting_id = meeting_id or str(uuid.uuid4())
    return {
        "MeetingId": meeting_id,
        "ExternalMeetingId": f"tour-{tour_id}",
        "MediaRegion": "us-east-1",
        "MediaPlacement": {
            "AudioHostUrl": "a1b2c3d4e5f6.k.m3.ue1.app.chime.aws:3478",
            "AudioFallbackUrl": f"wss://haxrp.m3.ue1.app.chime.aws:443/calls/{meeting_id}",
            "SignalingUrl": f"wss://signal.m3.ue1.app.chime.aws/control/{meeting_id}",
            "TurnControlUrl": "https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions",
            "ScreenDataUrl": f"wss://bitpw.m3.ue1.app.chime.aws:443/v2/screen/{meeting_id}",
            "ScreenViewingUrl": f"wss://bitpw.m3.ue1.app.chime.aws:443/ws/connect?X-BitHub-Call-Id={meeting_id}",
            "ScreenSharingUrl": f"wss://bitpw.m3.ue1.app.chime.aws:443/v2/screen/{meeting_id}",
            "EventIngestionUrl": "https://data.svc.ue1.ingest.chime.aws/v1/client-events",
        },
        "MeetingFeatures": {"Audio": {"EchoReduction": "AVAILABLE"}, "Attendee": {"MaxCount": 4}},
        "MeetingArn": f"arn:aws:chime:us-east-1:{ACCOUNT}:meeting/{meeting_id}",
    }


def attendee_object(user_id: str, attendee_id: str | None = None) -> dict[str, Any]:
    attendee_id = attendee_id or str(uuid.uuid4())
    return {
        "ExternalUserId": user_id,
        "AttendeeId": attendee_id,
        "JoinToken": f"am9pbi10b2tlbi0{attendee_id.replace('-', '')}",
        "Capabilities": {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"},
    }


def pipeline_arn(pipeline_id: str) -> str:
    return f"arn:aws:chime:us-east-1:{ACCOUNT}:media-pipeline/{pipeline_id}"


class ChimeStub:
    """Chime's two boto3 clients, as `realty.core.aws.client` made them, answering from a script."""

    def __init__(self) -> None:
        self.meetings = Stubber(client("chime-sdk-meetings"))
        self.pipelines = Stubber(client("chime-sdk-media-pipelines"))

    def activate(self) -> None:
        self.meetings.activate()
        self.pipelines.activate()

    def deactivate(self) -> None:
        self.meetings.deactivate()
        self.pipelines.deactivate()

    def assert_done(self) -> None:
        self.meetings.assert_no_pending_responses()
        self.pipelines.assert_no_pending_responses()

    # ------------------------------------------------------------ meetings

    def create_meeting(self, tour_id: str, meeting: dict[str, Any] | None = None) -> dict[str, Any]:
        meeting = meeting or meeting_object(tour_id)
        self.meetings.add_response(
            "create_meeting",
            {"Meeting": meeting},
            expected_params={
                "ClientRequestToken": f"tour-{tour_id}",
                "ExternalMeetingId": f"tour-{tour_id}",
                "MediaRegion": "us-east-1",
                "MeetingFeatures": {"Audio": {"EchoReduction": "AVAILABLE"}, "Attendee": {"MaxCount": 4}},
            },
        )
        return meeting

    def create_attendee(self, meeting_id: str, user_id: str, attendee: dict[str, Any] | None = None) -> dict[str, Any]:
        attendee = attendee or attendee_object(user_id)
        self.meetings.add_response(
            "create_attendee",
            {"Attendee": attendee},
            expected_params={"MeetingId": meeting_id, "ExternalUserId": user_id},
        )
        return attendee

    def delete_attendee(self, meeting_id: str, attendee_id: str) -> None:
        self.meetings.add_response(
            "delete_attendee", {}, expected_params={"MeetingId": meeting_id, "AttendeeId": attendee_id}
        )

    def delete_meeting(self, meeting_id: str) -> None:
        self.meetings.add_response("delete_meeting", {}, expected_params={"MeetingId": meeting_id})

    def meetings_error(self, operation: str, code: str, status: int) -> None:
        self.meetings.add_client_error(operation, service_error_code=code, http_status_code=status)

    # ------------------------------------------------------------ media pipelines

    def start_capture(self, tour_id: str, meeting_id: str, bucket: str) -> dict[str, str]:
        pipeline_id = str(uuid.uuid4())
        self.pipelines.add_response(
            "create_media_capture_pipeline",
            {
                "MediaCapturePipeline": {
                    "MediaPipelineId": pipeline_id,
                    "MediaPipelineArn": pipeline_arn(pipeline_id),
                    "SourceType": "ChimeSdkMeeting",
                    "Status": "Initializing",
                    "CreatedTimestamp": datetime.now(UTC),
                }
            },
            expected_params={
                "SourceType": "ChimeSdkMeeting",
                "SourceArn": f"arn:aws:chime::{ACCOUNT}:meeting:{meeting_id}",
                "SinkType": "S3Bucket",
                "SinkArn": f"arn:aws:s3:::{bucket}/recordings/{tour_id}/capture",
                "ClientRequestToken": f"capture-{tour_id}",
                "ChimeSdkMeetingConfiguration": {
                    # The tour is recorded as video: cameras, content share and their composition.
                    "ArtifactsConfiguration": {
                        "Audio": {"MuxType": "AudioOnly"},
                        "Video": {"State": "Enabled", "MuxType": "VideoOnly"},
                        "Content": {"State": "Enabled", "MuxType": "ContentOnly"},
                        "CompositedVideo": {
                            "Layout": "GridView",
                            "Resolution": "FHD",
                            "GridViewConfiguration": {
                                "ContentShareLayout": "PresenterOnly",
                                "PresenterOnlyConfiguration": {"PresenterPosition": "TopRight"},
                            },
                        },
                    }
                },
            },
        )
        return {"id": pipeline_id, "arn": pipeline_arn(pipeline_id)}

    def stop_capture(self, pipeline_id: str) -> None:
        self.pipelines.add_response(
            "delete_media_capture_pipeline", {}, expected_params={"MediaPipelineId": pipeline_id}
        )

    def concatenate(self, tour_id: str, capture_arn: str, bucket: str) -> dict[str, str]:
        pipeline_id = str(uuid.uuid4())
        disabled = {"State": "Disabled"}
        self.pipelines.add_response(
            "create_media_concatenation_pipeline",
            {
                "MediaConcatenationPipeline": {
                    "MediaPipelineId": pipeline_id,
                    "MediaPipelineArn": pipeline_arn(pipeline_id),
                    "Status": "Initializing",
                }
            },
            expected_params={
                "Sources": [
                    {
                        "Type": "MediaCapturePipeline",
                        "MediaCapturePipelineSourceConfiguration": {
                            "MediaPipelineArn": capture_arn,
                            "ChimeSdkMeetingConfiguration": {
                                "ArtifactsConfiguration": {
                                    # The composited video is played back; the audio is transcribed;
                                    # the meeting events say who spoke when.
                                    "Audio": {"State": "Enabled"},
                                    "CompositedVideo": {"State": "Enabled"},
                                    "Video": disabled,
                                    "Content": disabled,
                                    "DataChannel": disabled,
                                    "TranscriptionMessages": disabled,
                                    "MeetingEvents": {"State": "Enabled"},
                                }
                            },
                        },
                    }
                ],
                "Sinks": [
                    {
                        "Type": "S3Bucket",
                        "S3BucketSinkConfiguration": {
                            "Destination": f"arn:aws:s3:::{bucket}/recordings/{tour_id}/concatenated"
                        },
                    }
                ],
                "ClientRequestToken": f"concat-{tour_id}",
            },
        )
        return {"id": pipeline_id, "arn": pipeline_arn(pipeline_id)}

    def pipelines_error(self, operation: str, code: str, status: int) -> None:
        self.pipelines.add_client_error(operation, service_error_code=code, http_status_code=status)


@pytest.fixture
def chime_stub(aws: dict[str, str]) -> Iterator[ChimeStub]:
    """The real Chime adapter over stubbed clients; the test fails if a scripted call was not made."""
    chime.set_meetings(chime.ChimeMeetings())
    stub = ChimeStub()
    stub.activate()
    yield stub
    stub.deactivate()
    chime.set_meetings(None)
    stub.assert_done()


@dataclass
class TourWorld:
    realtor: Caller
    buyer: Caller
    stranger_realtor: Caller
    stranger_buyer: Caller
    admin: Caller
    property_id: str
    booking_id: str
    tour_id: str
    call_id: str
    clock: Clock
    bucket: str


@pytest.fixture
def tour(make_user: Any, fake_clock: Clock, outbox: Any, aws: dict[str, str]) -> TourWorld:
    """A confirmed one-hour tour tomorrow at 09:00 between Rita (realtor) and Bo (buyer); it is now 08:55."""
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    property_id = new_property(realtor)
    booking_id = booked(buyer, property_id, _iso(TOUR_AT), 60)
    tour_id = confirmed(realtor, booking_id)
    [call_item] = [i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "CALL"]
    fake_clock.moment = TOUR_AT - timedelta(minutes=5)
    outbox.clear()
    return TourWorld(
        realtor=realtor,
        buyer=buyer,
        stranger_realtor=make_user("realtor", email="other.realtor@example.com"),
        stranger_buyer=make_user("buyer", email="other.buyer@example.com"),
        admin=make_user("admin", email="ada@example.com"),
        property_id=property_id,
        booking_id=booking_id,
        tour_id=tour_id,
        call_id=str(call_item["id"]),
        clock=fake_clock,
        bucket=os.environ["RECORDINGS_BUCKET"],
    )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def state_machine(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A tour-processing state machine in the emulated account (moto records executions, runs nothing)."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(
        name="realty-test-tour-processing",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/realty-test-processing",
    )["stateMachineArn"]
    monkeypatch.setenv("TOUR_PROCESSING_STATE_MACHINE_ARN", arn)
    reset_settings()
    yield arn
    reset_settings()


def executions(state_machine_arn: str) -> list[str]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    return [e["name"] for e in sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]]


def stored(tour_id: str, sk: str) -> dict[str, Any] | None:
    found = [i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == sk]
    return found[0] if found else None


def audit_actions(resource_type: str | None = None) -> list[str]:
    from realty.core.dynamo import from_item

    items = [from_item(i) for i in audit_feed()]
    return [i["action"] for i in items if resource_type is None or i["resource_type"] == resource_type]


def audit_items(action: str) -> list[dict[str, Any]]:
    from realty.core.dynamo import from_item

    return [i for i in (from_item(x) for x in audit_feed()) if i["action"] == action]


def s3_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """An S3 ObjectCreated notification as Lambda receives it (events/recording_object_created.json)."""
    from urllib.parse import quote_plus

    from tools.functions import ROOT

    event = json.loads((ROOT / "events" / "recording_object_created.json").read_text())
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["object"]["key"] = quote_plus(key, safe="/")
    record["s3"]["object"]["size"] = size
    return event


def chime_event(name: str, **detail: Any) -> dict[str, Any]:
    """A sample EventBridge event from events/ with its detail fields replaced."""
    from tools.functions import ROOT

    event = json.loads((ROOT / "events" / name).read_text())
    event["detail"].update(detail)
    return event
