"""Bookings: a buyer's request for a tour of a property at a time, until the realtor confirms it."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
)

from realty.bookings.states import BookingStatus
from realty.bookings.times import DEFAULT_DURATION_MINUTES, DurationMinutes, ScheduledAt
from realty.core.ids import ULID_PATTERN
from realty.core.models import Model
from realty.core.types import Omittable
from realty.properties.summary import PropertySummary
from realty.users.people import Person

NOTES_MAX_CHARS = 1000
DECLINE_REASON_MAX_CHARS = 500


class ReminderKind(StrEnum):
    DAY_BEFORE = "24h"
    SOON = "15m"

    @property
    def lead(self) -> timedelta:
        return timedelta(hours=24) if self is ReminderKind.DAY_BEFORE else timedelta(minutes=15)


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"  # a newer proposal, or the booking moved, cancelled or answered otherwise


class Proposal(Model):
    """A new time the realtor proposed for a booking; kept on the booking as its history."""

    model_config = ConfigDict(extra="ignore")

    id: str
    proposed_by: str
    scheduled_at: str
    duration_minutes: int
    message: str | None = None
    status: ProposalStatus = ProposalStatus.OPEN
    answered_by: str | None = None
    created_at: str
    answered_at: str | None = None


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
    # A pending request is declined as expired at this time (the realtor's `request_expiry_hours`).
    expires_at: str | None = None
    # The listing's time zone when it was requested: emails and invites show its local time.
    time_zone: str | None = None
    # Every time the realtor proposed, oldest first; at most one is open.
    proposals: list[Proposal] = Field(default_factory=list)
    # Copies of both participants, written with the booking and refreshed when they edit their profile.
    buyer_email: str | None = None
    buyer_name: str | None = None
    buyer_avatar_key: str | None = None
    buyer_phone_ciphertext: str | None = None
    realtor_email: str | None = None
    realtor_name: str | None = None
    realtor_avatar_key: str | None = None
    realtor_phone_ciphertext: str | None = None
    created_at: str
    updated_at: str


# ---------------------------------------------------------------- requests


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


class AdminUpdateBookingRequest(UpdateBookingRequest):
    """What an admin may change of any booking: what its parties may (time, length, notes), or its
    status, through the same transitions and checks as the party who would otherwise do it."""

    status: Omittable[Literal["confirmed", "declined", "cancelled"]] = Field(
        default=None,
        description="confirm (as its realtor would: slots and conflicts checked), decline (with `reason`) or "
        "cancel the booking; sent alone, without a new time or notes",
    )
    reason: Omittable[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DECLINE_REASON_MAX_CHARS)]
    ] = Field(default=None, description="why it is declined (with `status: declined` only)")


class DeclineBookingRequest(_Request):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DECLINE_REASON_MAX_CHARS)]


class ProposeTimeRequest(_Request):
    scheduled_at: ScheduledAt
    duration_minutes: DurationMinutes | None = Field(default=None, description="default: the booking's length")
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=DECLINE_REASON_MAX_CHARS)] | None = None


# ---------------------------------------------------------------- responses


class ProposalAttributes(Model):
    id: str
    proposed_by: str
    scheduled_at: str
    duration_minutes: int
    message: str | None = None
    status: ProposalStatus
    answered_by: str | None = None
    created_at: str
    answered_at: str | None = None


class BookingAttributes(Model):
    status: BookingStatus
    scheduled_at: str
    ends_at: str
    duration_minutes: int
    notes: str | None = None
    decline_reason: str | None = None
    expires_at: str | None = Field(default=None, description="a pending request not answered by then is declined")
    time_zone: str | None = Field(default=None, description="the listing's time zone (null: UTC)")
    proposals: list[ProposalAttributes] = Field(
        default_factory=list, description="new times the realtor proposed, oldest first (at most one open)"
    )
    property: PropertySummary
    buyer: Person | None = Field(default=None, description="who asked for the tour (contact details for the realtor)")
    realtor: Person | None = Field(
        default=None, description="the listing's realtor (their phone for the buyer once confirmed)"
    )
    created_at: str
    updated_at: str
