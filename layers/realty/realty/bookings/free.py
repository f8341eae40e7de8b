"""Free time of a listing for buyers, and the 409 `SLOT_UNAVAILABLE` when a time breaks the rules.

A listing's free slots come from its realtor's availability (`realty.availability`: one item with the
rules and blocks, one GetItem) and the realtor's confirmed tours (and, by a realtor
setting, pending requests): one Query of GSI2 `REALTOR#<id>#BOOKINGS` over the window. Every tour of
a listing is its realtor's, so the realtor's bookings cover the property's calendar too. Free slots
are advice: a booking is still decided by the confirmation's conditional slot writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from realty.availability import rules as calendar_rules
from realty.availability import store as availability_store
from realty.availability.hours import MAX_TOUR_MINUTES
from realty.availability.models import FreeSlotsAttributes
from realty.availability.service import rules_of
from realty.bookings import store
from realty.bookings.states import BookingStatus
from realty.core import clock
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from realty.properties.models import Property

DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=31)
MAX_REACH = timedelta(days=366)
NEXT_SLOTS = 5
# How far past a refused time the 409 looks for the next free slots.
NEXT_SLOTS_LOOKAHEAD = timedelta(days=14)


@dataclass(frozen=True)
class ListingCalendar:
    rules: calendar_rules.Rules
    realtor_id: str


def listing_calendar(prop: Property, calendar: availability_store.RealtorCalendar | None = None) -> ListingCalendar:
    """The realtor's rules as they apply to this listing (read with one GetItem unless given)."""
    calendar = calendar or availability_store.read_calendar(prop.realtor_id)
    rules = calendar_rules.for_listing(
        rules_of(calendar), calendar.blocks, time_zone=prop.time_zone, schedule=prop.schedule
    )
    return ListingCalendar(rules=rules, realtor_id=prop.realtor_id)


def busy_between(
    calendar: ListingCalendar, start: datetime, end: datetime, *, ignore_booking: str | None = None
) -> list[calendar_rules.Busy]:
    """Tours (and requests, if they hide slots) that could touch [start, end) with the buffer."""
    rules = calendar.rules
    statuses: tuple[str, ...] = (BookingStatus.CONFIRMED.value,)
    if rules.pending_blocks_slots:
        statuses += (BookingStatus.PENDING.value,)
    reach = rules.buffer + timedelta(minutes=MAX_TOUR_MINUTES)
    bookings = store.realtor_bookings_between(
        calendar.realtor_id, clock.iso(start - reach), clock.iso(end + rules.buffer), statuses=statuses
    )
    return [
        calendar_rules.Busy(
            start=clock.parse_iso(b.scheduled_at),
            end=clock.parse_iso(b.ends_at),
            kind="tour" if b.status is BookingStatus.CONFIRMED else "request",
            booking_id=b.id,
        )
        for b in bookings
        if b.id != ignore_booking
    ]


def _moment(value: str | None, name: str, calendar: ListingCalendar) -> datetime | None:
    """A `from`/`to` bound: a date is the listing's local midnight; a date-time needs its zone."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = calendar_rules.local_moment(day, "00:00", calendar.rules.zone)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValidationFailed(f"{name} must include a time zone, e.g. 2026-12-01T15:00:00Z", field=name)
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise ValidationFailed(f"{name} must be a date (2026-12-01) or an ISO-8601 date-time", field=name) from error
    now = clock.now()
    # Far-off years would overflow the date arithmetic below, and no slot is free there anyway.
    if not now - MAX_WINDOW <= moment <= now + MAX_REACH:
        raise ValidationFailed(f"{name} must be within a year from now", field=name)
    return moment


def free_slots(
    caller: Caller, property_id: str, *, from_: str | None, to: str | None, duration_minutes: int | None
) -> Resource[FreeSlotsAttributes]:
    """`GET /buyers/properties/{id}/slots`: free starts in [from, to) (default the next 7 days)."""
    from realty.properties.models import PropertyStatus
    from realty.properties.service import find_listed_property

    prop = find_listed_property(caller, property_id)
    if prop is None:
        raise NotFound("no such property")
    calendar = listing_calendar(prop)
    rules = calendar.rules
    now = clock.now()
    start = _moment(from_, "from", calendar) or now
    end = _moment(to, "to", calendar) or start + DEFAULT_WINDOW
    if end <= start:
        raise ValidationFailed("to must be after from", field="to")
    if end - start > MAX_WINDOW:
        raise ValidationFailed(f"from and to may be at most {MAX_WINDOW.days} days apart", field="to")
    start = max(start, now)  # the past has no free time
    duration = duration_minutes or _default_length(rules)
    if rules.tour_lengths is not None and duration not in rules.tour_lengths:
        allowed = ", ".join(str(n) for n in rules.tour_lengths)
        raise ValidationFailed(f"duration must be one of {allowed} for this listing", field="duration")
    length = timedelta(minutes=duration)
    starts: list[datetime] = []
    if prop.status is PropertyStatus.ACTIVE and prop.realtor_id != caller.user_id:
        busy = busy_between(calendar, start, end + length)
        starts = calendar_rules.free_starts(rules, busy, start=start, end=end, duration=length, now=now)
    attributes = FreeSlotsAttributes(
        time_zone=rules.zone.key,
        duration_minutes=duration,
        window_start=clock.iso(start),
        window_end=clock.iso(end),
        slots=[calendar_rules.as_free_slot(s, length, rules.zone) for s in starts],
    )
    return Resource[FreeSlotsAttributes](id=prop.id, type="free_slots", attributes=attributes)


def _default_length(rules: calendar_rules.Rules) -> int:
    if rules.tour_lengths is None or 30 in rules.tour_lengths:
        return 30
    return rules.tour_lengths[0]


def check_bookable(
    calendar: ListingCalendar, start: datetime, duration_minutes: int, *, ignore_booking: str | None = None
) -> None:
    """Refuse a time that breaks the listing's availability: 409 `SLOT_UNAVAILABLE` with the reason
    and the next free slots of that length. The Query of busy time runs only when needed (a buffer,
    requests that hide slots, or to name the next free slots)."""
    rules = calendar.rules
    now = clock.now()
    length = timedelta(minutes=duration_minutes)
    needs_busy = rules.buffer > timedelta() or rules.pending_blocks_slots
    busy = busy_between(calendar, start, start + length, ignore_booking=ignore_booking) if needs_busy else []
    refused = calendar_rules.why_unavailable(rules, busy, start=start, duration=length, now=now)
    if refused is None:
        return
    if refused.reason == "length":
        raise ValidationFailed(refused.message, field="duration_minutes")
    look_from = max(start, now)
    look_to = look_from + NEXT_SLOTS_LOOKAHEAD
    busy = busy_between(calendar, look_from, look_to + length, ignore_booking=ignore_booking)
    starts = calendar_rules.free_starts(rules, busy, start=look_from, end=look_to, duration=length, now=now)
    following = [calendar_rules.as_free_slot(s, length, rules.zone).model_dump() for s in starts[:NEXT_SLOTS]]
    raise Conflict(
        refused.message,
        code="SLOT_UNAVAILABLE",
        field="scheduled_at",
        details={"reason": refused.reason, "time_zone": rules.zone.key, "next_slots": following},
    )
