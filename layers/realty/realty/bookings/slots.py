"""A booking's place in the calendar: when a tour may start, the 15-minute slot items it holds, and
the tour already in the way of a time (as the 409 the parties read).

The slot items make double booking impossible (their conditional puts are in the confirming
transaction, `realty.bookings.store`); these are the pure rules around them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from realty.bookings import store
from realty.bookings.models import Booking
from realty.bookings.states import BookingStatus
from realty.bookings.store import Slot
from realty.bookings.times import SLOT_MINUTES
from realty.core import clock
from realty.core.config import get_settings
from realty.core.errors import Conflict, ValidationFailed

# Slot items outlive their tour by a day, then DynamoDB's TTL removes them.
SLOT_TTL_AFTER_END = timedelta(days=1)
EN_DASH = "\u2013"


def check_window(start: datetime) -> None:
    """A tour starts at least `booking_min_lead_minutes` and at most `booking_max_days_ahead` from now."""
    settings = get_settings()
    now = clock.now()
    earliest = now + timedelta(minutes=settings.booking_min_lead_minutes)
    latest = now + timedelta(days=settings.booking_max_days_ahead)
    if start < earliest:
        raise ValidationFailed(
            f"scheduled_at must be at least {settings.booking_min_lead_minutes} minutes from now",
            field="scheduled_at",
        )
    if start > latest:
        raise ValidationFailed(
            f"scheduled_at must be at most {settings.booking_max_days_ahead} days from now", field="scheduled_at"
        )


def ends_at(start: datetime, duration_minutes: int) -> datetime:
    return start + timedelta(minutes=duration_minutes)


def slot_starts(start: datetime, duration_minutes: int) -> list[str]:
    """Every 15-minute slot from the start until the tour is over (a partial slot counts whole)."""
    count_ = math.ceil(duration_minutes / SLOT_MINUTES)
    return [clock.iso(start + timedelta(minutes=SLOT_MINUTES * n)) for n in range(count_)]


def slots_for(booking: Booking, tour_id: str) -> list[Slot]:
    start = clock.parse_iso(booking.scheduled_at)
    expires = int((clock.parse_iso(booking.ends_at) + SLOT_TTL_AFTER_END).timestamp())
    owners = (("realtor", booking.realtor_id), ("property", booking.property_id))
    return [
        Slot(
            owner=owner,
            owner_id=owner_id,
            start=slot_start,
            booking_id=booking.id,
            tour_id=tour_id,
            tour_starts_at=booking.scheduled_at,
            tour_ends_at=booking.ends_at,
            expires_at=expires,
        )
        for owner, owner_id in owners
        for slot_start in slot_starts(start, booking.duration_minutes)
    ]


def span(start: str, end: str) -> str:
    """`<start> EN DASH <end>`, e.g. for 15:00-15:30 on one day the end date is left out."""
    return f"{start}{EN_DASH}{end[11:] if end[:10] == start[:10] else end}"


def conflict_in(taken: list[dict[str, Any]], *, ignore_booking: str | None) -> Conflict | None:
    """The first tour in the way (slots as `store.read_calendar` orders them), as a clear 409."""
    for slot in taken:
        if slot.get("booking_id") == ignore_booking:
            continue
        when = span(str(slot["tour_starts_at"]), str(slot["tour_ends_at"]))
        return Conflict(f"the {slot['owner']} already has a tour {when}", code="SLOT_TAKEN")
    return None


def first_conflict(
    realtor_id: str, property_id: str, start: datetime, duration_minutes: int, *, ignore_booking: str | None
) -> Conflict | None:
    """The tour already in the way of this time, for the realtor or the property, as a clear 409."""
    calendar = store.read_calendar(realtor_id, property_id, slot_starts(start, duration_minutes))
    return conflict_in(calendar.taken, ignore_booking=ignore_booking)


def released_slots(booking: Booking) -> list[Slot]:
    if booking.status is not BookingStatus.CONFIRMED or not booking.tour_id:
        return []
    return slots_for(booking, booking.tour_id)
