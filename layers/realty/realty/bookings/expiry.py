"""Expiring requests: a pending request the realtor has not answered by its `expires_at` is declined
with the reason `expired` and the buyer is emailed.

Each request with a deadline has one one-time Scheduler schedule, `expiry-<booking_id>`, through
the reminders' adapter and wiring (it invokes the reminders function with `{booking_id, action:
expire, expires_at}`). Any change of the booking puts or deletes it (`sync_expiry`); a schedule
that fires for a booking no longer pending, or whose deadline moved, does nothing. The decline is a
write conditioned on the version and status read, so a request confirmed at the same instant ends
either confirmed or expired, never both.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from realty.adapters import scheduler
from realty.bookings import store
from realty.bookings.events import ExpiryEvent
from realty.bookings.models import Booking
from realty.bookings.states import BookingStatus
from realty.core import clock
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.errors import Conflict
from realty.core.metrics import count

logger = Logger(child=True)

EXPIRED = "expired"
# Scheduler may fire a little early within its window; more than this is not our deadline.
EARLY_TOLERANCE = timedelta(minutes=1)


def schedule_name(booking_id: str) -> str:
    return f"expiry-{booking_id}"


def sync_expiry(booking: Booking) -> None:
    """Put the schedule at the booking's deadline while it is pending with one; delete it otherwise."""
    name = schedule_name(booking.id)
    if booking.status is BookingStatus.PENDING and booking.expires_at:
        payload = {"booking_id": booking.id, "action": "expire", "expires_at": booking.expires_at}
        scheduler.put(scheduler.OneTimeSchedule(name=name, at=clock.parse_iso(booking.expires_at), payload=payload))
    else:
        scheduler.delete(name)


def expire_request(event: ExpiryEvent) -> str:
    """Decline the request as expired if it is still pending at this deadline.

    Returns `expired`, `stale` (answered, moved or changed since) or `missing`.
    """
    from realty.bookings import emails

    booking = store.get_booking(event.booking_id)
    if booking is None:
        return "missing"
    if booking.status is not BookingStatus.PENDING or booking.expires_at != event.expires_at:
        return "stale"
    if clock.now() < clock.parse_iso(event.expires_at) - EARLY_TOLERANCE:
        return "stale"
    updated = booking.model_copy(
        update={
            "status": BookingStatus.DECLINED,
            "decline_reason": EXPIRED,
            "version": booking.version + 1,
            "updated_at": clock.now_iso(),
        }
    )
    audit = audit_action(
        actor_id=SYSTEM_ACTOR,
        action="booking.expired",
        resource_type="booking",
        resource_id=booking.id,
        details={"expires_at": booking.expires_at},
    )
    try:
        store.save_booking(updated, previous=booking, audit=audit)
    except Conflict:
        # Confirmed, declined or moved at the same instant: that change stands.
        logger.info("request changed as it expired", extra={"booking_id": booking.id})
        return "stale"
    count("BookingsExpired")
    # Its schedule deletes itself after firing; reminder schedules of a once-confirmed request do
    # nothing for a booking that is not confirmed.
    emails.booking_declined(updated)
    return EXPIRED
