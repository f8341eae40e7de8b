"""Amazon Chime SDK: meetings, attendees and the media pipelines that record a tour.

Two implementations behind one interface (`Meetings`):

- `ChimeMeetings`: the real service through boto3 `chime-sdk-meetings` and
  `chime-sdk-media-pipelines` (clients from `realty.core.aws.client`, standard retries), every
  Chime error mapped to a domain error the API answers with (throttling -> 429, anything else ->
  502);
- `LocalMeetings`: Chime has no emulator, so the local stack gets Chime-shaped meetings and
  attendees (no media), deterministic per tour and user, and, when a recorded tour ends, the
  sample recording put where the concatenation pipeline would put its file.

`meetings()` picks one (local when `REALTY_LOCAL=1` or `CHIME_ADAPTER=local`); tests replace it
with `set_meetings(...)` or stub the real clients with botocore's `Stubber`.

Every create call is idempotent on the tour: `ClientRequestToken`s and `ExternalMeetingId` are
derived from the tour id, attendees from the user id, so a retried request never makes a second
meeting, attendee or pipeline.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.errors import AppError, NotConfigured, RateLimited, UpstreamError
from realty.core.metrics import count

logger = Logger(child=True)

# Realtor, buyer, the capture pipeline's own attendee and one spare (a participant's second device).
MAX_ATTENDEES = 4
RECORDINGS_PREFIX = "recordings"

_THROTTLED = {"ThrottlingException", "ThrottledClientException", "TooManyRequestsException"}
_NOT_FOUND = {"NotFoundException"}


class ChimeNotFound(Exception):
    """Chime no longer knows the meeting, attendee or pipeline (ended, by itself or by a Delete call)."""


@dataclass(frozen=True)
class Pipeline:
    """A media pipeline as the service needs it: the id names it in events, the ARN feeds the next one."""

    id: str
    arn: str


class Meetings(Protocol):
    def create_meeting(self, *, tour_id: str) -> dict[str, Any]:
        """The Chime `Meeting` of the tour (the same one for every call with this tour id)."""
        ...

    def create_attendee(self, *, meeting_id: str, user_id: str) -> dict[str, Any]:
        """The Chime `Attendee` of the user (the same one while it exists); ChimeNotFound if gone."""
        ...

    def delete_attendee(self, *, meeting_id: str, attendee_id: str) -> None:
        """Remove the attendee; one that is already gone is fine."""
        ...

    def delete_meeting(self, *, meeting_id: str) -> None:
        """End the meeting for everyone; one that already ended is fine."""
        ...

    def start_capture(self, *, meeting: Mapping[str, Any], tour_id: str) -> Pipeline:
        """Start recording the meeting's audio into the recordings bucket under the tour's prefix."""
        ...

    def stop_capture(self, *, pipeline_id: str) -> None:
        """Stop the capture pipeline; one that is already gone is fine."""
        ...

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> Pipeline:
        """Concatenate the captured chunks into one audio file under the tour's prefix."""
        ...


# ---------------------------------------------------------------- names shared by both implementations


def meeting_token(tour_id: str) -> str:
    return f"tour-{tour_id}"


def external_meeting_id(tour_id: str) -> str:
    return f"tour-{tour_id}"


def tour_id_from_external_meeting_id(value: str | None) -> str | None:
    if value and value.startswith("tour-") and len(value) > len("tour-"):
        return value[len("tour-") :]
    return None


def capture_prefix(tour_id: str) -> str:
    return f"{RECORDINGS_PREFIX}/{tour_id}/capture"


def concatenated_prefix(tour_id: str) -> str:
    return f"{RECORDINGS_PREFIX}/{tour_id}/concatenated"


def meeting_source_arn(meeting: Mapping[str, Any], account_id: str) -> str:
    """The meeting as a media pipeline source: `arn:aws:chime::<account>:meeting:<meeting id>`."""
    partition = _partition(str(meeting.get("MeetingArn") or ""))
    return f"arn:{partition}:chime::{account_id}:meeting:{meeting['MeetingId']}"


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def _recordings_bucket() -> str:
    bucket = get_settings().recordings_bucket
    if not bucket:
        raise NotConfigured("recording is not configured on this deployment")
    return bucket


