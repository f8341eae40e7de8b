"""Free time, as pure rules: a realtor's rules (with a listing's overrides), blocks and openings, and
the tours already in the calendar, turned into the start times a buyer may book, and the reason a
time is not one of them.

Everything is computed in UTC from local wall-clock times converted one by one with `zoneinfo`, so
a day on which the clocks change simply has 23 or 25 hours: a range 09:00-17:00 is eight real hours
on either side of a change, and one that spans the change is as long as the clocks say (01:00-04:00
is two hours when spring skips 02:00-03:00, four when autumn repeats 01:00-02:00). A local time the
change skips is read with the offset from before the change, as PEP 495 does (02:30 becomes 03:30).
Every zone in use is offset from UTC by whole quarter hours, so starts on UTC quarter hours are
starts on local quarter hours too.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from realty.availability.hours import QUARTER, ListingSchedule, WeeklyHours, minutes_of
from realty.availability.models import Availability, Block, BlockKind, FreeSlot
from realty.core import clock

STEP = timedelta(minutes=QUARTER)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Rules:
    """A realtor's rules as they apply to one listing."""

    zone: ZoneInfo
    hours: WeeklyHours
    tour_lengths: list[int] | None
    buffer: timedelta
    lead: timedelta
    horizon: timedelta
    pending_blocks_slots: bool
    auto_confirm: bool
    expiry: timedelta | None = None
    blocks: list[Block] = field(default_factory=list)


def for_listing(
    rules: Availability, blocks: list[Block], *, time_zone: str | None, schedule: ListingSchedule | None
) -> Rules:
    """The realtor's rules with the listing's zone (default the realtor's) and overrides applied."""
    return Rules(
        zone=ZoneInfo(time_zone or rules.time_zone),
        hours=schedule.hours if schedule and schedule.hours else rules.hours,
        tour_lengths=schedule.tour_lengths if schedule and schedule.tour_lengths else rules.tour_lengths,
        buffer=timedelta(minutes=rules.buffer_minutes),
        lead=timedelta(minutes=rules.min_lead_minutes),
        horizon=timedelta(days=rules.horizon_days),
        pending_blocks_slots=rules.pending_blocks_slots,
        auto_confirm=bool(schedule and schedule.auto_confirm),
        expiry=timedelta(hours=rules.request_expiry_hours) if rules.request_expiry_hours else None,
        blocks=blocks,
    )


@dataclass(frozen=True)
class Busy:
    """Time the calendar already holds: a confirmed tour, or a request when requests hide slots."""

    start: datetime
    end: datetime
    kind: str  # "tour" | "request"
    booking_id: str


# ---------------------------------------------------------------- intervals


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    result: list[Span] = []
    for start, end in spans:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            pieces = [
                piece
                for s, e in pieces
                for piece in ((s, min(e, cut_start)), (max(s, cut_end), e))
                if piece[0] < piece[1]
            ]
        result += pieces
    return result


def local_moment(day: date, clock_time: str, zone: ZoneInfo) -> datetime:
    """`HH:MM` on a local day as a UTC instant (`24:00` is the next day's midnight)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes_of(clock_time))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def weekly_spans(hours: WeeklyHours, zone: ZoneInfo, start: datetime, end: datetime) -> list[Span]:
    """The weekly hours as UTC spans, for every local day that touches [start, end)."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    spans: list[Span] = []
    day = first
    while day <= last:
        for hours_range in hours.on(day.weekday()):
            spans.append((local_moment(day, hours_range.start, zone), local_moment(day, hours_range.end, zone)))
        day += timedelta(days=1)
    return _merge(spans)


def open_spans(rules: Rules, start: datetime, end: datetime) -> list[Span]:
    """When the listing may be toured: weekly hours plus openings, less blocks."""
    openings = [_span(b) for b in rules.blocks if b.kind is BlockKind.OPENING]
    closed = _merge(_span(b) for b in rules.blocks if b.kind is BlockKind.BLOCK)
    return _subtract(_merge([*weekly_spans(rules.hours, rules.zone, start, end), *openings]), closed)


