"""A tour's time as a request gives it: the start on a slot boundary and the length in minutes.

Field types only, no model: the admin's tour edit (in the tours and admin functions) validates a
new time with them without importing every booking model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictInt

from realty.core.types import WHOLE_NUMBER

SLOT_MINUTES = 15
MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 120
DEFAULT_DURATION_MINUTES = 30


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
