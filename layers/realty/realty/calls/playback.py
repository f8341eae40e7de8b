"""Playing a tour's recording back: its record with a fresh, short-lived URL, for the tour's
participants (each on their own routes) and admins. Reads are never gated by the plan; every
access is on the record."""

from __future__ import annotations

from datetime import timedelta

from realty.calls import store
from realty.calls.models import PLAYBACK_URL_SECONDS, Recording, RecordingAttributes, RecordingState
from realty.core import clock, ids
from realty.core.audit import record
from realty.core.auth import Caller
from realty.core.envelope import Relationship, Resource
from realty.core.errors import NotFound
from realty.tours import access
from realty.tours.access import Side


def _playback(caller: Caller, recording: Recording | None) -> Resource[RecordingAttributes]:
    """The recording the caller may see (None: 404) with a fresh playback URL; the access is audited."""
    if recording is None:
        raise NotFound("no recording for this tour")
    url = expires_at = None
    # The video when it is there (the tour as both people saw it); the audio until it arrives.
    content_type, file_size = recording.content_type, recording.file_size_bytes
    object_key = recording.s3_key
    if recording.video_key:
        object_key = recording.video_key
        content_type, file_size = recording.video_content_type, recording.video_size_bytes
    if recording.status is RecordingState.AVAILABLE and recording.bucket and object_key:
        url = store.presigned_get(recording.bucket, object_key, seconds=PLAYBACK_URL_SECONDS, content_type=content_type)
        expires_at = clock.iso(clock.now() + timedelta(seconds=PLAYBACK_URL_SECONDS))
    record(
        actor_id=caller.user_id,
        action="recording.accessed",
        resource_type="recording",
        resource_id=recording.tour_id,
        details={
            "call_id": recording.call_id,
            "role": caller.role.value,
            "url_issued": url is not None,
            "video": bool(url and recording.video_key),
        },
    )
    return Resource[RecordingAttributes](
        id=recording.tour_id,
        type="recording",
        attributes=RecordingAttributes(
            status=recording.status,
            processing_status=recording.processing_status,
            playback_url=url,
            expires_at=expires_at,
            content_type=content_type,
            file_size_bytes=file_size,
            duration_seconds=recording.duration_seconds,
            recorded_at=recording.recorded_at,
            failure_reason=recording.failure_reason,
        ),
        relationships={
            "tour": Relationship(id=recording.tour_id, type="tour"),
            "call": Relationship(id=recording.call_id, type="call"),
        },
    )


def _side_allows(caller: Caller, recording: Recording | None, side: Side) -> Recording | None:
    """The tour's realtor (on the realtor routes), its buyer (on the buyer routes) and admins; else None."""
    if recording is None:
        return None
    allowed = access.visible(caller, realtor_id=recording.realtor_id, buyer_id=recording.buyer_id, side=side)
    return recording if allowed else None


def tour_recording(caller: Caller, tour_id: str, side: Side) -> Resource[RecordingAttributes]:
    recording = store.get_recording(tour_id) if ids.is_ulid(tour_id) else None
    return _playback(caller, _side_allows(caller, recording, side))


def call_recording(caller: Caller, call_id: str, side: Side) -> Resource[RecordingAttributes]:
    recording = store.get_recording_by_call(call_id) if ids.is_ulid(call_id) else None
    return _playback(caller, _side_allows(caller, recording, side))
