"""What an admin may do to a tour directly: cancel it (with its booking), or close one that never ended.

These actions reach across capabilities (a cancel is the booking's cancel, a close is the call's
end), so they live here, above bookings and calls, rather than in `realty.tours`, which both of
those import. The tours function serves their routes.
"""

from __future__ import annotations

from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound
from realty.tours import service as tours
from realty.tours import store as tours_store
from realty.tours.models import TourAttributes, UpdateTourRequest
from realty.tours.states import TourStatus, ensure_transition


def update_tour(caller: Caller, tour_id: str, request: UpdateTourRequest) -> Resource[TourAttributes]:
    """Admin: cancel a tour (its booking is cancelled with it), or close a tour that never ended.

    Closing an `in_progress` tour is the call's end (`realty.calls.meeting.close_tour`): the capture
    is stopped, the meeting deleted and the recording concatenated, and the call, tour and booking
    change in one transaction, exactly as when the realtor ends the tour.
    """
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
