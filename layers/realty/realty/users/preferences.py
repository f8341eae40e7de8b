"""Notification preferences: which events a user is emailed about, and quiet hours in their zone.

Stored as `USER#<id>` / `NOTIFICATIONS` by `realty.users.store` (absent: every email, no quiet hours). `delivery` is the
one rule every sender applies: an event switched off is skipped; an urgent message (a reminder 15
minutes before a tour) or one about a tour that starts before the quiet hours end goes at once;
anything else written during the quiet hours waits until they end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from realty.availability.hours import ClockTime, TimeZone, minutes_of
from realty.core import clock
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.models import Model
from realty.users import store


class NotificationEvent(StrEnum):
    BOOKING_REQUESTED = "booking_requested"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_RESCHEDULED = "booking_rescheduled"
    BOOKING_DECLINED = "booking_declined"
    BOOKING_CANCELLED = "booking_cancelled"
    TIME_PROPOSED = "time_proposed"
    PROPOSAL_DECLINED = "proposal_declined"
    REMINDER = "reminder"
    TOUR_MISSED = "tour_missed"
    TOUR_ENDED = "tour_ended"
    TOUR_SUMMARY = "tour_summary"  # a processed tour's summary (and, for the realtor, its draft follow-up)
    FOLLOW_UP = "follow_up"  # the realtor's follow-up message after a tour (to the buyer)


class EmailChoices(Model):
    """Which events are emailed (all by default)."""

    model_config = ConfigDict(extra="forbid")

    booking_requested: bool = True
    booking_confirmed: bool = True
    booking_rescheduled: bool = True
    booking_declined: bool = True
    booking_cancelled: bool = True
    time_proposed: bool = True
    proposal_declined: bool = True
    reminder: bool = True
    tour_missed: bool = True
    tour_ended: bool = True
    tour_summary: bool = True
    follow_up: bool = True


class QuietHours(Model):
    """Local hours in which non-urgent email waits; `start` after `end` spans midnight (22:00-07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime
    time_zone: TimeZone

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class NotificationPreferences(Model):
    model_config = ConfigDict(extra="forbid")

    email: EmailChoices = Field(default_factory=EmailChoices)
    quiet_hours: QuietHours | None = Field(default=None, description="null: no quiet hours")


class PreferencesAttributes(NotificationPreferences):
    model_config = ConfigDict(extra="ignore")

    updated_at: Annotated[str, StringConstraints(max_length=40)] | None = None


# ---------------------------------------------------------------- the rule


def _quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end (UTC), or None when it is not in them."""
    zone = ZoneInfo(quiet.time_zone)
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    start, end = minutes_of(quiet.start), minutes_of(quiet.end)
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    day: date = local.date() if minute < end else local.date() + timedelta(days=1)
    wake = datetime.combine(day, time()) + timedelta(minutes=end)
    return wake.replace(tzinfo=zone).astimezone(UTC)


def delivery(
    preferences: NotificationPreferences | None,
    event: NotificationEvent,
    *,
    urgent: bool,
    now: datetime,
    tour_start: datetime | None,
) -> Literal["send", "skip"] | datetime:
    """`send` now, `skip` (switched off), or the moment to send it (after the quiet hours)."""
    if preferences is None:
        return "send"
    if not getattr(preferences.email, event.value):
        return "skip"
    if urgent or preferences.quiet_hours is None:
        return "send"
    wake = _quiet_until(preferences.quiet_hours, now)
    if wake is None or (tour_start is not None and tour_start <= wake):
        return "send"  # not quiet now, or the tour cannot wait for the morning
    return wake


# ---------------------------------------------------------------- storage and routes


def from_stored(item: dict[str, Any] | None) -> NotificationPreferences | None:
    """Preferences from a plain item (None: none saved, the defaults)."""
    if not item:
        return None
    return NotificationPreferences.model_validate({k: item[k] for k in ("email", "quiet_hours") if k in item})


def read_many(user_ids: list[str]) -> dict[str, NotificationPreferences]:
    """The saved preferences of these users (one BatchGetItem; users with none are absent)."""
    found = store.notification_items(user_ids)
    return {str(i["PK"]).removeprefix("USER#"): p for i in found if (p := from_stored(i)) is not None}


def _resource(user_id: str, item: dict[str, Any] | None) -> Resource[PreferencesAttributes]:
    preferences = from_stored(item) or NotificationPreferences()
    attributes = PreferencesAttributes(**preferences.model_dump(), updated_at=str(item["updated_at"]) if item else None)
    return Resource[PreferencesAttributes](id=user_id, type="notification_preferences", attributes=attributes)


def get_preferences(caller: Caller) -> Resource[PreferencesAttributes]:
    return _resource(caller.user_id, store.notification_item(caller.user_id))


def put_preferences(caller: Caller, request: NotificationPreferences) -> Resource[PreferencesAttributes]:
    """Replace the caller's preferences whole (one Put with its audit item)."""
    item = {**request.model_dump(mode="json"), "updated_at": clock.now_iso()}
    audit = audit_action(
        actor_id=caller.user_id,
        action="notifications.updated",
        resource_type="user",
        resource_id=caller.user_id,
        details={"quiet_hours": request.quiet_hours is not None},
    )
    store.save_notifications(caller.user_id, item, audit=audit)
    return _resource(caller.user_id, item)
