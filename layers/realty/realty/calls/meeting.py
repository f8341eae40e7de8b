"""A tour's meeting: starting it, seeing the call, joining and leaving it, ending it.

Every change is one TransactWriteItems with its audit item, conditioned on the status that was
read (the named operations of `calls.store`); Chime is called first (its create calls are
idempotent per tour and per user), so a retried request converges on the same meeting, attendee
and pipeline. Meetings that Chime ends by itself (no audio for five minutes, or 24 hours) arrive as
an event and are ended here the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from realty.adapters import chime
from realty.calls import store
from realty.calls.access import load_tour, managed_call, managed_tour, participant_call, visible_call
from realty.calls.models import (
    EARLY_START_MINUTES,
    CallDetailAttributes,
    CallState,
    ChimeAttendee,
    ChimeMeeting,
    JoinAttributes,
    StartAttributes,
)
from realty.calls.recording import consent_change, finish_recording, require_active
from realty.calls.resources import call_resource, detail_fields, recording_status, relationships, start_resource
from realty.core import clock
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import Conflict
from realty.core.metrics import count
from realty.tours import close_schedule
from realty.tours.access import Side
from realty.tours.models import CallStatus, RecordingStatus, Tour
from realty.tours.states import TourStatus, ensure_transition

# The booking store and the emails are imported where the few changes that need them run (ending,
# starting): the calls function's reads start without them.

logger = Logger(child=True)


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

    tour, call = managed_tour(caller, tour_id)
    if call.status is CallStatus.ACTIVE and call.chime_meeting:
        return start_resource(call)
    if call.status is CallStatus.ENDED:
        raise Conflict("the tour's call has ended", code="INVALID_TRANSITION")
    ensure_transition(tour.status, TourStatus.IN_PROGRESS)
    _check_start_window(tour)
    meeting = chime.meetings().create_meeting(tour_id=tour.id)
    stamp = clock.now_iso()
    try:
        started = store.start_call(
            call,
            {
                "status": CallStatus.ACTIVE,
                "chime_meeting_id": meeting["MeetingId"],
                "chime_meeting": meeting,
                "started_at": stamp,
                "updated_at": stamp,
            },
            audit=audit_action(
                actor_id=caller.user_id,
                action="tour.started",
                resource_type="tour",
                resource_id=tour.id,
                details={"call_id": call.id, "chime_meeting_id": meeting["MeetingId"]},
            ),
        )
    except Conflict:
        # A concurrent start won (same meeting, thanks to the idempotency token): answer with it.
        current = store.get_call(tour.id)
        if current is not None and current.status is CallStatus.ACTIVE and current.chime_meeting:
            return start_resource(current)
        raise
    count("ToursStarted")
    # The tour's close schedule moves from "missed" to its maximum length (`realty.calls.closing`).
    close_schedule.schedule_overdue(tour.booking_id, tour.id, stamp)
    emails.tour_started(tour)
    return start_resource(started)


# ---------------------------------------------------------------- read


def get_call(caller: Caller, call_id: str) -> Resource[CallDetailAttributes]:
    return call_resource(visible_call(caller, call_id))


# ---------------------------------------------------------------- join / leave


def join_call(caller: Caller, call_id: str, side: Side, *, consent: bool | None = None) -> Resource[JoinAttributes]:
    """The meeting and this user's attendee; the buyer may give or withdraw recording consent."""
    call = participant_call(caller, call_id, side)
    meeting = require_active(call)
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
        consent_changes, consent_audits = consent_change(caller, call, consent, stamp)
        changes |= consent_changes
        audits += consent_audits
    joined = store.save_join(call, changes, audits=audits)
    return Resource[JoinAttributes](
        id=call.id,
        type="call",
        attributes=JoinAttributes(
            **detail_fields(joined),
            meeting=ChimeMeeting.model_validate(meeting),
            attendee=ChimeAttendee.model_validate(attendee),
        ),
        relationships=relationships(call),
    )


def leave_call(caller: Caller, call_id: str, side: Side) -> Resource[CallDetailAttributes]:
    """Remove this user's attendee from the meeting (an attendee Chime already dropped is fine)."""
    call = participant_call(caller, call_id, side)
    attendee_field = f"{side}_attendee_id"
    attendee_id = getattr(call, attendee_field)
    if call.status is not CallStatus.ACTIVE or not attendee_id or not call.chime_meeting_id:
        return call_resource(call)
    chime.meetings().delete_attendee(meeting_id=call.chime_meeting_id, attendee_id=attendee_id)
    left = store.save_leave(
        call,
        attendee_field,
        stamp=clock.now_iso(),
        audit=audit_action(
            actor_id=caller.user_id,
            action="call.left",
            resource_type="call",
            resource_id=call.id,
            details={"side": side, "tour_id": call.tour_id},
        ),
    )
    return call_resource(left)


