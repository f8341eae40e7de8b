"""What the schedules send to the reminders function: a request's expiry and a tour's reminders.

Apart from the booking models because only the reminders function reads these events.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from realty.bookings.models import ReminderKind
from realty.core.ids import ULID_PATTERN
from realty.core.models import Model


class ExpiryEvent(Model):
    """What a request's expiry schedule sends to the reminders function."""

    model_config = ConfigDict(extra="ignore")

    booking_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
    action: Literal["expire"]
    expires_at: Annotated[str, StringConstraints(max_length=40)]


class ReminderEvent(Model):
    """What a reminder schedule sends to the reminders function."""

    model_config = ConfigDict(extra="ignore")

    booking_id: Annotated[str, StringConstraints(pattern=ULID_PATTERN)]
    kind: ReminderKind
    sequence: Annotated[int, Field(ge=0)]