def _span(block: Block) -> Span:
    return clock.parse_iso(block.starts_at), clock.parse_iso(block.ends_at)


class _Busy:
    """Busy time widened by the buffer, merged, for quick overlap checks."""

    def __init__(self, busy: Iterable[Busy], buffer: timedelta) -> None:
        self.spans = _merge((b.start - buffer, b.end + buffer) for b in busy)
        self.starts = [s for s, _ in self.spans]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self.starts, start) - 1
        return any(s < end and start < e for s, e in self.spans[max(index, 0) : index + 2])


def _ceil_quarter(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta()
    )
    return moment + timedelta(minutes=-moment.minute % QUARTER)


# ---------------------------------------------------------------- free starts and reasons


def free_starts(
    rules: Rules, busy: Iterable[Busy], *, start: datetime, end: datetime, duration: timedelta, now: datetime
) -> list[datetime]:
    """Every quarter-hour start in [start, end) at which a tour of `duration` fits the rules."""
    earliest = _ceil_quarter(max(start, now + rules.lead))
    latest = min(end, now + rules.horizon)
    taken = _Busy(busy, rules.buffer)
    found: list[datetime] = []
    for open_start, open_end in open_spans(rules, earliest, latest + duration):
        moment = max(earliest, _ceil_quarter(open_start))
        while moment + duration <= open_end and moment < latest:
            if not taken.overlaps(moment, moment + duration):
                found.append(moment)
            moment += STEP
    return found


@dataclass(frozen=True)
class Unavailable:
    reason: str  # lead_time | horizon | length | blocked | outside_hours | buffer | requested
    message: str


def why_unavailable(
    rules: Rules, busy: Iterable[Busy], *, start: datetime, duration: timedelta, now: datetime
) -> Unavailable | None:
    """Why a tour at `start` breaks the rules (None: it fits). A tour's own slots taken by another
    confirmed tour are the slot items' business (`SLOT_TAKEN`), not this."""
    minutes = int(duration.total_seconds() // 60)
    if rules.tour_lengths is not None and minutes not in rules.tour_lengths:
        allowed = ", ".join(str(n) for n in rules.tour_lengths)
        return Unavailable("length", f"tours of this listing last {allowed} minutes")
    if start < now + rules.lead:
        lead = int(rules.lead.total_seconds() // 60)
        return Unavailable("lead_time", f"tours must be booked at least {lead} minutes ahead")
    if start > now + rules.horizon:
        return Unavailable("horizon", f"tours can be booked at most {rules.horizon.days} days ahead")
    end = start + duration
    if not any(s <= start and end <= e for s, e in open_spans(rules, start, end)):
        blocked = any(b.kind is BlockKind.BLOCK and _span(b)[0] < end and start < _span(b)[1] for b in rules.blocks)
        if blocked:
            return Unavailable("blocked", "the realtor is not available at that time")
        return Unavailable("outside_hours", "that time is outside the realtor's hours for this listing")
    busy = list(busy)
    if _Busy([b for b in busy if b.kind == "tour"], rules.buffer).overlaps(start, end):
        buffer = int(rules.buffer.total_seconds() // 60)
        return Unavailable("buffer", f"the realtor keeps {buffer} minutes free between tours")
    if _Busy([b for b in busy if b.kind == "request"], rules.buffer).overlaps(start, end):
        return Unavailable("requested", "another buyer has already asked for that time")
    return None


def expiry_deadline(rules: Rules, *, start: datetime, now: datetime) -> datetime | None:
    """When a request made `now` for `start` expires: after the realtor's expiry, and never later
    than the start less the lead time (a request still pending then could no longer be booked)."""
    if rules.expiry is None:
        return None
    return max(min(now + rules.expiry, start - rules.lead), now + timedelta(minutes=1)).replace(microsecond=0)


def as_free_slot(start: datetime, duration: timedelta, zone: ZoneInfo) -> FreeSlot:
    end = start + duration
    return FreeSlot(
        start=clock.iso(start),
        end=clock.iso(end),
        local_start=start.astimezone(zone).isoformat(),
        local_end=end.astimezone(zone).isoformat(),
    )
