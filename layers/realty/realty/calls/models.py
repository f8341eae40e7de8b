"""Calls and recordings: stored models, request models and response attributes.

The call item (`TOUR#<tour_id>` / `CALL`) is created by the booking confirmation with the tours
capability's `Call` fields; this capability adds the meeting, attendees, consent and recording
attributes to it with UpdateItem (never a whole Put), so neither side drops the other's attributes.

The join response carries Chime's own `Meeting` and `Attendee` objects, PascalCase, exactly as
Chime returns them: amazon-chime-sdk-js takes them as-is (`new MeetingSessionConfiguration(meeting,
attendee)`). Their models name the fields a client needs and let every other Chime field through.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from realty.core.ids import ULID_PATTERN
from realty.core.models import Model
from realty.tours.models import Call, CallStatus, RecordingStatus
from realty.users.people import Person

# A presigned playback URL lives at most this long.
PLAYBACK_URL_SECONDS = 15 * 60
# The realtor may open the meeting this long before the scheduled start.
EARLY_START_MINUTES = 15


class RecordingState(StrEnum):
    AVAILABLE = "available"
    FAILED = "failed"


class ProcessingStart(StrEnum):
    """Whether the recording went on into transcription, highlights and summary."""

    PENDING = "pending"  # recorded, not decided yet (the decision is retried with the event)
    STARTED = "started"  # the tour-processing state machine was started
    PRO_REQUIRED = "pro_required"  # the realtor is not on the pro plan: kept, not processed


class CallState(Call):
    """The call item with everything this capability keeps on it."""

    chime_meeting: dict[str, Any] | None = None
    realtor_attendee_id: str | None = None
    buyer_attendee_id: str | None = None
    recording_consent: bool | None = None
    consent_updated_at: str | None = None
    capture_pipeline_id: str | None = None
    capture_pipeline_arn: str | None = None
    recording_started_at: str | None = None
    recording_stopped_at: str | None = None
    concatenation_pipeline_id: str | None = None
    ended_by: str | None = None


class Recording(Model):
    """A tour's recording (`TOUR#<tour_id>` / `RECORDING`, GSI1 `CALL#<call_id>` / `RECORDING`).

    The audio is in the recordings bucket at `s3_key` (processing transcribes it); the composited
    video, once its file arrived too, at `video_key` (played back, stills taken from it).
    """

    model_config = ConfigDict(extra="ignore")

    tour_id: str
    call_id: str
    realtor_id: str
    buyer_id: str
    status: RecordingState
    processing_status: ProcessingStart = ProcessingStart.PENDING
    bucket: str | None = None
    s3_key: str | None = None
    content_type: str | None = None
    file_size_bytes: int | None = None
    duration_seconds: int | None = None
    recorded_at: str | None = None
    failure_reason: str | None = None
    video_key: str | None = None
    video_content_type: str | None = None
    video_size_bytes: int | None = None
    created_at: str
    updated_at: str


class PipelineKind(StrEnum):
    CAPTURE = "capture"
    CONCATENATION = "concatenation"


class PipelinePointer(Model):
    """Which tour a media pipeline belongs to (`PIPELINE#<pipeline_id>` / `PIPELINE`), for its events."""

    model_config = ConfigDict(extra="ignore")

    pipeline_id: str
    kind: PipelineKind
    tour_id: str
    call_id: str
    created_at: str


# ---------------------------------------------------------------- requests


class BuyerJoinRequest(Model):
    model_config = ConfigDict(extra="forbid")

    recording_consent: StrictBool | None = Field(
        default=None,
        description="the buyer agrees (true) or not (false) to the tour being recorded; "
        "omitted: unchanged. Withdrawing it stops a running recording.",
    )


class RecordRequest(Model):
    model_config = ConfigDict(extra="forbid")

    action: Literal["start", "stop"] = Field(description="start needs the buyer's consent and the pro plan")


# ---------------------------------------------------------------- responses: Chime's objects


class _ChimeObject(Model):
    # Chime adds fields over time; the browser SDK reads them, so they pass through untouched.
    model_config = ConfigDict(extra="allow")


class ChimeMediaPlacement(_ChimeObject):
    AudioHostUrl: str
    AudioFallbackUrl: str
    SignalingUrl: str
    TurnControlUrl: str


class ChimeMeeting(_ChimeObject):
    """Chime's `Meeting` (CreateMeeting's response), for `MeetingSessionConfiguration`."""

    MeetingId: str
    ExternalMeetingId: str
    MediaRegion: str
    MediaPlacement: ChimeMediaPlacement


class ChimeAttendee(_ChimeObject):
    """Chime's `Attendee` (CreateAttendee's response); `JoinToken` is this user's secret."""

    AttendeeId: str
    ExternalUserId: str
    JoinToken: str


# ---------------------------------------------------------------- responses


class CallDetailAttributes(Model):
    status: CallStatus
    recording_status: RecordingStatus | None = None
    recording_consent: bool | None = Field(
        default=None, description="the buyer's answer when joining; null until they answer"
    )
    scheduled_at: str
    duration_minutes: int
    started_at: str | None = None
    ended_at: str | None = None
    buyer: Person | None = Field(default=None, description="the buyer (name and avatar)")
    realtor: Person | None = Field(default=None, description="the realtor (name and avatar)")


class StartAttributes(CallDetailAttributes):
    meeting: ChimeMeeting


class JoinAttributes(CallDetailAttributes):
    meeting: ChimeMeeting = Field(description="pass with `attendee` to `new MeetingSessionConfiguration(...)`")
    attendee: ChimeAttendee


class RecordingAttributes(Model):
    status: RecordingState
    processing_status: ProcessingStart = Field(
        description="started: transcript, highlights and summary are being made; pro_required: the realtor's "
        "plan does not include processing, the recording is kept"
    )
    playback_url: str | None = Field(
        default=None,
        description="presigned GET, valid until expires_at: the tour's video (content_type video/mp4), or its "
        "audio while the video has not arrived or was not recorded",
    )
    expires_at: str | None = None
    content_type: str | None = None
    file_size_bytes: int | None = None
    duration_seconds: int | None = Field(default=None, description="from the capture's start and stop times")
    recorded_at: str | None = None
    failure_reason: str | None = None


class CloseTourEvent(Model):
    """What a tour's close schedule sends (`realty.tours.close_schedule`, `realty.calls.closing`)."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["close_tour"]
    booking_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
    tour_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
