"""Tours always end: the close schedule of `realty.tours.close_schedule`, fired by EventBridge Scheduler.

`{action: close_tour, booking_id, tour_id}` reaches the meeting events function at the tour's end
plus the grace period, or (once the tour started) at its start plus the maximum length:

- a tour nobody started is closed as `missed`, its confirmed booking `missed` with it, in one
  transaction conditioned on the tour still `scheduled` and its call never opened, so a start at the
  same instant either wins whole or loses whole; both parties are emailed (their preferences apply);
- a tour still running at its maximum length is ended exactly as its realtor would end it (capture
  stopped and kept, meeting deleted, recording concatenated, processing started when it arrives);
- anything else (started and still within its length, ended, cancelled, already missed, or a tour
  the booking no longer holds) is left alone.

Scheduler delivers at least once: a second delivery finds the tour closed and does nothing, and only
the delivery whose transaction won sends the emails. Every change is audited as the system actor.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from realty.calls import store
from realty.calls.access import load_tour
from realty.calls.models import CallState, CloseTourEvent
from realty.core import clock
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.config import get_settings
from realty.core.errors import Conflict
from realty.core.metrics import count
from realty.tours import close_schedule
from realty.tours.models import CallStatus, Tour
from realty.tours.states import TourStatus, ensure_transition

logger = Logger(child=True)

# Scheduler may fire a little early; more than this is not the moment it was set for.
EARLY_TOLERANCE = timedelta(minutes=1)


def close_tour(event: CloseTourEvent) -> str:
    """Close the tour if nobody started or ended it in time.

    Returns `missed`, `closed` (ended at its maximum length), `running` (started, within its length),
    `stale` (ended, cancelled, already closed, or moved on) or `missing`.
    """
    found = load_tour(event.tour_id)
    if found is None:
        return "missing"
    tour, call = found
    if tour.booking_id != event.booking_id:
        return "stale"
    now = clock.now()
    if tour.status is TourStatus.SCHEDULED and call.status is CallStatus.CREATED:
        if now < close_schedule.missed_at(tour.ends_at) - EARLY_TOLERANCE:
            return "stale"
        return _close_missed(tour, call)
    if tour.status is TourStatus.IN_PROGRESS and call.status is CallStatus.ACTIVE:
        started_at = tour.started_at or call.started_at
        if started_at and now < close_schedule.overdue_at(started_at) - EARLY_TOLERANCE:
            # The start moved the schedule to the maximum length; this is an earlier delivery.
            logger.info("tour still within its maximum length", extra={"tour_id": tour.id})
            return "running"
        from realty.calls import meeting

        meeting.close_overdue(tour, call)
        count("ToursClosedAtMaxLength")
        return "closed"
    return "stale"


def _close_missed(tour: Tour, call: CallState) -> str:
    from realty.bookings import emails
    from realty.bookings import store as bookings_store
    from realty.bookings.states import BookingStatus

    ensure_transition(tour.status, TourStatus.MISSED)
    booking = bookings_store.get_booking(tour.booking_id)
    if booking is not None and (booking.status is not BookingStatus.CONFIRMED or booking.tour_id != tour.id):
        booking = None  # the booking moved on (its tour would be cancelled); the tour alone is closed
    stamp = clock.now_iso()
    audit = audit_action(
        actor_id=SYSTEM_ACTOR,
        action="tour.missed",
        resource_type="tour",
        resource_id=tour.id,
        details={
            "booking_id": tour.booking_id,
            "ends_at": tour.ends_at,
            "grace_minutes": get_settings().missed_tour_grace_minutes,
            "before": {"status": tour.status.value},
            "after": {"status": TourStatus.MISSED.value},
        },
    )
    try:
        store.close_missed(call, booking=booking, stamp=stamp, audit=audit)
    except Conflict:
        # Started, cancelled or closed by an earlier delivery at the same instant: that change stands.
        logger.info("tour changed as it was closed as missed", extra={"tour_id": tour.id})
        return "stale"
    count("ToursMissed")
    if booking is not None:
        emails.tour_missed(booking.model_copy(update={"status": BookingStatus.MISSED, "updated_at": stamp}))
    return "missed"
