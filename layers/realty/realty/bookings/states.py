"""A booking's statuses and the changes allowed between them.

Every booking status change goes through `ensure_transition`; anything not in the table is a 409
that says what is allowed from the current status. The tour's own statuses are in
`realty.tours.states`.
"""

from __future__ import annotations

from enum import StrEnum

from realty.core import transitions


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    # Its tour was never started (`realty.calls.closing`): set by the system, never by a request.
    MISSED = "missed"


BOOKING_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    # A reschedule keeps a pending booking pending and sends a confirmed one back to pending.
    BookingStatus.PENDING: frozenset(
        {BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.DECLINED, BookingStatus.CANCELLED}
    ),
    BookingStatus.CONFIRMED: frozenset(
        {BookingStatus.PENDING, BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.MISSED}
    ),
    BookingStatus.DECLINED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.MISSED: frozenset(),
}


def ensure_transition(current: BookingStatus, target: BookingStatus) -> None:
    """Raise a 409 unless a booking may move from `current` to `target`."""
    transitions.ensure_transition(current, target, BOOKING_TRANSITIONS, "booking")
