"""A tour's statuses and the changes allowed between them.

Every tour status change goes through `ensure_transition`; anything not in the table is a 409 that
says what is allowed from the current status. Booking statuses are in `realty.bookings.states`.
"""

from __future__ import annotations

from enum import StrEnum

from realty.core import transitions


class TourStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PROCESSING = "processing"
    PROCESSED = "processed"
    PROCESSING_FAILED = "processing_failed"
    CANCELLED = "cancelled"
    # Nobody started it by its end plus a grace period (`realty.calls.closing`).
    MISSED = "missed"


TOUR_TRANSITIONS: dict[TourStatus, frozenset[TourStatus]] = {
    TourStatus.SCHEDULED: frozenset({TourStatus.IN_PROGRESS, TourStatus.CANCELLED, TourStatus.MISSED}),
    TourStatus.IN_PROGRESS: frozenset({TourStatus.COMPLETED}),
    TourStatus.COMPLETED: frozenset({TourStatus.PROCESSING}),
    TourStatus.PROCESSING: frozenset({TourStatus.PROCESSED, TourStatus.PROCESSING_FAILED}),
    TourStatus.PROCESSED: frozenset({TourStatus.PROCESSING}),
    TourStatus.PROCESSING_FAILED: frozenset({TourStatus.PROCESSING}),
    TourStatus.CANCELLED: frozenset(),
    TourStatus.MISSED: frozenset(),
}


def ensure_transition(current: TourStatus, target: TourStatus) -> None:
    """Raise a 409 unless a tour may move from `current` to `target`."""
    transitions.ensure_transition(current, target, TOUR_TRANSITIONS, "tour")
