"""Bookings: a buyer's request for a tour of a property at a time, until the realtor confirms it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

from realty.bookings.states import BookingStatus
from realty.core.ids import ULID_PATTERN
from realty.core.models import Model
from realty.core.types import WHOLE_NUMBER
from realty.properties.summary import PropertySummary

SLOT_MINUTES = 15
MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 120
DEFAULT_DURATION_MINUTES = 30
NOTES_MAX_CHARS = 1000
DECLINE_REASON_MAX_CHARS = 500


class ReminderKind(StrEnum):
    DAY_BEFORE = "24h"
    SOON = "15m"

    @property
    def lead(self) -> timedelta:
        return timedelta(hours=24) if self is ReminderKind.DAY_BEFORE else timedelta(minutes=15)


class Booking(Model):
    """A booking as stored (`BOOKING#<id>` / `BOOKING`); never returned as-is (see `BookingAttributes`)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    buyer_id: str
    realtor_id: str
    property_id: str
    property_address: str
    property_city: str
    scheduled_at: str
    duration_minutes: int
    ends_at: str
    notes: str | None = None
    status: BookingStatus
    tour_id: str | None = None
    # iCalendar SEQUENCE of the invite: raised on every reschedule and on cancellation.
    sequence: int = 0
    # Optimistic concurrency: raised on every write, checked by the next one.
    version: int = 0
    decline_reason: str | None = None
    cancelled_by: str | None = None
    buyer_email: str | None = None
    buyer_name: str | None = None
    realtor_email: str | None = None
    realtor_name: str | None = None
    created_at: str
    updated_at: str


# ---------------------------------------------------------------- requests


def _text_only(value: Any) -> Any:
    # pydantic would otherwise read a number as a Unix timestamp.
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date-time string, e.g. 2026-12-01T15:00:00Z")
    return value


def _on_slot_boundary(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if value.second or value.microsecond or value.minute % SLOT_MINUTES:
        raise ValueError("must start on a 15-minute boundary (:00, :15, :30 or :45) with zero seconds")
    return value


ScheduledAt = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    AfterValidator(_on_slot_boundary),
    Field(description="tour start, ISO-8601 with a time zone (UTC `Z` preferred), on a 15-minute boundary"),
]
DurationMinutes = Annotated[StrictInt, Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES), WHOLE_NUMBER]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTES_MAX_CHARS)]


class _Request(Model):
    model_config = ConfigDict(extra="forbid")


class CreateBookingRequest(_Request):
    property_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
    scheduled_at: ScheduledAt
    duration_minutes: DurationMinutes = DEFAULT_DURATION_MINUTES
    notes: Notes | None = None


class UpdateBookingRequest(_Request):
    """A reschedule (new time or length: a confirmed booking goes back to pending) or new notes."""

    # An empty object is refused ("nothing to change"): the contract says so.
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    scheduled_at: ScheduledAt | None = None
    duration_minutes: DurationMinutes | None = None
    notes: Notes | None = Field(default=None, description="empty string removes the notes")


class DeclineBookingRequest(_Request):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DECLINE_REASON_MAX_CHARS)]


class ReminderEvent(Model):
    """What a reminder schedule sends to the reminders function."""

    model_config = ConfigDict(extra="ignore")

    booking_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
    kind: ReminderKind
    sequence: Annotated[int, Field(ge=0)]


# ---------------------------------------------------------------- responses


class BookingAttributes(Model):
    status: BookingStatus
    scheduled_at: str
    ends_at: str
    duration_minutes: int
    notes: str | None = None
    decline_reason: str | None = None
    property: PropertySummary
    created_at: str
    updated_at: str
