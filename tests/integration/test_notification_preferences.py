"""Notification preferences: which events are emailed, and quiet hours in the user's zone. A
non-urgent email written in the quiet hours waits for their end (held, then sent once by a one-time
schedule); an urgent one (the reminder 15 minutes before a tour), or one about a tour that starts
before the quiet hours end, goes at once. The clock stands at 2027-03-01 09:00 UTC (10:00 in Berlin)."""

from __future__ import annotations

import pytest

from testkit.api import FakeLambdaContext, call, load_function
from tests.support.bookings import at, book, booked, confirmed, items_under, new_property, schedules

QUIET_NOW = {"start": "09:00", "end": "12:00", "time_zone": "Europe/Berlin"}  # 10:00 Berlin: quiet until 11:00Z


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor), "outbox": outbox}


def _prefer(caller, side: str, **body):
    result = call("PUT", f"/api/v1/{side}/notification-preferences", caller=caller, body=body)
    assert result.status == 200, result.body
    return result.data["attributes"]


def _fire(payload: dict) -> dict:
    return load_function("reminders").lambda_handler(payload, FakeLambdaContext())


def test_defaults_email_everything_with_no_quiet_hours(world):
    result = call("GET", "/api/v1/buyers/notification-preferences", caller=world["buyer"])
    assert result.status == 200
    assert result.data["attributes"]["quiet_hours"] is None
    assert all(result.data["attributes"]["email"].values())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Nowhere/Land"}}, "quiet_hours.time_zone"),
        ({"quiet_hours": {"start": "22:10", "end": "07:00", "time_zone": "UTC"}}, "quiet_hours.start"),
        ({"email": {"newsletter": True}}, "email.newsletter"),
        ({"email": {"reminder": "sometimes"}}, "email.reminder"),
        ({"sms": True}, "sms"),
    ],
)
def test_bad_preferences_name_the_field(world, body, field):
    result = call("PUT", "/api/v1/realtors/notification-preferences", caller=world["realtor"], body=body)
    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == field


def test_a_request_in_the_realtors_quiet_hours_waits_for_the_morning(world):
    realtor, buyer, outbox = world["realtor"], world["buyer"], world["outbox"]
    _prefer(realtor, "realtors", quiet_hours=QUIET_NOW)

    assert book(buyer, world["property"], at(days=2)).status == 201

    assert outbox.to(realtor.email) == []
    [name] = [n for n in schedules() if n.startswith("deliver-")]
    schedule = schedules()[name]
    assert schedule["ScheduleExpression"] == "at(2027-03-01T11:00:00)"  # 12:00 in Berlin
    assert _fire(schedule["Input"]) == {"outcome": "sent"}
    assert outbox.subjects(realtor.email) == ["New tour request: 12 Harbour View Rd"]
    assert _fire(schedule["Input"]) == {"outcome": "duplicate"}
    assert len(outbox.to(realtor.email)) == 1


def test_a_held_email_ses_refuses_is_retried(world):
    realtor, outbox = world["realtor"], world["outbox"]
    _prefer(realtor, "realtors", quiet_hours=QUIET_NOW)
    book(world["buyer"], world["property"], at(days=2))
    [payload] = [s["Input"] for n, s in schedules().items() if n.startswith("deliver-")]

    outbox.fail = True
    with pytest.raises(Exception, match="not accepted"):
        _fire(payload)
    outbox.fail = False
    assert _fire(payload) == {"outcome": "sent"}


def test_the_15_minute_reminder_is_urgent_and_switched_off_events_are_not_sent(world):
    realtor, buyer, outbox = world["realtor"], world["buyer"], world["outbox"]
    booking_id = booked(buyer, world["property"], at(hours=2))
    confirmed(realtor, booking_id)
    _prefer(buyer, "buyers", quiet_hours=QUIET_NOW, email={"booking_cancelled": False})
    outbox.clear()

    reminder = schedules()[f"reminder-{booking_id}-15m"]["Input"]
    assert _fire(reminder) == {"outcome": "sent"}
    assert outbox.subjects(buyer.email) == ["Reminder: tour in 15 minutes at 12 Harbour View Rd"]

    call("DELETE", f"/api/v1/realtors/bookings/{booking_id}", caller=realtor)
    assert len(outbox.to(buyer.email)) == 1  # the cancellation was switched off


def test_a_tour_before_the_quiet_hours_end_is_told_at_once(world):
    realtor, buyer, outbox = world["realtor"], world["buyer"], world["outbox"]
    _prefer(buyer, "buyers", quiet_hours={"start": "09:00", "end": "23:00", "time_zone": "Europe/Berlin"})
    booking_id = booked(buyer, world["property"], at(hours=2))  # 11:00Z, long before 22:00Z
    confirmed(realtor, booking_id)

    assert outbox.subjects(buyer.email)[-1].startswith("Tour confirmed")
    assert not [n for n in schedules() if n.startswith("deliver-")]
    assert not items_under("OUTBOX#none")
