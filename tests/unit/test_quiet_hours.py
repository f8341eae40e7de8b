"""The one delivery rule: switched-off events are skipped, urgent ones go at once, anything else
written in the quiet hours waits for their local end (across midnight and clock changes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from realty.users.preferences import EmailChoices, NotificationEvent, NotificationPreferences, QuietHours, delivery

NIGHT = NotificationPreferences(quiet_hours=QuietHours(start="22:00", end="07:00", time_zone="America/New_York"))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2027-03-03T23:00:00-05:00", "2027-03-04T07:00:00-05:00"),  # a request at 23:00 waits for the morning
        ("2027-03-04T03:00:00-05:00", "2027-03-04T07:00:00-05:00"),  # after midnight, the same morning
        ("2027-03-13T23:30:00-05:00", "2027-03-14T07:00:00-04:00"),  # the clocks spring forward overnight
        ("2027-12-31T22:15:00-05:00", "2028-01-01T07:00:00-05:00"),  # the year ends overnight
        ("2027-03-04T12:00:00-05:00", "send"),  # daytime
    ],
)
def test_non_urgent_mail_waits_for_the_end_of_the_quiet_hours(now, expected):
    choice = delivery(NIGHT, NotificationEvent.BOOKING_REQUESTED, urgent=False, now=_at(now), tour_start=None)
    assert choice == (expected if expected == "send" else _at(expected))


def test_urgent_or_soon_or_switched_off():
    night = _at("2027-03-03T23:00:00-05:00")
    assert delivery(NIGHT, NotificationEvent.REMINDER, urgent=True, now=night, tour_start=None) == "send"
    early_tour = _at("2027-03-04T06:30:00-05:00")
    assert (
        delivery(NIGHT, NotificationEvent.BOOKING_CONFIRMED, urgent=False, now=night, tour_start=early_tour) == "send"
    )
    off = NotificationPreferences(email=EmailChoices(booking_requested=False))
    assert delivery(off, NotificationEvent.BOOKING_REQUESTED, urgent=False, now=night, tour_start=None) == "skip"
    assert delivery(None, NotificationEvent.BOOKING_REQUESTED, urgent=False, now=night, tour_start=None) == "send"
