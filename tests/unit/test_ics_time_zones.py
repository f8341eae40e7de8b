"""Invites in a listing's time zone: local DTSTART/DTEND with TZID and a VTIMEZONE that carries
the zone's offsets and changes, read back with `icalendar` as a calendar would."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from realty.bookings import ics


def _render(starts: datetime, ends: datetime, zone: str | None) -> icalendar.Calendar:
    invite = ics.Invite(
        uid=ics.booking_uid("01JBOOKING0000000000000000"),
        sequence=2,
        method="REQUEST",
        starts_at=starts,
        ends_at=ends,
        summary="Property tour",
        location="12 Harbour View Rd",
        description="Live video tour",
        organizer=ics.Person("realtor@example.com", "Rita Realtor"),
        attendees=[],
        stamp=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        time_zone=zone,
    )
    return icalendar.Calendar.from_ical(ics.render(invite))


@pytest.mark.parametrize(
    ("zone", "starts", "local"),
    [
        ("America/New_York", datetime(2027, 3, 15, 14, 0, tzinfo=UTC), "20270315T100000"),  # EDT, day after the change
        ("America/New_York", datetime(2027, 3, 12, 15, 0, tzinfo=UTC), "20270312T100000"),  # EST
        ("Europe/Berlin", datetime(2027, 10, 31, 9, 0, tzinfo=UTC), "20271031T100000"),  # CET, day of the change
        ("Asia/Kolkata", datetime(2027, 12, 31, 4, 30, tzinfo=UTC), "20271231T100000"),  # no changes at all
    ],
)
def test_a_tour_is_written_in_local_time_with_its_zone(zone, starts, local):
    calendar = _render(starts, starts.replace(minute=30) if starts.minute == 0 else starts, zone)
    [event] = calendar.walk("VEVENT")
    raw = event.to_ical().decode()

    assert f"DTSTART;TZID={zone}:{local}" in raw
    assert event.decoded("DTSTART").astimezone(UTC) == starts
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == zone


def test_the_vtimezone_lists_each_change_with_its_offsets():
    lines = ics.vtimezone("America/New_York", datetime(2027, 6, 1, tzinfo=UTC))
    text = "\n".join(lines)

    # In force on 1 January (EST), then 14 March 2027 02:00 -> EDT, 7 November 02:00 -> EST, and 2028's.
    assert "BEGIN:STANDARD\nDTSTART:20270101T000000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0500\nTZNAME:EST" in text
    assert "BEGIN:DAYLIGHT\nDTSTART:20270314T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT" in text
    assert "BEGIN:STANDARD\nDTSTART:20271107T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST" in text
    assert text.count("BEGIN:DAYLIGHT") == 2 and text.count("BEGIN:STANDARD") == 3


def test_a_tour_in_utc_keeps_the_z_form():
    starts = datetime(2027, 3, 4, 15, 0, tzinfo=UTC)
    calendar = _render(starts, starts.replace(minute=30), "UTC")
    raw = calendar.to_ical().decode()
    assert "DTSTART:20270304T150000Z" in raw and "VTIMEZONE" not in raw
