"""Availability models: weekly hours in an IANA time zone, blocks and extra openings, booking rules.

Times of day are `HH:MM` strings on quarter hours (`24:00` ends a day), read in the zone of the
listing being booked; blocks and openings are absolute instants (stored in UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    model_validator,
)

from realty.core.config import get_settings
from realty.core.models import Model
from realty.core.types import SINGLE_LINE, WHOLE_NUMBER

QUARTER = 15
DAY_MINUTES = 24 * 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_RANGES_PER_DAY = 8
MAX_BUFFER_MINUTES = 240
MAX_LEAD_MINUTES = 14 * DAY_MINUTES
MIN_TOUR_MINUTES = 15
MAX_TOUR_MINUTES = 120
MAX_BLOCKS = 200
MAX_BLOCK_DAYS = 90
MAX_EXPIRY_HOURS = 14 * 24
REASON_MAX_CHARS = 200


# ---------------------------------------------------------------- field types


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}: use an IANA name such as America/New_York") from None
    return value


TimeZone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-/]*$"),
    AfterValidator(_zone),
    Field(description="IANA time zone, e.g. America/New_York"),
]


def minutes_of(clock_time: str) -> int:
    """Minutes since midnight of `HH:MM` (`24:00` is 1440)."""
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


def _quarter(value: str) -> str:
    if minutes_of(value) % QUARTER:
        raise ValueError("must be on a quarter hour (:00, :15, :30 or :45)")
    return value


ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
    AfterValidator(_quarter),
    Field(description="local time of day, HH:MM on a quarter hour; 24:00 is the end of the day"),
]


class TimeRange(Model):
    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if minutes_of(self.end) <= minutes_of(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


def _no_overlap(ranges: list[TimeRange]) -> list[TimeRange]:
    ordered = sorted(ranges, key=lambda r: minutes_of(r.start))
    for before, after in pairwise(ordered):
        if minutes_of(after.start) < minutes_of(before.end):
            raise ValueError(f"ranges {before.start}-{before.end} and {after.start}-{after.end} overlap")
    return ordered


DayRanges = Annotated[list[TimeRange], Field(max_length=MAX_RANGES_PER_DAY), AfterValidator(_no_overlap)]
# Built without validation (a valid range): validating here would build TimeRange's validator at
# import, in every function that imports these models, instead of on its first use (core.models).
ALL_DAY = [TimeRange.model_construct(start="00:00", end="24:00")]


class WeeklyHours(Model):
    """Open hours per weekday (local time); an empty list is a closed day."""

    model_config = ConfigDict(extra="forbid")

    monday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    tuesday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    wednesday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    thursday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    friday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    saturday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))
    sunday: DayRanges = Field(default_factory=lambda: list(ALL_DAY))

    def on(self, weekday: int) -> list[TimeRange]:
        """Ranges of a `date.weekday()` (0 is Monday)."""
        ranges: list[TimeRange] = getattr(self, WEEKDAYS[weekday])
        return ranges


def _unique(lengths: list[int]) -> list[int]:
    if len(set(lengths)) != len(lengths):
        raise ValueError("tour lengths must not repeat")
    return sorted(lengths)


TourLength = Annotated[StrictInt, Field(ge=MIN_TOUR_MINUTES, le=MAX_TOUR_MINUTES), WHOLE_NUMBER]
TourLengths = Annotated[list[TourLength], Field(min_length=1, max_length=8), AfterValidator(_unique)]


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


# ---------------------------------------------------------------- per listing


class ListingSchedule(Model):
    """What one listing changes of its realtor's rules."""

    model_config = ConfigDict(extra="forbid")

    hours: WeeklyHours | None = Field(default=None, description="the listing's own weekly hours")
    tour_lengths: TourLengths | None = None
    auto_confirm: bool = Field(
        default=False, description="a request inside availability is confirmed at once, without the realtor"
    )


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
