"""Call rules: starting a tour's meeting, joining and leaving it, recording it with consent, ending it.

Who may do what:
- start, end and record: the tour's realtor (or an admin);
- join and leave: the tour's realtor and buyer only, each on their own route;
- see the call and its recording: its participants and admins. Anyone else gets a 404.

Every change is one TransactWriteItems with its audit item, conditioned on the status that was
read; Chime is called first (its create calls are idempotent per tour and per user), so a retried
request converges on the same meeting, attendee and pipeline. Meetings that Chime ends by itself
(no audio for five minutes, or 24 hours) arrive as an event and are ended here the same way.

One recording per tour: Chime allows one capture pipeline per meeting, and a concatenation
pipeline takes one capture pipeline, so a recording stopped (or stopped because the buyer withdrew
consent) cannot be started again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from aws_lambda_powertools import Logger

from realty.adapters import chime
from realty.calls import store
from realty.calls.models import (
    EARLY_START_MINUTES,
    PLAYBACK_URL_SECONDS,
    CallDetailAttributes,
    CallState,
    ChimeAttendee,
    ChimeMeeting,
    JoinAttributes,
    PipelineKind,
    PipelinePointer,
    ProcessingStart,
    Recording,
    RecordingAttributes,
    RecordingState,
    RecordingStatus,
    StartAttributes,
)
from realty.core import clock, ids
from realty.core.audit import SYSTEM_ACTOR, audit_action, record
from realty.core.auth import Caller
from realty.core.envelope import Relationship, Resource
from realty.core.errors import Conflict, NotFound, PaymentRequired
from realty.core.metrics import count
from realty.tours import access
from realty.tours import store as tours_store
from realty.tours.access import Side
from realty.tours.models import CallStatus, Tour
from realty.tours.states import BookingStatus, TourStatus, ensure_transition

# The plan check (billing), the booking store and the emails are imported where the few changes that
# need them run (recording, ending, starting): the calls function's reads start without them.

logger = Logger(child=True)

CALL_CHANGED = "the call was changed by another request; reload it and retry"
TOUR_CHANGED = "the tour was changed by another request; reload it and retry"
BOOKING_CHANGED = "the booking was changed by another request; reload it and retry"


# ---------------------------------------------------------------- responses


def _recording_status(call: CallState) -> RecordingStatus | None:
    try:
        return RecordingStatus(call.recording_status) if call.recording_status else None
    except ValueError:
        return None


def _detail_fields(call: CallState) -> dict[str, Any]:
    return {
        "status": call.status,
        "recording_status": _recording_status(call),
        "recording_consent": call.recording_consent,
        "scheduled_at": call.scheduled_at,
        "duration_minutes": call.duration_minutes,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
    }


def _relationships(call: CallState) -> dict[str, Relationship | list[Relationship] | None]:
    return {
        "tour": Relationship(id=call.tour_id, type="tour"),
        "property": Relationship(id=call.property_id, type="property"),
    }


def call_resource(call: CallState) -> Resource[CallDetailAttributes]:
    return Resource[CallDetailAttributes](
        id=call.id,
        type="call",
        attributes=CallDetailAttributes(**_detail_fields(call)),
        relationships=_relationships(call),
    )


def _start_resource(call: CallState) -> Resource[StartAttributes]:
    meeting = ChimeMeeting.model_validate(call.chime_meeting)
    return Resource[StartAttributes](
        id=call.id,
        type="call",
        attributes=StartAttributes(**_detail_fields(call), meeting=meeting),
        relationships=_relationships(call),
    )


# ---------------------------------------------------------------- access


def _load_tour(tour_id: str) -> tuple[Tour, CallState] | None:
    if not ids.is_ulid(tour_id):
        return None
    tour, call = store.get_tour_and_call(tour_id)
    return (tour, call) if tour is not None and call is not None else None


def _managed_tour(caller: Caller, tour_id: str) -> tuple[Tour, CallState]:
    """The tour and call, if the caller is its realtor or an admin; else 404."""
    found = _load_tour(tour_id)
    if found is None or not access.visible(
        caller, realtor_id=found[0].realtor_id, buyer_id=found[0].buyer_id, side="realtor"
    ):
        raise NotFound("no such tour")
    return found


def _call(call_id: str, *, consistent: bool = False) -> CallState | None:
    """The call by its id (GSI1). A change reads it again by its key, consistently: an index can lag
    behind a change made a moment ago (the realtor records right after the buyer consented)."""
    call = store.get_call_by_id(call_id) if ids.is_ulid(call_id) else None
    if call is not None and consistent:
        call = store.get_call(call.tour_id)
    return call


def _visible_call(caller: Caller, call_id: str) -> CallState:
    """Participants (each on their own side) and admins see a call; anyone else gets a 404."""
    call = _call(call_id)
    if call is None or not access.visible(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id):
        raise NotFound("no such call")
    return call


def _participant_call(caller: Caller, call_id: str, side: Side) -> CallState:
    """Only the participant of this side (realtor or buyer) may join or leave; admins are not participants."""
    call = _call(call_id, consistent=True)
    if call is None or not access.participant(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id, side=side):
        raise NotFound("no such call")
    return call


def _managed_call(caller: Caller, call_id: str) -> CallState:
    call = _call(call_id, consistent=True)
    if call is None or not access.visible(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id, side="realtor"):
        raise NotFound("no such call")
    return call


# ---------------------------------------------------------------- start


def _check_start_window(tour: Tour) -> None:
    now = clock.now()
    opens = clock.parse_iso(tour.scheduled_at) - timedelta(minutes=EARLY_START_MINUTES)
    closes = clock.parse_iso(tour.ends_at)
    if now < opens:
        raise Conflict(f"the tour can be started from {clock.iso(opens)} ({EARLY_START_MINUTES} minutes before it)")
    if now >= closes:
        raise Conflict(f"the tour's time ended at {clock.iso(closes)}; it can no longer be started")


def start_tour(caller: Caller, tour_id: str) -> Resource[StartAttributes]:
    """Open the tour's meeting; starting a started tour returns the same meeting."""
    from realty.calls import emails

    tour, call = _managed_tour(caller, tour_id)
    if call.status is CallStatus.ACTIVE and call.chime_meeting:
        return _start_resource(call)
    if call.status is CallStatus.ENDED:
        raise Conflict("the tour's call has ended", code="INVALID_TRANSITION")
    ensure_transition(tour.status, TourStatus.IN_PROGRESS)
    _check_start_window(tour)
    meeting = chime.meetings().create_meeting(tour_id=tour.id)
    stamp = clock.now_iso()
    actions = [
        store.update_call_action(
            tour.id,
            set_values={
                "status": CallStatus.ACTIVE.value,
                "chime_meeting_id": meeting["MeetingId"],
                "chime_meeting": meeting,
                "started_at": stamp,
                "updated_at": stamp,
            },
            condition="#status = :created",
            condition_values={":created": CallStatus.CREATED.value},
        ),
        tours_store.status_action(
            tour.id,
            expected=TourStatus.SCHEDULED,
            target=TourStatus.IN_PROGRESS,
            stamp=stamp,
            stamp_attribute="started_at",
        ),
        audit_action(
            actor_id=caller.user_id,
            action="tour.started",
            resource_type="tour",
            resource_id=tour.id,
            details={"call_id": call.id, "chime_meeting_id": meeting["MeetingId"]},
        ),
    ]
    try:
        store.transact(actions, [CALL_CHANGED, TOUR_CHANGED, None])
    except Conflict:
        # A concurrent start won (same meeting, thanks to the idempotency token): answer with it.
        current = store.get_call(tour.id)
        if current is not None and current.status is CallStatus.ACTIVE and current.chime_meeting:
            return _start_resource(current)
        raise
    count("ToursStarted")
    emails.tour_started(tour)
    started = call.model_copy(
        update={
            "status": CallStatus.ACTIVE,
            "chime_meeting_id": meeting["MeetingId"],
            "chime_meeting": meeting,
            "started_at": stamp,
            "updated_at": stamp,
        }
    )
    return _start_resource(started)


