"""What Chime and S3 tell us after the fact, turned into calls of `realty.calls.arrival` and `.meeting`.

- S3 `ObjectCreated` under `recordings/` (and S3's EventBridge `Object Created`, the same news):
  the concatenated audio of a tour arrived -> the recording record, then processing. The capture
  pipeline's own 5-second chunks land under the same prefix and are ignored without an AWS call.
- `Chime Media Pipeline State Change` `chime:MediaPipelinePermanentFailure`: the recording failed.
- `Chime Meeting State Change` `chime:MeetingEnded`: Chime ended the meeting (five minutes without
  audio, 24 hours, or our own DeleteMeeting) -> the call and tour end, so nothing stays active.

Handlers return a small summary; a failure raises, so Lambda's async retries deliver the event again
(every step is idempotent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger

from realty.adapters.chime import tour_id_from_external_meeting_id
from realty.calls import arrival, meeting
from realty.core.s3_events import created_objects

logger = Logger(child=True)

CHIME_SOURCE = "aws.chime"
PIPELINE_STATE_CHANGE = "Chime Media Pipeline State Change"
MEETING_STATE_CHANGE = "Chime Meeting State Change"
PIPELINE_PERMANENT_FAILURE = "chime:MediaPipelinePermanentFailure"
PIPELINE_TEMPORARY_FAILURE = "chime:MediaPipelineTemporaryFailure"
MEETING_ENDED = "chime:MeetingEnded"


def handle_recording_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The recording_events function: new objects in the recordings bucket, and pipeline failures."""
    recorded: list[str] = []
    ignored = 0
    for created in created_objects(event):
        recording = arrival.recording_arrived(bucket=created.bucket, s3_key=created.key, size=created.size)
        if recording is None:
            ignored += 1
        else:
            recorded.append(recording.tour_id)
    failed: list[str] = []
    if event.get("source") == CHIME_SOURCE and event.get("detail-type") == PIPELINE_STATE_CHANGE:
        detail = event.get("detail") or {}
        kind = detail.get("eventType")
        pipeline_id = str(detail.get("mediaPipelineId") or "")
        if kind == PIPELINE_PERMANENT_FAILURE and pipeline_id:
            hint = tour_id_from_external_meeting_id(detail.get("externalMeetingId"))
            recording = arrival.pipeline_failed(pipeline_id, tour_id_hint=hint)
            if recording is not None:
                failed.append(recording.tour_id)
        elif kind == PIPELINE_TEMPORARY_FAILURE:
            # Chime retries on its own; a permanent failure follows if it gives up.
            logger.warning("media pipeline temporary failure", extra={"media_pipeline_id": pipeline_id})
    return {"recorded": recorded, "failed": failed, "ignored": ignored}


def handle_meeting_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The meeting_events function: a meeting Chime ended ends its call and tour."""
    if event.get("source") != CHIME_SOURCE or event.get("detail-type") != MEETING_STATE_CHANGE:
        return {"ended": None}
    detail = event.get("detail") or {}
    if detail.get("eventType") != MEETING_ENDED:
        return {"ended": None}
    tour_id = tour_id_from_external_meeting_id(detail.get("externalMeetingId"))
    if tour_id is None:
        logger.info("a meeting that is not a tour's ended", extra={"meeting_id": detail.get("meetingId")})
        return {"ended": None}
    call = meeting.meeting_ended(tour_id, str(detail.get("meetingId") or "") or None)
    return {"ended": tour_id if call is not None else None}
