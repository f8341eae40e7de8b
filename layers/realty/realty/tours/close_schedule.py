"""The one-time schedule that makes sure a tour ends: `tour-close-<booking_id>`.

A confirmed booking's tour gets it at its end plus the grace period (`MISSED_TOUR_GRACE_MINUTES`):
if nobody started the tour by then, it is closed as missed. Starting the tour moves the same
schedule to the start plus the maximum length (`TOUR_MAX_LENGTH_MINUTES`): a tour still running then
is ended as its realtor would end it. Named from the booking, like the reminders, so a reschedule
(which cancels the tour and makes a new one on the next confirm) replaces it and a cancellation
removes it; one that fires for a tour that moved on does nothing (`realty.calls.closing`).

It invokes the tour closer (the meeting events function) through the reminders' adapter, group,
role and dead-letter queue. Like every schedule, a failure to save it is logged and counted, never
raised; Chime's own end of an empty meeting still ends a started tour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from realty.adapters import scheduler
from realty.core import clock
from realty.core.config import get_settings

CLOSE_ACTION = "close_tour"


def schedule_name(booking_id: str) -> str:
    return f"tour-close-{booking_id}"


def missed_at(ends_at: str) -> datetime:
    """When a tour nobody started counts as missed: its end plus the grace period."""
    return clock.parse_iso(ends_at) + timedelta(minutes=get_settings().missed_tour_grace_minutes)


def overdue_at(started_at: str) -> datetime:
    """When a started tour nobody ended is closed: its start plus the maximum length."""
    return clock.parse_iso(started_at) + timedelta(minutes=get_settings().tour_max_length_minutes)


def _put(booking_id: str, tour_id: str, at: datetime) -> bool:
    payload = {"action": CLOSE_ACTION, "booking_id": booking_id, "tour_id": tour_id}
    return scheduler.put(
        scheduler.OneTimeSchedule(name=schedule_name(booking_id), at=at, payload=payload, target=scheduler.TOUR_CLOSER)
    )


def schedule_missed(booking_id: str, tour_id: str, ends_at: str) -> bool:
    """A confirmed booking's new tour: close it as missed if nobody starts it."""
    return _put(booking_id, tour_id, missed_at(ends_at))


def schedule_overdue(booking_id: str, tour_id: str, started_at: str) -> bool:
    """A tour just started: end it at the maximum length if nobody does before."""
    return _put(booking_id, tour_id, overdue_at(started_at))


def cancel(booking_id: str) -> bool:
    """The booking has no tour to close any more (cancelled, declined, or moved back to pending)."""
    return scheduler.delete(schedule_name(booking_id))
