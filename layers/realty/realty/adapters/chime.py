"""Amazon Chime SDK: meetings, attendees and the media pipelines that record a tour.

One interface (`Meetings`) and its production implementation, `ChimeMeetings`: the real service
through `chime-sdk-meetings` and `chime-sdk-media-pipelines` (clients from `realty.core.aws.client`,
standard retries), every Chime error mapped to a domain error the API answers with (throttling ->
429, anything else -> 502).

`meetings()` returns the registered adapter, `ChimeMeetings` unless someone called
`set_meetings(...)`: the local stack registers its Chime stand-in (`local/meetings.py`, which never
ships in this layer), tests register it or stub the real clients with botocore's `Stubber`.

Every create call is idempotent on the tour: `ClientRequestToken`s and `ExternalMeetingId` are
derived from the tour id, attendees from the user id, so a retried request never makes a second
meeting, attendee or pipeline.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.errors import AppError, CapacityExhausted, NotConfigured, RateLimited, UpstreamError
from realty.core.metrics import count

logger = Logger(child=True)

# Realtor, buyer, the capture pipeline's own attendee and one spare (a participant's second device).
MAX_ATTENDEES = 4
RECORDINGS_PREFIX = "recordings"

_THROTTLED = {"ThrottlingException", "ThrottledClientException", "TooManyRequestsException"}
_NOT_FOUND = {"NotFoundException"}
# A quota of the account (active meetings, active media pipelines) or Chime briefly unavailable: the
# same request succeeds once a tour ends or the service is back, so the caller is told to retry.
_AT_CAPACITY = {"ResourceLimitExceededException", "LimitExceededException", "ServiceUnavailableException"}
# Seconds a client waits: a throttle clears within seconds, a quota when some tour ends.
THROTTLED_RETRY_AFTER = 5
CAPACITY_RETRY_AFTER = 30


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
        """Record the meeting (audio, video, content share) into the recordings bucket under the tour's prefix."""
        ...

    def stop_capture(self, *, pipeline_id: str) -> None:
        """Stop the capture pipeline; one that is already gone is fine."""
        ...

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> Pipeline:
        """Concatenate the captured chunks into one composited video and one audio file under the tour's prefix."""
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


def recordings_bucket() -> str:
    """The bucket recordings go to; NotConfigured on a deployment without one."""
    bucket = get_settings().recordings_bucket
    if not bucket:
        raise NotConfigured("recording is not configured on this deployment")
    return bucket


def capture_artifacts() -> dict[str, Any]:
    """What the capture pipeline records: audio, every camera and the content share, and the grid
    Chime composites from them (the content share, when there is one, large with the presenter in a
    corner). The separate streams are what the composition is made of; only the grid and the audio
    are concatenated."""
    return {
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


def concatenation_artifacts() -> dict[str, Any]:
    """What the concatenation makes of the capture: the composited video (`.../composited-video/`,
    played back, stills taken from it), the audio (`.../audio/`, which processing transcribes and
    whose arrival creates the recording) and the meeting events (`.../meeting-events/`: who was the
    active speaker when, one of the signals processing labels speakers with). Nothing else is worth
    a second copy."""
    disabled = {"State": "Disabled"}
    return {
        "Audio": {"State": "Enabled"},
        "CompositedVideo": {"State": "Enabled"},
        "Video": disabled,
        "Content": disabled,
        "DataChannel": disabled,
        "TranscriptionMessages": disabled,
        "MeetingEvents": {"State": "Enabled"},
    }


def meeting_features() -> dict[str, Any]:
    """What every tour meeting is created with (shared with the local stand-in, so its meetings match)."""
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
        return RateLimited("the video service is busy, retry in a moment", retry_after=THROTTLED_RETRY_AFTER)
    if code in _AT_CAPACITY:
        # Operators watch this (an alarm on the metric): a quota to raise before it is hit daily.
        logger.error("chime at capacity", extra={"operation": operation, "code": code})
        count("ChimeCapacityRefusals")
        return CapacityExhausted(
            "the video service is at capacity right now, nothing was changed: retry in a moment",
            retry_after=CAPACITY_RETRY_AFTER,
        )
    # ServiceFailure is Chime's own; BadRequest/Forbidden mean our configuration is wrong, which a
    # client cannot fix either.
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
            MeetingFeatures=meeting_features(),
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
        bucket = recordings_bucket()
        partition = _partition(str(meeting.get("MeetingArn") or ""))
        response = self._call(
            self._pipelines(),
            "create_media_capture_pipeline",
            SourceType="ChimeSdkMeeting",
            SourceArn=meeting_source_arn(meeting, _account_id(meeting)),
            SinkType="S3Bucket",
            SinkArn=f"arn:{partition}:s3:::{bucket}/{capture_prefix(tour_id)}",
            ClientRequestToken=f"capture-{tour_id}",
            ChimeSdkMeetingConfiguration={"ArtifactsConfiguration": capture_artifacts()},
        )
        pipeline = response["MediaCapturePipeline"]
        return Pipeline(id=str(pipeline["MediaPipelineId"]), arn=str(pipeline["MediaPipelineArn"]))

    def stop_capture(self, *, pipeline_id: str) -> None:
        with contextlib.suppress(ChimeNotFound):
            self._call(self._pipelines(), "delete_media_capture_pipeline", MediaPipelineId=pipeline_id)

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> Pipeline:
        bucket = recordings_bucket()
        partition = _partition(capture_pipeline_arn)
        response = self._call(
            self._pipelines(),
            "create_media_concatenation_pipeline",
            Sources=[
                {
                    "Type": "MediaCapturePipeline",
                    "MediaCapturePipelineSourceConfiguration": {
                        "MediaPipelineArn": capture_pipeline_arn,
                        "ChimeSdkMeetingConfiguration": {"ArtifactsConfiguration": concatenation_artifacts()},
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


# ---------------------------------------------------------------- the factory

_meetings: Meetings | None = None


def meetings() -> Meetings:
    """The adapter this process uses: the registered one, else the real service (created on first use)."""
    global _meetings
    if _meetings is None:
        _meetings = ChimeMeetings()
    return _meetings


def set_meetings(adapter: Meetings | None) -> None:
    """Register the adapter (the local stack, tests); None goes back to the real service."""
    global _meetings
    _meetings = adapter