# ---------------------------------------------------------------- end


def end_tour(caller: Caller, tour_id: str) -> Resource[CallDetailAttributes]:
    tour, call = managed_tour(caller, tour_id)
    return call_resource(_end(tour, call, actor=caller.user_id, reason="ended_by_realtor", delete_meeting=True))


def end_call(caller: Caller, call_id: str) -> Resource[CallDetailAttributes]:
    # The call names the tour: the tour and call are then read together, consistently.
    found = managed_call(caller, call_id, consistent=False)
    tour, current = managed_tour(caller, found.tour_id)
    return call_resource(_end(tour, current, actor=caller.user_id, reason="ended_by_realtor", delete_meeting=True))


def close_tour(caller: Caller, tour_id: str) -> CallState:
    """Admin (`PUT /admin/tours/{id}` `completed`): close an in-progress tour nobody ended, exactly as
    its realtor's end does: capture stopped, meeting deleted, recording concatenated, and the call,
    tour and booking changed in one transaction."""
    tour, call = managed_tour(caller, tour_id)
    return _end(tour, call, actor=caller.user_id, reason="closed_by_admin", delete_meeting=True)


def close_overdue(tour: Tour, call: CallState) -> CallState:
    """The tour's maximum length passed and nobody ended it (`realty.calls.closing`): end it as its
    realtor would (capture stopped, meeting deleted, recording concatenated), as the system."""
    return _end(tour, call, actor=SYSTEM_ACTOR, reason="max_length", delete_meeting=True)


def meeting_ended(tour_id: str, meeting_id: str | None) -> CallState | None:
    """Chime ended the meeting (no audio for a while, 24 hours, or our DeleteMeeting): end the call too.

    Idempotent: an ended call is left as it is (its recording is finished if that failed before).
    """
    found = load_tour(tour_id)
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
        return finish_recording(call, actor=actor, best_effort=best_effort)
    if call.status is CallStatus.CREATED or not call.chime_meeting_id:
        raise Conflict("the tour has not started", code="INVALID_TRANSITION")
    adapter = chime.meetings()
    recording = recording_status(call)
    if recording is RecordingStatus.RECORDING and call.capture_pipeline_id:
        adapter.stop_capture(pipeline_id=call.capture_pipeline_id)
    if delete_meeting:
        adapter.delete_meeting(meeting_id=call.chime_meeting_id)
    stamp = clock.now_iso()
    changes: dict[str, Any] = {"status": CallStatus.ENDED, "ended_at": stamp, "ended_by": reason, "updated_at": stamp}
    if recording is RecordingStatus.RECORDING:
        changes |= {"recording_status": RecordingStatus.STOPPED, "recording_stopped_at": stamp}
    completing = tour.status is TourStatus.IN_PROGRESS
    booking = None
    if completing:
        from realty.bookings import states as booking_states
        from realty.bookings import store as bookings_store

        booking = bookings_store.get_booking(tour.booking_id)
        if booking is not None and booking.status is booking_states.BookingStatus.CONFIRMED:
            booking_states.ensure_transition(booking.status, booking_states.BookingStatus.COMPLETED)
        else:
            booking = None
    try:
        ended = store.end_call(
            call,
            changes,
            complete_tour=completing,
            complete_booking=booking,
            audit=audit_action(
                actor_id=actor,
                action="tour.ended",
                resource_type="tour",
                resource_id=tour.id,
                details={"call_id": call.id, "reason": reason, "recorded": recording is not None},
            ),
        )
    except Conflict:
        current = store.get_call(tour.id)
        if current is not None and current.status is CallStatus.ENDED:
            # Ended concurrently (e.g. by Chime's event).
            return finish_recording(current, actor=actor, best_effort=best_effort)
        raise
    count("ToursEnded")
    from realty.calls import emails

    # Only the request or event that ended the tour sends this (a concurrent or repeated end does not).
    emails.tour_ended(tour, recorded=recording is not None)
    return finish_recording(ended, actor=actor, best_effort=best_effort)
