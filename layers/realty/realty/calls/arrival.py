"""What becomes of a recording after the meeting: the concatenated files arrive (the audio makes the
recording record, then processing; the composited video joins it for playback and stills), or a
media pipeline fails for good (a failed recording, and the realtor is told). All come as events,
possibly more than once; each step is idempotent.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from realty.adapters import chime
from realty.calls import store
from realty.calls.access import load_tour
from realty.calls.models import CallState, Recording, RecordingState
from realty.calls.processing_start import start_processing
from realty.core import clock, ids
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.errors import Conflict
from realty.core.metrics import count
from realty.tours.models import RecordingStatus

logger = Logger(child=True)

AUDIO_CONTENT_TYPES = {".mp4": "audio/mp4", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".wav": "audio/wav"}
VIDEO_CONTENT_TYPES = {".mp4": "video/mp4"}
# The concatenation pipeline's folders (under `recordings/<tour_id>/concatenated/`) and what each holds.
AUDIO_FOLDER = "audio"
VIDEO_FOLDER = "composited-video"
_FOLDER_TYPES = {AUDIO_FOLDER: AUDIO_CONTENT_TYPES, VIDEO_FOLDER: VIDEO_CONTENT_TYPES}


class RecordingNotYetArrived(Exception):
    """The video came before the audio that creates the recording: raised so the event is delivered
    again (Lambda's asynchronous retries) once the audio has made the recording."""


def concatenated_file(s3_key: str) -> tuple[str, str] | None:
    """(tour id, folder) of a concatenated file `recordings/<tour_id>/concatenated/<audio|composited-video>/<name>`.

    Every other object under `recordings/` (the capture pipeline's 5-second chunks, highlight stills)
    is not news: None, without an AWS call.
    """
    parts = s3_key.split("/")
    if len(parts) != 5 or parts[0] != chime.RECORDINGS_PREFIX or parts[2] != "concatenated":
        return None
    types = _FOLDER_TYPES.get(parts[3])
    suffix = "." + parts[4].rsplit(".", 1)[-1].lower() if "." in parts[4] else ""
    if types is None or not ids.is_ulid(parts[1]) or suffix not in types:
        return None
    return parts[1], parts[3]


def _duration_seconds(call: CallState) -> int | None:
    if not call.recording_started_at or not call.recording_stopped_at:
        return None
    span = clock.parse_iso(call.recording_stopped_at) - clock.parse_iso(call.recording_started_at)
    return max(0, int(span.total_seconds()))


def recording_arrived(*, bucket: str, s3_key: str, size: int) -> Recording | None:
    """A concatenated file is in the bucket. The audio: record it (once) and start processing (pro
    plan only). The composited video: add it to the recording (`video_arrived`)."""
    found = concatenated_file(s3_key)
    if found is None:
        return None
    tour_id, folder = found
    if folder == VIDEO_FOLDER:
        return video_arrived(tour_id, s3_key=s3_key, size=size)
    call = store.get_call(tour_id)
    if call is None:
        logger.warning("a recording for an unknown tour", extra={"tour_id": tour_id})
        return None
    stamp = clock.now_iso()
    extension = "." + s3_key.rsplit(".", 1)[-1].lower()
    recording = Recording(
        tour_id=tour_id,
        call_id=call.id,
        realtor_id=call.realtor_id,
        buyer_id=call.buyer_id,
        status=RecordingState.AVAILABLE,
        bucket=bucket,
        s3_key=s3_key,
        content_type=AUDIO_CONTENT_TYPES.get(extension),
        file_size_bytes=size,
        duration_seconds=_duration_seconds(call),
        recorded_at=call.recording_started_at or stamp,
        created_at=stamp,
        updated_at=stamp,
    )
    recording, stored_now = _store_recording(
        recording,
        call_status=RecordingStatus.AVAILABLE,
        action="recording.available",
        details={"call_id": call.id, "s3_key": s3_key, "file_size_bytes": size},
    )
    if stored_now:
        count("RecordingsAvailable")
    return start_processing(recording)


def video_arrived(tour_id: str, *, s3_key: str, size: int) -> Recording | None:
    """The composited video joins the tour's recording: playback serves it, processing takes stills
    from it. Idempotent (the same key written again); before the audio, `RecordingNotYetArrived`."""
    recording = store.get_recording(tour_id)
    if recording is None:
        if store.get_call(tour_id) is None:
            logger.warning("a video for an unknown tour", extra={"tour_id": tour_id})
            return None
        raise RecordingNotYetArrived(f"the video of tour {tour_id} arrived before its audio")
    if recording.video_key == s3_key and recording.video_size_bytes == size:
        return recording
    changes = {
        "video_key": s3_key,
        "video_content_type": VIDEO_CONTENT_TYPES[".mp4"],
        "video_size_bytes": size,
        "updated_at": clock.now_iso(),
    }
    store.attach_video(
        tour_id,
        changes,
        audit=audit_action(
            actor_id=SYSTEM_ACTOR,
            action="recording.video_available",
            resource_type="recording",
            resource_id=tour_id,
            details={"call_id": recording.call_id, "s3_key": s3_key, "file_size_bytes": size},
        ),
    )
    count("RecordingVideosAvailable")
    return recording.model_copy(update=changes)


def _store_recording(
    recording: Recording, *, call_status: RecordingStatus, action: str, details: dict[str, Any]
) -> tuple[Recording, bool]:
    """Put the tour's one recording item, the call's `recording_status` and the audit item, in one
    transaction. Returns (the recording, True) when stored now, or (the one stored before, False):
    a second delivery of the file, or the file and a pipeline failure racing, change nothing."""
    try:
        store.add_recording(
            recording,
            call_status=call_status,
            audit=audit_action(
                actor_id=SYSTEM_ACTOR,
                action=action,
                resource_type="recording",
                resource_id=recording.tour_id,
                details=details,
            ),
        )
    except Conflict:
        existing = store.get_recording(recording.tour_id)
        if existing is None:
            raise
        return existing, False
    return recording, True


def pipeline_failed(pipeline_id: str, *, tour_id_hint: str | None = None) -> Recording | None:
    """A media pipeline failed for good: the recording is `failed` and the realtor hears about it."""
    from realty.calls import emails

    pointer = store.get_pipeline(pipeline_id)
    tour_id = pointer.tour_id if pointer else tour_id_hint
    if tour_id is None:
        logger.warning("a pipeline we do not know failed", extra={"media_pipeline_id": pipeline_id})
        return None
    found = load_tour(tour_id)
    if found is None:
        return None
    tour, call = found
    if call.capture_pipeline_id != pipeline_id and call.concatenation_pipeline_id != pipeline_id:
        logger.warning("failed pipeline is not this tour's", extra={"tour_id": tour_id})
        return None
    existing = store.get_recording(tour_id)
    if existing is not None:
        return existing  # the file arrived (or the failure was already recorded): keep what is there
    stamp = clock.now_iso()
    failed = Recording(
        tour_id=tour_id,
        call_id=call.id,
        realtor_id=call.realtor_id,
        buyer_id=call.buyer_id,
        status=RecordingState.FAILED,
        recorded_at=call.recording_started_at,
        failure_reason="the video service could not finish the recording",
        created_at=stamp,
        updated_at=stamp,
    )
    recording, stored_now = _store_recording(
        failed,
        call_status=RecordingStatus.FAILED,
        action="recording.failed",
        details={"call_id": call.id, "media_pipeline_id": pipeline_id},
    )
    if not stored_now:
        return recording
    count("RecordingsFailed")
    emails.recording_failed(tour)
    return failed
