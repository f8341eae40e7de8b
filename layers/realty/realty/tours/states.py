"""The allowed status transitions of bookings and tours, in one place.

Every status change in any service goes through `ensure_transition`; anything not in these tables
is a 409 that says what is allowed from the current status.
"""

from __future__ import annotations

from enum import StrEnum

from realty.core.errors import Conflict


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class TourStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PROCESSING = "processing"
    PROCESSED = "processed"
    PROCESSING_FAILED = "processing_failed"
    CANCELLED = "cancelled"


BOOKING_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    # A reschedule keeps a pending booking pending and sends a confirmed one back to pending.
    BookingStatus.PENDING: frozenset(
        {BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.DECLINED, BookingStatus.CANCELLED}
    ),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.PENDING, BookingStatus.CANCELLED, BookingStatus.COMPLETED}),
    BookingStatus.DECLINED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.COMPLETED: frozenset(),
}

TOUR_TRANSITIONS: dict[TourStatus, frozenset[TourStatus]] = {
    TourStatus.SCHEDULED: frozenset({TourStatus.IN_PROGRESS, TourStatus.CANCELLED}),
    TourStatus.IN_PROGRESS: frozenset({TourStatus.COMPLETED}),
    TourStatus.COMPLETED: frozenset({TourStatus.PROCESSING}),
    TourStatus.PROCESSING: frozenset({TourStatus.PROCESSED, TourStatus.PROCESSING_FAILED}),
    TourStatus.PROCESSED: frozenset({TourStatus.PROCESSING}),
    TourStatus.PROCESSING_FAILED: frozenset({TourStatus.PROCESSING}),
    TourStatus.CANCELLED: frozenset(),
}


def ensure_transition(current: StrEnum, target: StrEnum) -> None:
    """Raise a 409 unless `current -> target` is allowed for its kind (booking or tour)."""
    if type(current) is not type(target):
        # StrEnums compare equal to their values ("completed" is both kinds): never mix them up.
        raise TypeError(f"{type(current).__name__} cannot move to a {type(target).__name__}")
    table: dict[StrEnum, frozenset[StrEnum]]
    if isinstance(current, BookingStatus):
        kind, table = "booking", BOOKING_TRANSITIONS  # type: ignore[assignment]
    else:
        kind, table = "tour", TOUR_TRANSITIONS  # type: ignore[assignment]
    allowed = table[current]
    if target in allowed:
        return
    if allowed:
        options = ", ".join(sorted(s.value for s in allowed))
        raise Conflict(f"a {current.value} {kind} can only become: {options}", code="INVALID_TRANSITION")
    raise Conflict(f"a {current.value} {kind} cannot change any more", code="INVALID_TRANSITION")
