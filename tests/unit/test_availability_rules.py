"""Free starts from weekly hours in a time zone: daylight-saving changes, month and year ends,
blocks, openings, buffers, lead time and horizon, and the reason a time is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from realty.availability import rules as r
from realty.availability.hours import ListingSchedule, TimeRange, WeeklyHours
from realty.availability.models import Availability, Block, BlockKind

NOW = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def _hours(*ranges: tuple[str, str]) -> WeeklyHours:
    day = [TimeRange(start=s, end=e) for s, e in ranges]
    return WeeklyHours(**{name: list(day) for name in WeeklyHours.model_fields})


def _rules(zone: str, *ranges: tuple[str, str], blocks: list[Block] | None = None, **rules: object) -> r.Rules:
    settings = {"time_zone": zone, "hours": _hours(*ranges), "min_lead_minutes": 60, "horizon_days": 400, **rules}
    return r.for_listing(Availability(**settings), blocks or [], time_zone=None, schedule=None)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _starts(rules: r.Rules, start: str, end: str, busy: list[r.Busy] | None = None, duration=HALF_HOUR) -> list[str]:
    found = r.free_starts(rules, busy or [], start=_utc(start), end=_utc(end), duration=duration, now=NOW)
    return [s.strftime("%Y-%m-%dT%H:%MZ") for s in found]


def _local(rules: r.Rules, starts: list[str]) -> list[str]:
    return [_utc(s).astimezone(rules.zone).strftime("%H:%M") for s in starts]


# ---------------------------------------------------------------- daylight saving


@pytest.mark.parametrize(
    ("zone", "day_before", "day_of", "offset_before", "offset_after"),
    [
        ("America/New_York", "2027-03-13", "2027-03-14", 5, 4),  # spring forward
        ("America/New_York", "2027-11-06", "2027-11-07", 4, 5),  # fall back
        ("Europe/Berlin", "2027-03-27", "2027-03-28", -1, -2),  # spring forward
        ("Europe/Berlin", "2027-10-30", "2027-10-31", -2, -1),  # fall back
    ],
)
def test_local_hours_stay_local_across_a_clock_change(zone, day_before, day_of, offset_before, offset_after):
    rules = _rules(zone, ("09:00", "10:00"))
    before = _starts(rules, f"{day_before}T00:00:00Z", f"{day_before}T23:59:00Z")
    after = _starts(rules, f"{day_of}T00:00:00Z", f"{day_of}T23:59:00Z")

    # The same local 09:00, 09:15, 09:30 on both days; their UTC times move by the hour the clocks moved.
    assert _local(rules, before) == _local(rules, after) == ["09:00", "09:15", "09:30"]
    assert before[0] == f"{day_before}T{9 + offset_before:02d}:00Z"
    assert after[0] == f"{day_of}T{9 + offset_after:02d}:00Z"


def test_a_range_across_the_spring_gap_is_as_long_as_the_clocks_say():
    rules = _rules("America/New_York", ("01:00", "04:00"))
    starts = _starts(rules, "2027-03-14T00:00:00Z", "2027-03-14T12:00:00Z", duration=timedelta(minutes=60))

    # 01:00 EST (06:00Z) to 04:00 EDT (08:00Z): two real hours, so one-hour tours start 06:00-07:00Z.
    assert starts == [
        "2027-03-14T06:00Z",
        "2027-03-14T06:15Z",
        "2027-03-14T06:30Z",
        "2027-03-14T06:45Z",
        "2027-03-14T07:00Z",
    ]


def test_a_range_across_the_autumn_repeat_is_four_hours():
    rules = _rules("Europe/Berlin", ("01:00", "04:00"))
    starts = _starts(rules, "2027-10-30T12:00:00Z", "2027-10-31T12:00:00Z", duration=timedelta(minutes=240))

    # 01:00 CEST (23:00Z the day before) to 04:00 CET (03:00Z): four real hours, one four-hour fit.
    assert starts == ["2027-10-30T23:00Z"]


# ---------------------------------------------------------------- month and year ends


def test_hours_running_to_midnight_roll_over_the_year_end():
    rules = _rules("Europe/Berlin", ("22:00", "24:00"), ("00:00", "01:00"))
    starts = _starts(rules, "2027-12-31T20:00:00Z", "2028-01-01T01:00:00Z", duration=timedelta(minutes=60))

    # 22:00 on 31 December to 01:00 on 1 January local is one open stretch (21:00Z-00:00Z).
    assert starts[0] == "2027-12-31T21:00Z"
    assert starts[-1] == "2027-12-31T23:00Z"
    assert len(starts) == 9


def test_a_month_end_in_a_zone_behind_utc_falls_on_the_local_day():
    rules = _rules("America/Los_Angeles", ("17:00", "18:00"))
    starts = _starts(rules, "2027-02-28T12:00:00Z", "2027-03-02T00:00:00Z")

    # 28 February 17:00 PST is 1 March 01:00Z; 1 March 17:00 PST is 2 March 01:00Z (outside the window).
    assert starts[:3] == ["2027-03-01T01:00Z", "2027-03-01T01:15Z", "2027-03-01T01:30Z"]
    assert len(starts) == 3


# ---------------------------------------------------------------- blocks, openings, busy time


def _block(kind: BlockKind, start: str, end: str) -> Block:
    return Block(id="B", realtor_id="R", kind=kind, starts_at=start, ends_at=end, reason="x", created_at=start)


def test_blocks_close_and_openings_open_time():
    blocks = [
        _block(BlockKind.BLOCK, "2027-03-03T09:00:00Z", "2027-03-03T10:00:00Z"),
        _block(BlockKind.OPENING, "2027-03-06T07:00:00Z", "2027-03-06T07:30:00Z"),
    ]
    rules = _rules("UTC", ("09:00", "11:00"), blocks=blocks, saturday=[])
    weekday = _starts(rules, "2027-03-03T00:00:00Z", "2027-03-04T00:00:00Z")
    assert weekday[0] == "2027-03-03T10:00Z"

    saturday = _starts(rules, "2027-03-06T00:00:00Z", "2027-03-07T00:00:00Z")
    assert saturday == ["2027-03-06T07:00Z", *[f"2027-03-06T{t}Z" for t in _quarters("09:00", "10:30")]]


def _quarters(first: str, last: str) -> list[str]:
    start = datetime.fromisoformat(f"2000-01-01T{first}")
    end = datetime.fromisoformat(f"2000-01-01T{last}")
    out = []
    while start <= end:
        out.append(start.strftime("%H:%M"))
        start += timedelta(minutes=15)
    return out


def test_the_buffer_keeps_time_free_around_every_tour():
    rules = _rules("UTC", ("09:00", "12:00"), buffer_minutes=15)
    tour = r.Busy(start=_utc("2027-03-03T10:00:00Z"), end=_utc("2027-03-03T10:30:00Z"), kind="tour", booking_id="B")
    starts = _starts(rules, "2027-03-03T00:00:00Z", "2027-03-04T00:00:00Z", busy=[tour])

    assert "2027-03-03T09:15Z" in starts and "2027-03-03T09:30Z" not in starts
    assert "2027-03-03T10:45Z" in starts and "2027-03-03T10:30Z" not in starts


def test_lead_time_and_horizon_bound_the_starts():
    rules = _rules("UTC", ("00:00", "24:00"), min_lead_minutes=120, horizon_days=1)
    starts = _starts(rules, "2026-12-31T00:00:00Z", "2027-01-05T00:00:00Z")

    assert starts[0] == "2027-01-01T02:00Z"
    assert starts[-1] == "2027-01-01T23:45Z"


def test_a_listing_overrides_zone_hours_and_lengths():
    realtor = Availability(time_zone="UTC", hours=_hours(("09:00", "17:00")), tour_lengths=[30, 60])
    schedule = ListingSchedule(hours=_hours(("10:00", "11:00")), tour_lengths=[45])
    rules = r.for_listing(realtor, [], time_zone="Asia/Kolkata", schedule=schedule)

    assert rules.zone == ZoneInfo("Asia/Kolkata")
    assert rules.tour_lengths == [45]
    starts = _starts(rules, "2027-03-03T00:00:00Z", "2027-03-04T00:00:00Z", duration=timedelta(minutes=45))
    # 10:00 IST is 04:30Z: a zone half an hour off UTC still gives quarter-hour starts.
    assert starts == ["2027-03-03T04:30Z", "2027-03-03T04:45Z"]


@pytest.mark.parametrize(
    ("start", "minutes", "reason"),
    [
        ("2027-03-03T09:00:00Z", 45, "length"),
        ("2027-01-01T00:30:00Z", 30, "lead_time"),
        ("2028-03-03T09:00:00Z", 30, "horizon"),
        ("2027-03-03T08:00:00Z", 30, "outside_hours"),
        ("2027-03-03T16:45:00Z", 30, "outside_hours"),  # would run past 17:00
        ("2027-03-04T09:00:00Z", 30, "blocked"),
        ("2027-03-03T10:30:00Z", 30, "buffer"),
        ("2027-03-03T12:00:00Z", 30, "requested"),
        ("2027-03-03T13:00:00Z", 30, None),
    ],
)
def test_the_reason_a_time_is_refused(start, minutes, reason):
    blocks = [_block(BlockKind.BLOCK, "2027-03-04T00:00:00Z", "2027-03-05T00:00:00Z")]
    rules = _rules("UTC", ("09:00", "17:00"), blocks=blocks, buffer_minutes=15, tour_lengths=[30, 60])
    busy = [
        r.Busy(start=_utc("2027-03-03T10:00:00Z"), end=_utc("2027-03-03T10:30:00Z"), kind="tour", booking_id="T"),
        r.Busy(start=_utc("2027-03-03T12:00:00Z"), end=_utc("2027-03-03T12:30:00Z"), kind="request", booking_id="Q"),
    ]
    refused = r.why_unavailable(rules, busy, start=_utc(start), duration=timedelta(minutes=minutes), now=NOW)
    assert (refused.reason if refused else None) == reason
