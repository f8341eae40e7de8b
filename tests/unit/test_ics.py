"""The hand-written iCalendar invites, read back with the `icalendar` package as a calendar would."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from realty.bookings import ics

START = datetime(2027, 3, 4, 15, 0, tzinfo=UTC)
END = datetime(2027, 3, 4, 15, 30, tzinfo=UTC)


def _invite(**overrides) -> ics.Invite:
    values = {
        "uid": ics.booking_uid("01JBOOKING0000000000000000"),
        "sequence": 0,
        "method": "REQUEST",
        "starts_at": START,
        "ends_at": END,
        "summary": "Property tour: 12 Harbour View Rd",
        "location": "12 Harbour View Rd, Seattle",
        "description": "Live video tour",
        "organizer": ics.Person("realtor@example.com", "Rita Realtor"),
        "attendees": [ics.Person("buyer@example.com", "Bo Buyer")],
        "stamp": datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    }
    return ics.Invite(**{**values, **overrides})


def _event(raw: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def test_a_request_reads_back_with_every_field():
    calendar, event = _event(ics.render(_invite()))

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == "01JBOOKING0000000000000000@realtyforyou"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END
    assert event.decoded("DTSTART").tzinfo is not None
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "12 Harbour View Rd, Seattle"
    assert str(event["ORGANIZER"]) == "mailto:realtor@example.com"
    assert event["ORGANIZER"].params["CN"] == "Rita Realtor"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:buyer@example.com"
    assert attendee.params["CN"] == "Bo Buyer"
    assert attendee.params["RSVP"] == "TRUE"


def test_times_are_written_in_utc_whatever_zone_they_come_in():
    from datetime import timedelta, timezone

    pacific = timezone(timedelta(hours=-8))
    raw = ics.render(_invite(starts_at=START.astimezone(pacific), ends_at=END.astimezone(pacific)))

    assert b"DTSTART:20270304T150000Z\r\n" in raw
    assert b"DTEND:20270304T153000Z\r\n" in raw


def test_a_cancellation_keeps_the_uid_and_says_cancel():
    request = _event(ics.render(_invite(sequence=1)))[1]
    calendar, cancel = _event(ics.render(_invite(method="CANCEL", sequence=2)))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(request["UID"])
    assert int(cancel["SEQUENCE"]) > int(request["SEQUENCE"])


def test_every_line_ends_in_crlf_and_is_at_most_75_octets():
    long_text = "Küchen-Rundgang, Terrasse; Garten\nund Keller " * 12
    raw = ics.render(_invite(description=long_text, summary="Tour: " + "é" * 80))

    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines), max(len(line) for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    # Folding never splits a UTF-8 character: every physical line decodes on its own.
    for line in lines:
        line.decode("utf-8")
    _, event = _event(raw)
    assert str(event["DESCRIPTION"]) == long_text
    assert str(event["SUMMARY"]) == "Tour: " + "é" * 80


@pytest.mark.parametrize("text", ["a, b; c", "back\\slash", "two\nlines", "crlf\r\nline", "plain"])
def test_text_values_are_escaped_and_come_back_unchanged(text):
    _, event = _event(ics.render(_invite(location=text)))
    assert str(event["LOCATION"]) == text.replace("\r\n", "\n")


def test_names_with_quotes_or_control_characters_cannot_break_the_parameter():
    raw = ics.render(_invite(organizer=ics.Person("r@example.com", 'Rita "The Closer"\r\nX-EVIL:1')))

    _, event = _event(raw)
    assert event["ORGANIZER"].params["CN"] == "Rita The CloserX-EVIL:1"
    assert b"\r\nX-EVIL" not in raw
    assert str(event["ORGANIZER"]) == "mailto:r@example.com"


def test_the_content_type_carries_the_method():
    assert ics.content_type(_invite(method="CANCEL")) == "text/calendar; method=CANCEL; charset=UTF-8"