def _meeting_features() -> dict[str, Any]:
    return {"Audio": {"EchoReduction": "AVAILABLE"}, "Attendee": {"MaxCount": MAX_ATTENDEES}}


# ---------------------------------------------------------------- the real service


def _chime_error(error: ClientError | BotoCoreError, operation: str) -> AppError | ChimeNotFound:
    """One mapping from Chime's failures to what the API answers."""
    if isinstance(error, BotoCoreError):
        logger.warning("chime unreachable", extra={"operation": operation, "error": type(error).__name__})
        count("ChimeErrors")
        return UpstreamError("the video service could not be reached, retry in a moment")
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in _NOT_FOUND:
        return ChimeNotFound(operation)
    count("ChimeErrors")
    if code in _THROTTLED:
        logger.warning("chime throttled", extra={"operation": operation})
        return RateLimited("the video service is busy, retry in a moment")
    # ServiceFailure/ServiceUnavailable are Chime's own; BadRequest/Forbidden/LimitExceeded mean our
    # configuration or quota is wrong, which a client cannot fix either.
    logger.error("chime refused", extra={"operation": operation, "code": code})
    return UpstreamError("the video service failed to answer, retry later")


class ChimeMeetings:
    """Amazon Chime SDK through boto3 (`chime-sdk-meetings`, `chime-sdk-media-pipelines`)."""

    def _meetings(self) -> Any:
        return client("chime-sdk-meetings")

    def _pipelines(self) -> Any:
        return client("chime-sdk-media-pipelines")

    def _call(self, service: Any, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return dict(getattr(service, operation)(**params))
        except (ClientError, BotoCoreError) as error:
            raise _chime_error(error, operation) from error

    def create_meeting(self, *, tour_id: str) -> dict[str, Any]:
        response = self._call(
            self._meetings(),
            "create_meeting",
            ClientRequestToken=meeting_token(tour_id),
            ExternalMeetingId=external_meeting_id(tour_id),
            MediaRegion=get_settings().chime_media_region,
            MeetingFeatures=_meeting_features(),
        )
        return dict(response["Meeting"])

    def create_attendee(self, *, meeting_id: str, user_id: str) -> dict[str, Any]:
        response = self._call(self._meetings(), "create_attendee", MeetingId=meeting_id, ExternalUserId=user_id)
        return dict(response["Attendee"])

    def delete_attendee(self, *, meeting_id: str, attendee_id: str) -> None:
        with contextlib.suppress(ChimeNotFound):
            self._call(self._meetings(), "delete_attendee", MeetingId=meeting_id, AttendeeId=attendee_id)

    def delete_meeting(self, *, meeting_id: str) -> None:
        with contextlib.suppress(ChimeNotFound):
            self._call(self._meetings(), "delete_meeting", MeetingId=meeting_id)

    def start_capture(self, *, meeting: Mapping[str, Any], tour_id: str) -> Pipeline:
        bucket = _recordings_bucket()
        partition = _partition(str(meeting.get("MeetingArn") or ""))
        response = self._call(
            self._pipelines(),
            "create_media_capture_pipeline",
            SourceType="ChimeSdkMeeting",
            SourceArn=meeting_source_arn(meeting, _account_id(meeting)),
            SinkType="S3Bucket",
            SinkArn=f"arn:{partition}:s3:::{bucket}/{capture_prefix(tour_id)}",
            ClientRequestToken=f"capture-{tour_id}",
            ChimeSdkMeetingConfiguration={
                "ArtifactsConfiguration": {
                    "Audio": {"MuxType": "AudioOnly"},
                    "Video": {"State": "Disabled"},
                    "Content": {"State": "Disabled"},
                }
            },
        )
        pipeline = response["MediaCapturePipeline"]
        return Pipeline(id=str(pipeline["MediaPipelineId"]), arn=str(pipeline["MediaPipelineArn"]))

    def stop_capture(self, *, pipeline_id: str) -> None:
        with contextlib.suppress(ChimeNotFound):
            self._call(self._pipelines(), "delete_media_capture_pipeline", MediaPipelineId=pipeline_id)

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> Pipeline:
        bucket = _recordings_bucket()
        partition = _partition(capture_pipeline_arn)
        disabled = {"State": "Disabled"}
        response = self._call(
            self._pipelines(),
            "create_media_concatenation_pipeline",
            Sources=[
                {
                    "Type": "MediaCapturePipeline",
                    "MediaCapturePipelineSourceConfiguration": {
                        "MediaPipelineArn": capture_pipeline_arn,
                        "ChimeSdkMeetingConfiguration": {
                            "ArtifactsConfiguration": {
                                "Audio": {"State": "Enabled"},
                                "Video": disabled,
                                "Content": disabled,
                                "DataChannel": disabled,
                                "TranscriptionMessages": disabled,
                                "MeetingEvents": disabled,
                                "CompositedVideo": disabled,
                            }
                        },
                    },
                }
            ],
            Sinks=[
                {
                    "Type": "S3Bucket",
                    "S3BucketSinkConfiguration": {
                        "Destination": f"arn:{partition}:s3:::{bucket}/{concatenated_prefix(tour_id)}"
                    },
                }
            ],
            ClientRequestToken=f"concat-{tour_id}",
        )
        pipeline = response["MediaConcatenationPipeline"]
        return Pipeline(id=str(pipeline["MediaPipelineId"]), arn=str(pipeline["MediaPipelineArn"]))


def _account_id(meeting: Mapping[str, Any]) -> str:
    """The account that owns the meeting: from its ARN when Chime gave one, else this caller's."""
    parts = str(meeting.get("MeetingArn") or "").split(":")
    if len(parts) > 4 and parts[4]:
        return parts[4]
    return _caller_account()


@cache
def _caller_account() -> str:
    try:
        return str(client("sts").get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as error:
        raise UpstreamError("the video service could not be reached, retry in a moment") from error


# ---------------------------------------------------------------- the local stand-in

LOCAL_ACCOUNT_ID = "123456789012"
_LOCAL_NAMESPACE = uuid.UUID("6f0c1f55-3d8e-4c53-9a8e-2b1f6c0a7e11")
_REGION_CODES = {
    "us-east-1": "ue1",
    "us-east-2": "ue2",
    "us-west-2": "uw2",
    "eu-central-1": "ec1",
    "eu-west-1": "ew1",
    "eu-west-2": "ew2",
    "ap-southeast-1": "as1",
    "ap-southeast-2": "as2",
    "ap-northeast-1": "an1",
    "ca-central-1": "cc1",
}


def _local_id(*parts: str) -> str:
    return str(uuid.uuid5(_LOCAL_NAMESPACE, "/".join(parts)))


def sample_recording_path() -> Path:
    """The recording the local stack pretends the concatenation pipeline made (`LOCAL_SAMPLE_RECORDING`)."""
    configured = os.environ.get("LOCAL_SAMPLE_RECORDING")
    if configured:
        return Path(configured)
    # layers/realty/realty/adapters/chime.py -> the repository root
    return Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "sample_tour.mp3"


class LocalMeetings:
    """Chime-shaped meetings without media, for the local stack. Stateless and deterministic."""

    def __init__(self, account_id: str = LOCAL_ACCOUNT_ID) -> None:
        self.account_id = account_id

    def _region(self) -> str:
        return get_settings().chime_media_region

    def create_meeting(self, *, tour_id: str) -> dict[str, Any]:
        meeting_id = _local_id("meeting", tour_id)
        region = self._region()
        code = _REGION_CODES.get(region, "ue1")
        host = hashlib.sha256(meeting_id.encode()).hexdigest()[:12]
        return {
            "MeetingId": meeting_id,
            "ExternalMeetingId": external_meeting_id(tour_id),
            "MediaRegion": region,
            "MediaPlacement": {
                "AudioHostUrl": f"{host}.k.m2.{code}.app.chime.aws:3478",
                "AudioFallbackUrl": f"wss://haxrp.m2.{code}.app.chime.aws:443/calls/{meeting_id}",
                "SignalingUrl": f"wss://signal.m2.{code}.app.chime.aws/control/{meeting_id}",
                "TurnControlUrl": f"https://2713.cell.{region}.meetings.chime.aws/v2/turn_sessions",
                "ScreenDataUrl": f"wss://bitpw.m2.{code}.app.chime.aws:443/v2/screen/{meeting_id}",
                "ScreenViewingUrl": (
                    f"wss://bitpw.m2.{code}.app.chime.aws:443/ws/connect?passcode=null&viewer_uuid=null"
                    f"&X-BitHub-Call-Id={meeting_id}"
                ),
                "ScreenSharingUrl": f"wss://bitpw.m2.{code}.app.chime.aws:443/v2/screen/{meeting_id}",
                "EventIngestionUrl": f"https://data.svc.{code}.ingest.chime.aws/v1/client-events",
            },
            "MeetingFeatures": _meeting_features(),
            "MeetingArn": f"arn:aws:chime:{region}:{self.account_id}:meeting/{meeting_id}",
        }

    def create_attendee(self, *, meeting_id: str, user_id: str) -> dict[str, Any]:
        attendee_id = _local_id("attendee", meeting_id, user_id)
        digest = hashlib.sha256(f"{meeting_id}:{attendee_id}".encode()).digest()
        token = base64.b64encode(attendee_id.encode() + b":" + digest).decode()
        return {
            "ExternalUserId": user_id,
            "AttendeeId": attendee_id,
            "JoinToken": token,
            "Capabilities": {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"},
        }

    def delete_attendee(self, *, meeting_id: str, attendee_id: str) -> None:
        return None

    def delete_meeting(self, *, meeting_id: str) -> None:
        return None

    def _pipeline(self, kind: str, tour_id: str) -> Pipeline:
        pipeline_id = _local_id(kind, tour_id)
        return Pipeline(
            id=pipeline_id, arn=f"arn:aws:chime:{self._region()}:{self.account_id}:media-pipeline/{pipeline_id}"
        )

    def start_capture(self, *, meeting: Mapping[str, Any], tour_id: str) -> Pipeline:
        _recordings_bucket()
        return self._pipeline("capture", tour_id)

    def stop_capture(self, *, pipeline_id: str) -> None:
        return None

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> Pipeline:
        """Put the sample recording where the concatenation pipeline puts its audio file.

        The object's creation is what the local stack reports to `recording_events`, as S3 would.
        Without the sample the tour just has no recording (logged), like a pipeline that never finished.
        """
        pipeline = self._pipeline("concat", tour_id)
        sample = sample_recording_path()
        if not sample.is_file():
            logger.warning("no sample recording to stand in for the concatenated file", extra={"path": str(sample)})
            return pipeline
        key = f"{concatenated_prefix(tour_id)}/audio/{pipeline.id}{sample.suffix or '.mp3'}"
        try:
            client("s3").put_object(
                Bucket=_recordings_bucket(), Key=key, Body=sample.read_bytes(), ContentType="audio/mpeg"
            )
        except (ClientError, BotoCoreError):
            logger.exception("could not place the sample recording", extra={"key": key})
        return pipeline


# ---------------------------------------------------------------- the factory

_meetings: Meetings | None = None
DEPLOYED_STAGES = frozenset({"staging", "prod"})


def _use_local() -> bool:
    wanted = os.environ.get("CHIME_ADAPTER", "").lower() == "local" or os.environ.get("REALTY_LOCAL") == "1"
    if wanted and get_settings().stage in DEPLOYED_STAGES:
        # A stray variable must never hand real users fake meetings.
        raise NotConfigured("the local meetings adapter cannot run in a deployed stage")
    return wanted


def meetings() -> Meetings:
    """The adapter this process uses (created on first use, so the environment is read then)."""
    global _meetings
    if _meetings is None:
        _meetings = LocalMeetings() if _use_local() else ChimeMeetings()
    return _meetings


def set_meetings(adapter: Meetings | None) -> None:
    """Replace the adapter (tests); None goes back to choosing from the environment."""
    global _meetings
    _meetings = adapter
