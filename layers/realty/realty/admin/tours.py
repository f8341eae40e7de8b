"""What an admin may do to a tour directly: cancel it (with its booking), or close one that never ended.

These actions reach across capabilities (a cancel is the booking's cancel, a close is the call's
end), so they live here, above bookings and calls, rather than in `realty.tours`, which both of
those import. The tours function serves their routes.
"""

from __future__ import annotations

from realty.admin.models import AdminUpdateTourRequest
from realty.core.audit import record
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed
from realty.tours import service as tours
from realty.tours import store as tours_store
from realty.tours.schemas import TourAttributes
from realty.tours.states import TourStatus, ensure_transition


def update_tour(caller: Caller, tour_id: str, request: AdminUpdateTourRequest) -> Resource[TourAttributes]:
    """Admin: move a tour (`move_tour`), cancel it (its booking is cancelled with it), or close a tour
    that never ended.

    Closing an `in_progress` tour is the call's end (`realty.calls.meeting.close_tour`): the capture
    is stopped, the meeting deleted and the recording concatenated, and the call, tour and booking
    change in one transaction, exactly as when the realtor ends the tour.
    """
    sent = request.model_fields_set
    if not sent:
        raise ValidationFailed("nothing to change: send status, or scheduled_at and/or duration_minutes")
    if request.status is None:
        return move_tour(caller, tour_id, request)
    if sent - {"status"}:
        raise ValidationFailed("send status alone, then the new time in another request", field="status")
    target = TourStatus(request.status)
    if target is TourStatus.CANCELLED:
        return cancel_tour(caller, tour_id)
    tour = tours.get_tour_for(caller, tour_id).tour
    ensure_transition(tour.status, target)
    # Imported on use: only this admin action needs Chime, the other tour routes never load it.
    from realty.calls import meeting

    meeting.close_tour(caller, tour.id)
    closed = tours_store.get_tour(tour.id)
    if closed is None:  # pragma: no cover - tours are never deleted
        raise NotFound("no such tour")
    return tours.to_resource(closed, caller)


def cancel_tour(caller: Caller, tour_id: str) -> Resource[TourAttributes]:
    """Cancel a tour by cancelling its booking: slots, reminders and invites follow the booking."""
    # Imported on use: only this admin action needs the booking rules (emails, invites, reminders);
    # the tours function's other routes never load them.
    from realty.bookings import service as bookings
    from realty.bookings import store as bookings_store

    tour = tours.get_tour_for(caller, tour_id).tour
    ensure_transition(tour.status, TourStatus.CANCELLED)
    booking = bookings_store.get_booking(tour.booking_id)
    if booking is None or booking.tour_id != tour.id:
        # A scheduled tour is always its booking's current tour; anything else is not ours to cancel.
        raise Conflict("the tour's booking has moved on; cancel the booking instead")
    bookings.cancel_booking(caller, tour.booking_id)
    cancelled = tours_store.get_tour(tour.id)
    if cancelled is None:  # pragma: no cover - tours are never deleted
        raise NotFound("no such tour")
    return tours.to_resource(cancelled, caller)


def move_tour(caller: Caller, tour_id: str, request: AdminUpdateTourRequest) -> Resource[TourAttributes]:
    """Move a scheduled tour to a new time (or length) the way its parties would: its booking is
    rescheduled (`update_booking`: window, slot and conflict checks, the tour cancelled with it, back
    to pending, emails and a new invite), then confirmed as its realtor would (`confirm_booking`: a
    new tour, call and slots). The answer is the new tour; the old one stays cancelled.

    Each step is one transaction. Should the confirmation fail (someone took the time in between),
    the booking is left pending at the new time, a state its parties can act on, and the 409 says so.
    """
    from realty.bookings import service as bookings
    from realty.bookings import store as bookings_store
    from realty.bookings.models import UpdateBookingRequest

    tour = tours.get_tour_for(caller, tour_id).tour
    ensure_transition(tour.status, TourStatus.CANCELLED)  # only a tour that has not started can move
    booking = bookings_store.get_booking(tour.booking_id)
    if booking is None or booking.tour_id != tour.id:
        raise Conflict("the tour's booking has moved on; edit the booking instead")
    edit = request.model_dump(mode="json", exclude_unset=True)
    before = {"scheduled_at": booking.scheduled_at, "duration_minutes": booking.duration_minutes}
    bookings.update_booking(caller, booking.id, UpdateBookingRequest.model_validate(edit))
    moved = bookings_store.get_booking(booking.id)
    if moved is None or moved.tour_id == tour.id:  # the same time and length: nothing moved
        return tours.to_resource(tour, caller)
    try:
        bookings.confirm_booking(caller, booking.id)
    except Conflict as error:
        raise Conflict(
            f"the booking moved but could not be confirmed again, it is pending: {error.message}",
            code=error.code,
            details=error.details,
        ) from error
    confirmed = bookings_store.get_booking(booking.id)
    new_tour = tours_store.get_tour(confirmed.tour_id) if confirmed and confirmed.tour_id else None
    if confirmed is None or new_tour is None:  # pragma: no cover - a confirmed booking always has its tour
        raise NotFound("no such tour")
    after = {"scheduled_at": confirmed.scheduled_at, "duration_minutes": confirmed.duration_minutes}
    # The booking's own audit items say how it moved; this one ties the old tour to the new one.
    record(
        actor_id=caller.user_id,
        action="tour.moved",
        resource_type="tour",
        resource_id=tour.id,
        details={
            "booking_id": booking.id,
            "new_tour_id": new_tour.id,
            "changed_fields": sorted(k for k in after if after[k] != before[k]),
            "before": before,
            "after": after,
        },
    )
    return tours.to_resource(new_tour, caller)
