"""Tour reminders: one-time schedules kept in step with the booking, and sending each reminder once.

A confirmed booking has up to two schedules, named from its id so any later change finds them:
`reminder-<booking_id>-24h` (only while the tour is more than a day away) and
`reminder-<booking_id>-15m`. Each carries the booking's `sequence`; a reminder whose booking is no
longer confirmed, or was rescheduled since (sequence moved on), does nothing when it fires.

The tour's close schedule (`realty.tours.close_schedule`) follows the booking here too: put for a
confirmed booking's tour, removed whenever the booking has no tour to close.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from realty.adapters import scheduler
from realty.bookings import delivery_store, emails, store
from realty.bookings.events import ReminderEvent
from realty.bookings.models import Booking, ReminderKind
from realty.bookings.states import BookingStatus
from realty.core import clock
from realty.core.metrics import count
from realty.tours import close_schedule

logger = Logger(child=True)

# A sent-reminder marker outlives every redelivery Scheduler could make (its events live an hour).
MARKER_TTL = timedelta(days=7)


class ReminderNotSent(Exception):
    """No participant's reminder email was accepted; raised so that the invocation is retried."""


def schedule_name(booking_id: str, kind: ReminderKind) -> str:
    return f"reminder-{booking_id}-{kind.value}"


def sync_reminders(booking: Booking) -> None:
    """Create or move the booking's schedules to its current time; drop those whose moment has passed."""
    now = clock.now()
    start = clock.parse_iso(booking.scheduled_at)
    for kind in ReminderKind:
        fire_at = start - kind.lead
        name = schedule_name(booking.id, kind)
        if fire_at > now:
            payload = {"booking_id": booking.id, "kind": kind.value, "sequence": booking.sequence}
            scheduler.put(scheduler.OneTimeSchedule(name=name, at=fire_at, payload=payload))
        else:
            scheduler.delete(name)
    if booking.status is BookingStatus.CONFIRMED and booking.tour_id:
        close_schedule.schedule_missed(booking.id, booking.tour_id, booking.ends_at)
    else:
        close_schedule.cancel(booking.id)


def cancel_reminders(booking_id: str) -> None:
    for kind in ReminderKind:
        scheduler.delete(schedule_name(booking_id, kind))
    close_schedule.cancel(booking_id)


def send_reminder(event: ReminderEvent) -> str:
    """Send one reminder to both participants, at most once per booking, kind and sequence.

    Returns what happened: `sent`, `duplicate` (delivered before), `stale` (booking not confirmed
    any more, or rescheduled since) or `missing`. Raises `ReminderNotSent` when no email went out
    (its claim released first), so a retry sends it.
    """
    booking = store.get_booking(event.booking_id)
    if booking is None:
        logger.info("reminder for an unknown booking", extra={"booking_id": event.booking_id})
        return "missing"
    if booking.status is not BookingStatus.CONFIRMED or booking.sequence != event.sequence:
        logger.info("reminder no longer applies", extra={"booking_id": booking.id, "status": booking.status.value})
        return "stale"
    expires = clock.parse_iso(booking.ends_at) + MARKER_TTL
    claimed_at = clock.now_iso()
    claimed = delivery_store.claim_reminder(
        booking.id,
        event.kind.value,
        event.sequence,
        created_at=claimed_at,
        expires_at=int(expires.timestamp()),
    )
    if not claimed:
        logger.info("reminder already sent", extra={"booking_id": booking.id, "kind": event.kind.value})
        return "duplicate"
    accepted, recipients = emails.reminder(booking, event.kind)
    if recipients and not accepted:
        # Nobody got it (SES throttled or down): give the claim back and fail, so the invocation is
        # retried (Lambda's asynchronous retries) instead of a redelivery finding it "sent".
        delivery_store.release_reminder(booking.id, event.kind.value, event.sequence, created_at=claimed_at)
        count("RemindersNotSent")
        raise ReminderNotSent(f"no reminder email was accepted for booking {booking.id}")
    count("RemindersSent")
    return "sent"