# ---------------------------------------------------------------- read


def get_call(caller: Caller, call_id: str) -> Resource[CallDetailAttributes]:
    return call_resource(_visible_call(caller, call_id))


# ---------------------------------------------------------------- join / leave


def _require_active(call: CallState) -> dict[str, Any]:
    if call.status is CallStatus.CREATED or not call.chime_meeting:
        raise Conflict("the realtor has not started the tour yet", code="NOT_STARTED")
    if call.status is CallStatus.ENDED:
        raise Conflict("the tour's call has ended", code="INVALID_TRANSITION")
    return call.chime_meeting


def _consent_change(
    caller: Caller, call: CallState, consent: bool, stamp: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call attributes and audit items of the buyer giving or withdrawing consent.

    Withdrawing it while the tour is being recorded stops the recording first (Chime), so the
    answer never goes back while the capture still runs.
    """
    changes: dict[str, Any] = {"recording_consent": consent, "consent_updated_at": stamp}
    audits = [
        audit_action(
            actor_id=caller.user_id,
            action="call.recording_consent_given" if consent else "call.recording_consent_withdrawn",
            resource_type="call",
            resource_id=call.id,
            details={"recording_consent": consent, "tour_id": call.tour_id},
        )
    ]
    if not consent and _recording_status(call) is RecordingStatus.RECORDING and call.capture_pipeline_id:
        chime.meetings().stop_capture(pipeline_id=call.capture_pipeline_id)
        count("RecordingsStoppedByConsent")
        changes |= {"recording_status": RecordingStatus.STOPPED.value, "recording_stopped_at": stamp}
        audits.append(
            audit_action(
                actor_id=caller.user_id,
                action="call.recording_stopped",
                resource_type="call",
                resource_id=call.id,
                details={"reason": "consent_withdrawn", "tour_id": call.tour_id},
            )
        )
    return changes, audits


def join_call(caller: Caller, call_id: str, side: Side, *, consent: bool | None = None) -> Resource[JoinAttributes]:
    """The meeting and this user's attendee; the buyer may give or withdraw recording consent."""
    call = _participant_call(caller, call_id, side)
    meeting = _require_active(call)
    try:
        attendee = chime.meetings().create_attendee(meeting_id=meeting["MeetingId"], user_id=caller.user_id)
    except chime.ChimeNotFound:
        raise Conflict("the meeting has ended", code="INVALID_TRANSITION") from None
    stamp = clock.now_iso()
    changes: dict[str, Any] = {f"{side}_attendee_id": attendee["AttendeeId"], "updated_at": stamp}
    audits = [
        audit_action(
            actor_id=caller.user_id,
            action="call.joined",
            resource_type="call",
            resource_id=call.id,
            details={"side": side, "tour_id": call.tour_id},
        )
    ]
    if side == "buyer" and consent is not None and consent != call.recording_consent:
        consent_changes, consent_audits = _consent_change(caller, call, consent, stamp)
        changes |= consent_changes
        audits += consent_audits
    store.transact(
        [
            store.update_call_action(
                call.tour_id,
                set_values=changes,
                condition="#status = :active",
                condition_values={":active": CallStatus.ACTIVE.value},
            ),
            *audits,
        ],
        ["the tour's call has ended", *([None] * len(audits))],
    )
    joined = call.model_copy(update=changes)
    return Resource[JoinAttributes](
        id=call.id,
        type="call",
        attributes=JoinAttributes(
            **_detail_fields(joined),
            meeting=ChimeMeeting.model_validate(meeting),
            attendee=ChimeAttendee.model_validate(attendee),
        ),
        relationships=_relationships(call),
    )


def leave_call(caller: Caller, call_id: str, side: Side) -> Resource[CallDetailAttributes]:
    """Remove this user's attendee from the meeting (an attendee Chime already dropped is fine)."""
    call = _participant_call(caller, call_id, side)
    attendee_field = f"{side}_attendee_id"
    attendee_id = getattr(call, attendee_field)
    if call.status is not CallStatus.ACTIVE or not attendee_id or not call.chime_meeting_id:
        return call_resource(call)
    chime.meetings().delete_attendee(meeting_id=call.chime_meeting_id, attendee_id=attendee_id)
    stamp = clock.now_iso()
    store.transact(
        [
            store.update_call_action(
                call.tour_id,
                set_values={"updated_at": stamp},
                remove=[attendee_field],
                condition=f"{attendee_field} = :attendee",
                condition_values={":attendee": attendee_id},
            ),
            audit_action(
                actor_id=caller.user_id,
                action="call.left",
                resource_type="call",
                resource_id=call.id,
                details={"side": side, "tour_id": call.tour_id},
            ),
        ],
        ["you already left the call", None],
    )
    return call_resource(call.model_copy(update={attendee_field: None, "updated_at": stamp}))


# ---------------------------------------------------------------- record


def record_call(caller: Caller, call_id: str, action: Literal["start", "stop"]) -> Resource[CallDetailAttributes]:
    call = _managed_call(caller, call_id)
    if action == "start":
        return call_resource(_start_recording(caller, call))
    return call_resource(_stop_recording(caller, call))


def _start_recording(caller: Caller, call: CallState) -> CallState:
    meeting = _require_active(call)
    status = _recording_status(call)
    if status is RecordingStatus.RECORDING:
        return call
    if status is not None:
        raise Conflict("this tour was already recorded; a tour has one recording", code="INVALID_TRANSITION")
    if call.recording_consent is not True:
        raise Conflict("the buyer has not agreed to the tour being recorded", code="CONSENT_REQUIRED")
    from realty.billing.entitlements import require_pro

    require_pro(call.realtor_id, feature="recording")
    adapter = chime.meetings()
    pipeline = adapter.start_capture(meeting=meeting, tour_id=call.tour_id)
    stamp = clock.now_iso()
    try:
        store.transact(
            [
                store.update_call_action(
                    call.tour_id,
                    set_values={
                        "recording_status": RecordingStatus.RECORDING.value,
                        "capture_pipeline_id": pipeline.id,
                        "capture_pipeline_arn": pipeline.arn,
                        "recording_started_at": stamp,
                        "updated_at": stamp,
                    },
                    condition="#status = :active AND #consent = :yes AND attribute_not_exists(#recording)",
                    condition_values={":active": CallStatus.ACTIVE.value, ":yes": True},
                ),
                store.put_pipeline_action(
                    PipelinePointer(
                        pipeline_id=pipeline.id,
                        kind=PipelineKind.CAPTURE,
                        tour_id=call.tour_id,
                        call_id=call.id,
                        created_at=stamp,
                    )
                ),
                audit_action(
                    actor_id=caller.user_id,
                    action="call.recording_started",
                    resource_type="call",
                    resource_id=call.id,
                    details={"tour_id": call.tour_id, "media_pipeline_id": pipeline.id},
                ),
            ],
            [CALL_CHANGED, None, None],
        )
    except Exception as error:
        # Chime is capturing but the call item may not say so. Whatever failed (consent withdrawn or
        # the call ended meanwhile, DynamoDB throttling or failing), a capture the call does not
        # record is stopped: nothing else would stop it (consent withdrawal, the end) or keep it.
        current = _call_if_readable(call.tour_id)
        if current is not None and current.capture_pipeline_id == pipeline.id:
            return current  # the write did land: a concurrent start of the same pipeline won
        adapter.stop_capture(pipeline_id=pipeline.id)
        count("RecordingsStoppedUnrecorded")
        if isinstance(error, Conflict) and current is not None and current.recording_consent is not True:
            raise Conflict("the buyer has not agreed to the tour being recorded", code="CONSENT_REQUIRED") from None
        raise
    count("RecordingsStarted")
    return call.model_copy(
        update={
            "recording_status": RecordingStatus.RECORDING.value,
            "capture_pipeline_id": pipeline.id,
            "capture_pipeline_arn": pipeline.arn,
            "recording_started_at": stamp,
            "updated_at": stamp,
        }
    )


def _call_if_readable(tour_id: str) -> CallState | None:
    """The call as stored now, or None when even reading it fails (the caller is already failing)."""
    try:
        return store.get_call(tour_id)
    except Exception as error:
        logger.warning("could not re-read the call", extra={"tour_id": tour_id, "error": type(error).__name__})
        return None


def _stop_recording(caller: Caller, call: CallState) -> CallState:
    status = _recording_status(call)
    if status is None:
        raise Conflict("the call is not being recorded", code="INVALID_TRANSITION")
    if status is not RecordingStatus.RECORDING or not call.capture_pipeline_id:
        return call  # already stopped
    chime.meetings().stop_capture(pipeline_id=call.capture_pipeline_id)
    stamp = clock.now_iso()
    store.transact(
        [
            store.update_call_action(
                call.tour_id,
                set_values={
                    "recording_status": RecordingStatus.STOPPED.value,
                    "recording_stopped_at": stamp,
                    "updated_at": stamp,
                },
                condition="#recording = :recording",
                condition_values={":recording": RecordingStatus.RECORDING.value},
            ),
            audit_action(
                actor_id=caller.user_id,
                action="call.recording_stopped",
                resource_type="call",
                resource_id=call.id,
                details={"reason": "stopped_by_realtor", "tour_id": call.tour_id},
            ),
        ],
        [CALL_CHANGED, None],
    )
    return call.model_copy(
        update={"recording_status": RecordingStatus.STOPPED.value, "recording_stopped_at": stamp, "updated_at": stamp}
    )


# ---------------------------------------------------------------- end


def end_tour(caller: Caller, tour_id: str) -> Resource[CallDetailAttributes]:
    tour, call = _managed_tour(caller, tour_id)
    return call_resource(_end(tour, call, actor=caller.user_id, reason="ended_by_realtor", delete_meeting=True))


def end_call(caller: Caller, call_id: str) -> Resource[CallDetailAttributes]:
    found = _call(call_id)  # names the tour: the tour and call are then read together, consistently
    if found is None or not access.visible(
        caller, realtor_id=found.realtor_id, buyer_id=found.buyer_id, side="realtor"
    ):
        raise NotFound("no such call")
    tour, current = _managed_tour(caller, found.tour_id)
    return call_resource(_end(tour, current, actor=caller.user_id, reason="ended_by_realtor", delete_meeting=True))


def close_tour(caller: Caller, tour_id: str) -> CallState:
    """Admin (`PUT /admin/tours/{id}` `completed`): close an in-progress tour nobody ended, exactly as
    its realtor's end does: capture stopped, meeting deleted, recording concatenated, and the call,
    tour and booking changed in one transaction."""
    tour, call = _managed_tour(caller, tour_id)
    return _end(tour, call, actor=caller.user_id, reason="closed_by_admin", delete_meeting=True)


def meeting_ended(tour_id: str, meeting_id: str | None) -> CallState | None:
    """Chime ended the meeting (no audio for a while, 24 hours, or our DeleteMeeting): end the call too.

    Idempotent: an ended call is left as it is (its recording is finished if that failed before).
    """
    found = _load_tour(tour_id)
    if found is None:
        logger.warning("meeting ended for an unknown tour", extra={"tour_id": tour_id})
        return None
    tour, call = found
    if meeting_id and call.chime_meeting_id and meeting_id != call.chime_meeting_id:
        logger.warning("meeting ended is not this tour's meeting", extra={"tour_id": tour_id})
        return call
    if call.status is CallStatus.CREATED:
        return call
    return _end(tour, call, actor=SYSTEM_ACTOR, reason="meeting_ended", delete_meeting=False)


def _end(tour: Tour, call: CallState, *, actor: str, reason: str, delete_meeting: bool) -> CallState:
    best_effort = actor != SYSTEM_ACTOR  # a request answers; an event is delivered again on failure
    if call.status is CallStatus.ENDED:
        return _finish_recording(call, actor=actor, best_effort=best_effort)
    if call.status is CallStatus.CREATED or not call.chime_meeting_id:
        raise Conflict("the tour has not started", code="INVALID_TRANSITION")
    adapter = chime.meetings()
    recording = _recording_status(call)
    if recording is RecordingStatus.RECORDING and call.capture_pipeline_id:
        adapter.stop_capture(pipeline_id=call.capture_pipeline_id)
    if delete_meeting:
        adapter.delete_meeting(meeting_id=call.chime_meeting_id)
    stamp = clock.now_iso()
    set_values: dict[str, Any] = {
        "status": CallStatus.ENDED.value,
        "ended_at": stamp,
        "ended_by": reason,
        "updated_at": stamp,
    }
    if recording is RecordingStatus.RECORDING:
        set_values |= {"recording_status": RecordingStatus.STOPPED.value, "recording_stopped_at": stamp}
    actions: list[dict[str, Any]] = [
        store.update_call_action(
            call.tour_id,
            set_values=set_values,
            condition="#status = :active",
            condition_values={":active": CallStatus.ACTIVE.value},
        )
    ]
    messages: list[str | None] = [CALL_CHANGED]
    if tour.status is TourStatus.IN_PROGRESS:
        actions.append(
            tours_store.status_action(
                tour.id,
                expected=TourStatus.IN_PROGRESS,
                target=TourStatus.COMPLETED,
                stamp=stamp,
                stamp_attribute="ended_at",
            )
        )
        messages.append(TOUR_CHANGED)
        from realty.bookings import store as bookings_store

        booking = bookings_store.get_booking(tour.booking_id)
        if booking is not None and booking.status is BookingStatus.CONFIRMED:
            ensure_transition(booking.status, BookingStatus.COMPLETED)
            actions.append(bookings_store.complete_action(booking, stamp=stamp))
            messages.append(BOOKING_CHANGED)
    actions.append(
        audit_action(
            actor_id=actor,
            action="tour.ended",
            resource_type="tour",
            resource_id=tour.id,
            details={"call_id": call.id, "reason": reason, "recorded": recording is not None},
        )
    )
    messages.append(None)
    try:
        store.transact(actions, messages)
    except Conflict:
        current = store.get_call(tour.id)
        if current is not None and current.status is CallStatus.ENDED:
            # Ended concurrently (e.g. by Chime's event).
            return _finish_recording(current, actor=actor, best_effort=best_effort)
        raise
    count("ToursEnded")
    ended = call.model_copy(
        update={k: v for k, v in set_values.items() if k != "status"} | {"status": CallStatus.ENDED}
    )
    return _finish_recording(ended, actor=actor, best_effort=best_effort)


def _finish_recording(call: CallState, *, actor: str, best_effort: bool = True) -> CallState:
    """After the meeting, one concatenation pipeline makes one audio file of what was captured.

    For a request, best effort: the call did end, so a Chime failure here is logged and the call
    stays `stopped`; ending it again retries. For Chime's meeting-ended event the failure is raised,
    so Lambda delivers the event again. The idempotency token keeps it one pipeline either way.
    """
    if _recording_status(call) is not RecordingStatus.STOPPED or not call.capture_pipeline_arn:
        return call
    if call.concatenation_pipeline_id:
        return call
    try:
        pipeline = chime.meetings().start_concatenation(
            capture_pipeline_arn=call.capture_pipeline_arn, tour_id=call.tour_id
        )
    except Exception:
        logger.exception("concatenation not started; ending the call again retries it", extra={"tour_id": call.tour_id})
        count("RecordingConcatenationFailed")
        if not best_effort:
            raise
        return call
    stamp = clock.now_iso()
    try:
        store.transact(
            [
                store.update_call_action(
                    call.tour_id,
                    set_values={
                        "recording_status": RecordingStatus.CONCATENATING.value,
                        "concatenation_pipeline_id": pipeline.id,
                        "updated_at": stamp,
                    },
                    condition="#recording = :stopped",
                    condition_values={":stopped": RecordingStatus.STOPPED.value},
                ),
                store.put_pipeline_action(
                    PipelinePointer(
                        pipeline_id=pipeline.id,
                        kind=PipelineKind.CONCATENATION,
                        tour_id=call.tour_id,
                        call_id=call.id,
                        created_at=stamp,
                    )
                ),
                audit_action(
                    actor_id=actor,
                    action="recording.concatenation_started",
                    resource_type="call",
                    resource_id=call.id,
                    details={"tour_id": call.tour_id, "media_pipeline_id": pipeline.id},
                ),
            ],
            [CALL_CHANGED, None, None],
        )
    except Conflict:
        return store.get_call(call.tour_id) or call
    return call.model_copy(
        update={
            "recording_status": RecordingStatus.CONCATENATING.value,
            "concatenation_pipeline_id": pipeline.id,
            "updated_at": stamp,
        }
    )


# ---------------------------------------------------------------- the recording arrives (or fails)

FIRST_PROCESSING_ATTEMPT = 1
AUDIO_CONTENT_TYPES = {".mp4": "audio/mp4", ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".wav": "audio/wav"}


def concatenated_tour_id(s3_key: str) -> str | None:
    """The tour of a concatenated audio file `recordings/<tour_id>/concatenated/audio/<name>`, else None.

    Every other object under `recordings/` (the capture pipeline's 5-second chunks) is not news.
    """
    parts = s3_key.split("/")
    if len(parts) != 5 or parts[0] != chime.RECORDINGS_PREFIX or parts[2] != "concatenated" or parts[3] != "audio":
        return None
    suffix = "." + parts[4].rsplit(".", 1)[-1].lower() if "." in parts[4] else ""
    return parts[1] if ids.is_ulid(parts[1]) and suffix in AUDIO_CONTENT_TYPES else None


def _duration_seconds(call: CallState) -> int | None:
    if not call.recording_started_at or not call.recording_stopped_at:
        return None
    span = clock.parse_iso(call.recording_stopped_at) - clock.parse_iso(call.recording_started_at)
    return max(0, int(span.total_seconds()))


def recording_arrived(*, bucket: str, s3_key: str, size: int) -> Recording | None:
    """The concatenated file is in the bucket: record it (once) and start processing (pro plan only)."""
    tour_id = concatenated_tour_id(s3_key)
    if tour_id is None:
        return None
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
    return _start_processing(recording)


def _store_recording(
    recording: Recording, *, call_status: RecordingStatus, action: str, details: dict[str, Any]
) -> tuple[Recording, bool]:
    """Put the tour's one recording item, the call's `recording_status` and the audit item, in one
    transaction. Returns (the recording, True) when stored now, or (the one stored before, False):
    a second delivery of the file, or the file and a pipeline failure racing, change nothing."""
    try:
        store.transact(
            [
                store.put_recording_action(recording),
                store.update_call_action(
                    recording.tour_id,
                    set_values={"recording_status": call_status.value, "updated_at": recording.updated_at},
                    condition="attribute_exists(PK)",
                ),
                audit_action(
                    actor_id=SYSTEM_ACTOR,
                    action=action,
                    resource_type="recording",
                    resource_id=recording.tour_id,
                    details=details,
                ),
            ],
            ["the recording is already recorded", None, None],
        )
    except Conflict:
        existing = store.get_recording(recording.tour_id)
        if existing is None:
            raise
        return existing, False
    return recording, True


def _start_processing(recording: Recording) -> Recording:
    """Processing needs the pro plan; without it the recording is kept and says why it was not processed."""
    if recording.status is not RecordingState.AVAILABLE or recording.processing_status is not ProcessingStart.PENDING:
        return recording
    from realty.billing.entitlements import require_pro

    try:
        require_pro(recording.realtor_id, feature="processing")
        decision = ProcessingStart.STARTED
    except PaymentRequired:
        decision = ProcessingStart.PRO_REQUIRED
    if decision is ProcessingStart.STARTED:
        from realty.processing.service import start_processing

        # A recording is processed first as attempt 1: a redelivered event finds it running, a no-op.
        start_processing(recording.tour_id, attempt=FIRST_PROCESSING_ATTEMPT)
    stamp = clock.now_iso()
    try:
        store.transact(
            [
                store.update_recording_action(
                    recording.tour_id,
                    set_values={"processing_status": decision.value, "updated_at": stamp},
                    condition="#processing_status = :pending",
                    condition_values={":pending": ProcessingStart.PENDING.value},
                ),
                audit_action(
                    actor_id=SYSTEM_ACTOR,
                    action="recording.processing_started" if decision is ProcessingStart.STARTED else "recording.kept",
                    resource_type="recording",
                    resource_id=recording.tour_id,
                    details={"processing_status": decision.value},
                ),
            ],
            ["processing was already decided", None],
        )
    except Conflict:
        return store.get_recording(recording.tour_id) or recording
    return recording.model_copy(update={"processing_status": decision, "updated_at": stamp})


def pipeline_failed(pipeline_id: str, *, tour_id_hint: str | None = None) -> Recording | None:
    """A media pipeline failed for good: the recording is `failed` and the realtor hears about it."""
    from realty.calls import emails

    pointer = store.get_pipeline(pipeline_id)
    tour_id = pointer.tour_id if pointer else tour_id_hint
    if tour_id is None:
        logger.warning("a pipeline we do not know failed", extra={"media_pipeline_id": pipeline_id})
        return None
    found = _load_tour(tour_id)
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


# ---------------------------------------------------------------- playback


def _playback(caller: Caller, recording: Recording | None) -> Resource[RecordingAttributes]:
    """The recording the caller may see (None: 404) with a fresh playback URL; the access is audited."""
    if recording is None:
        raise NotFound("no recording for this tour")
    url = expires_at = None
    if recording.status is RecordingState.AVAILABLE and recording.bucket and recording.s3_key:
        url = store.presigned_get(
            recording.bucket, recording.s3_key, seconds=PLAYBACK_URL_SECONDS, content_type=recording.content_type
        )
        expires_at = clock.iso(clock.now() + timedelta(seconds=PLAYBACK_URL_SECONDS))
    # Reads are never gated by the plan; every access is on the record.
    record(
        actor_id=caller.user_id,
        action="recording.accessed",
        resource_type="recording",
        resource_id=recording.tour_id,
        details={"call_id": recording.call_id, "role": caller.role.value, "url_issued": url is not None},
    )
    return Resource[RecordingAttributes](
        id=recording.tour_id,
        type="recording",
        attributes=RecordingAttributes(
            status=recording.status,
            processing_status=recording.processing_status,
            playback_url=url,
            expires_at=expires_at,
            content_type=recording.content_type,
            file_size_bytes=recording.file_size_bytes,
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
