"""Weekly hours in an IANA time zone, tour lengths, and a listing's own schedule: the field types.

Times of day are `HH:MM` strings on quarter hours (`24:00` ends a day), read in the zone of the
listing being booked. Apart from the realtor's rules, blocks and free slots
(`realty.availability.models`) because listings and notification preferences use these types in
functions that import none of those (each model class costs a fraction of a millisecond at import,
even deferred).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from realty.core.models import Model
from realty.core.types import WHOLE_NUMBER

QUARTER = 15
DAY_MINUTES = 24 * 60
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_RANGES_PER_DAY = 8
MIN_TOUR_MINUTES = 15
MAX_TOUR_MINUTES = 120


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


# ---------------------------------------------------------------- per listing


class ListingSchedule(Model):
    """What one listing changes of its realtor's rules."""

    model_config = ConfigDict(extra="forbid")

    hours: WeeklyHours | None = Field(default=None, description="the listing's own weekly hours")
    tour_lengths: TourLengths | None = None
    auto_confirm: bool = Field(
        default=False, description="a request inside availability is confirmed at once, without the realtor"
    )
