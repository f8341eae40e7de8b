"""Availability models: a realtor's booking rules, blocks and extra openings, free slots.

Blocks and openings are absolute instants (stored in UTC). The weekly hours, time zones and tour
lengths they build on are in `realty.availability.hours`.
"""

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
    ValidationInfo,
    field_validator,
)

from realty.availability.hours import DAY_MINUTES, QUARTER, TimeZone, TourLengths, WeeklyHours
from realty.core.config import get_settings
from realty.core.models import Model
from realty.core.types import SINGLE_LINE, WHOLE_NUMBER

MAX_BUFFER_MINUTES = 240
MAX_LEAD_MINUTES = 14 * DAY_MINUTES
MAX_BLOCKS = 200
MAX_BLOCK_DAYS = 90
MAX_EXPIRY_HOURS = 14 * 24
REASON_MAX_CHARS = 200


def _default_lead() -> int:
    return get_settings().booking_min_lead_minutes


def _default_horizon() -> int:
    return get_settings().booking_max_days_ahead


class Availability(Model):
    """A realtor's booking rules. The defaults (what a realtor who never saved any gets) refuse
    nothing the service refused before: every hour of every day, no buffer, the service's own lead
    time and horizon, any length from 15 to 120 minutes."""

    time_zone: TimeZone = "UTC"
    hours: WeeklyHours = Field(default_factory=WeeklyHours)
    buffer_minutes: Annotated[StrictInt, Field(ge=0, le=MAX_BUFFER_MINUTES), WHOLE_NUMBER] = Field(
        default=0, description="free minutes kept before and after every tour"
    )
    min_lead_minutes: Annotated[StrictInt, Field(ge=0, le=MAX_LEAD_MINUTES), WHOLE_NUMBER] = Field(
        default_factory=_default_lead, description="how soon a tour may start, at the earliest"
    )
    horizon_days: Annotated[StrictInt, Field(ge=1), WHOLE_NUMBER] = Field(
        default_factory=_default_horizon, description="how far ahead a tour may be booked"
    )
    tour_lengths: TourLengths | None = Field(
        default=None, description="allowed tour lengths in minutes; null allows any from 15 to 120"
    )
    pending_blocks_slots: bool = Field(
        default=False, description="whether a request waiting for an answer already hides its time from buyers"
    )
    request_expiry_hours: Annotated[StrictInt, Field(ge=1, le=MAX_EXPIRY_HOURS), WHOLE_NUMBER] | None = Field(
        default=None,
        description="a request not answered within this many hours (and never later than its start minus the "
        "lead time) is declined as expired; null keeps requests until their time",
    )


class PutAvailabilityRequest(Availability):
    """Replaces the realtor's rules whole: a field left out takes its default."""

    model_config = ConfigDict(extra="forbid")


class StoredAvailability(Availability):
    model_config = ConfigDict(extra="ignore")

    realtor_id: str
    version: int = 0
    updated_at: str | None = None


class AvailabilityAttributes(Availability):
    configured: bool = Field(description="false until the realtor saves rules: the defaults apply")
    updated_at: str | None = None


# ---------------------------------------------------------------- blocks and openings


class BlockKind(StrEnum):
    BLOCK = "block"  # closed, even inside the weekly hours
    OPENING = "opening"  # open, even outside the weekly hours


def _text_only(value: Any) -> Any:
    # pydantic would otherwise read a number as a Unix timestamp.
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date-time string, e.g. 2026-12-01T15:00:00Z")
    return value


def _on_quarter(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if value.second or value.microsecond or value.minute % QUARTER:
        raise ValueError("must be on a 15-minute boundary (:00, :15, :30 or :45) with zero seconds")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_text_only), AfterValidator(_on_quarter)]


class CreateBlockRequest(Model):
    model_config = ConfigDict(extra="forbid")

    kind: BlockKind = BlockKind.BLOCK
    starts_at: Instant
    ends_at: Instant
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_MAX_CHARS, pattern=SINGLE_LINE)
    ]

    # A field validator, not a model one: the 422 then names `ends_at` rather than the whole body.
    @field_validator("ends_at")
    @classmethod
    def _span(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is None:
            return ends_at
        if ends_at <= starts_at:
            raise ValueError("must be after starts_at")
        if ends_at - starts_at > timedelta(days=MAX_BLOCK_DAYS):
            raise ValueError(f"a block or opening spans at most {MAX_BLOCK_DAYS} days")
        return ends_at


class Block(Model):
    """A block or an opening as stored (`USER#<realtor_id>` / `BLOCK#<id>`)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    realtor_id: str
    kind: BlockKind
    starts_at: str
    ends_at: str
    reason: str
    created_at: str


class BlockAttributes(Model):
    kind: BlockKind
    starts_at: str
    ends_at: str
    reason: str
    created_at: str


# ---------------------------------------------------------------- free slots


class FreeSlot(Model):
    start: str = Field(description="UTC, ISO-8601 with Z")
    end: str
    local_start: str = Field(description="the listing's local time with its UTC offset")
    local_end: str


class FreeSlotsAttributes(Model):
    time_zone: str = Field(description="the listing's time zone")
    duration_minutes: int
    window_start: str
    window_end: str
    slots: list[FreeSlot]
