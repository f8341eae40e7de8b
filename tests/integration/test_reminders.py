"""Reminder schedules kept in step with bookings (fake clock), and the reminders function sending once.

moto stores EventBridge Scheduler schedules but never fires them: the tests check which schedules
exist and what they would send, then invoke the reminders handler directly as Scheduler would.
"""

from __future__ import annotations

import os

import pytest

from testkit.api import FakeLambdaContext, call, load_function
from tests.support.bookings import (
    at,
    booked,
    confirmed,
    items_under,
    new_property,
    schedules,
)


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor), "outbox": outbox}


def _fire(payload) -> dict:
    return load_function("reminders").lambda_handler(payload, FakeLambdaContext())


def _names(booking_id: str) -> tuple[str, str]:
    return f"reminder-{booking_id}-24h", f"reminder-{booking_id}-15m"


def test_confirming_a_tour_days_away_schedules_both_reminders(world):
    booking_id = booked(world["buyer"], world["property"], at(days=3, hours=6))
    confirmed(world["realtor"], booking_id)

    found = schedules()
    day, soon = _names(booking_id)
    # Beside the reminders, the tour's close schedule (tests/integration/test_tour_closing.py).
    assert set(found) == {day, soon, f"tour-close-{booking_id}"}
    assert found[day]["ScheduleExpression"] == "at(2027-03-03T15:00:00)"
    assert found[soon]["ScheduleExpression"] == "at(2027-03-04T14:45:00)"
    for schedule in (found[day], found[soon]):
        assert schedule["GroupName"] == os.environ["SCHEDULER_GROUP"]
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert schedule["ActionAfterCompletion"] == "DELETE"
        target = schedule["Target"]
        assert target["Arn"] == os.environ["REMINDERS_FUNCTION_ARN"]
        assert target["RoleArn"] == os.environ["SCHEDULER_ROLE_ARN"]
        assert target["DeadLetterConfig"] == {"Arn": os.environ["SCHEDULER_DLQ_ARN"]}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert found[day]["Input"] == {"booking_id": booking_id, "kind": "24h", "sequence": 0}
    assert found[soon]["Input"] == {"booking_id": booking_id, "kind": "15m", "sequence": 0}


def test_a_tour_less_than_a_day_away_gets_only_the_15_minute_reminder(world):
    booking_id = booked(world["buyer"], world["property"], at(hours=20))
    confirmed(world["realtor"], booking_id)

    assert set(schedules()) == {f"reminder-{booking_id}-15m", f"tour-close-{booking_id}"}


def test_a_reschedule_moves_the_reminders_and_a_cancellation_removes_them(world, fake_clock):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    day, soon = _names(booking_id)

    moved = call(
        "PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"scheduled_at": at(days=5)}
    )
    assert moved.status == 200, moved.body
    found = schedules()
    assert found[day]["ScheduleExpression"] == "at(2027-03-05T09:00:00)"
    assert found[soon]["ScheduleExpression"] == "at(2027-03-06T08:45:00)"
    assert found[soon]["Input"]["sequence"] == 1

    # Moved into the last day before the tour: the day-before reminder goes.
    fake_clock.advance(days=4, hours=12)
    call(
        "PUT",
        f"/api/v1/realtors/bookings/{booking_id}",
        caller=world["realtor"],
        body={"scheduled_at": at(days=5, hours=6)},
    )
    confirmed(world["realtor"], booking_id)
    found = schedules()
    assert set(found) == {soon, f"tour-close-{booking_id}"}
    assert found[soon]["ScheduleExpression"] == "at(2027-03-06T14:45:00)"
    assert found[soon]["Input"]["sequence"] == 2

    cancelled = call("DELETE", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])
    assert cancelled.status == 200
    assert schedules() == {}


def test_a_decline_or_a_cancel_with_no_schedule_is_not_an_error(world):
    declined_id = booked(world["buyer"], world["property"], at(days=3))
    cancelled_id = booked(world["buyer"], world["property"], at(days=4))

    declined = call(
        "PUT", f"/api/v1/realtors/bookings/{declined_id}/decline", caller=world["realtor"], body={"reason": "Away"}
    )
    cancelled = call("DELETE", f"/api/v1/buyers/bookings/{cancelled_id}", caller=world["buyer"])

    assert (declined.status, cancelled.status) == (200, 200)
    assert schedules() == {}


def test_a_scheduler_failure_does_not_undo_the_confirmation(world, capsys):
    from botocore.stub import Stubber

    from realty.core.aws import client

    booking_id = booked(world["buyer"], world["property"], at(days=3))
    with Stubber(client("scheduler")) as scheduler:
        for _ in range(2):
            scheduler.add_client_error("create_schedule", "ThrottlingException", http_status_code=400)

        result = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=world["realtor"])

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "confirmed"
    assert capsys.readouterr().out.count('"ReminderScheduleFailed"') >= 1
    assert len(world["outbox"].to("bo@example.com")) == 1


def test_a_reminder_fired_twice_is_sent_once_to_each_participant(world, fake_clock):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    world["outbox"].clear()
    payload = schedules()[f"reminder-{booking_id}-15m"]["Input"]
    fake_clock.advance(days=3, minutes=-15)

    first, second = _fire(payload), _fire(payload)

    assert (first, second) == ({"outcome": "sent"}, {"outcome": "duplicate"})
    for address in ("bo@example.com", "rita@example.com"):
        [message] = world["outbox"].to(address)
        assert "in 15 minutes" in message.subject
        assert "12 Harbour View Rd, Seattle" in message.text
    [marker] = items_under(f"REMINDER#{booking_id}")
    assert marker["SK"] == "15m#0"
    assert marker["expires_at"] > int(fake_clock().timestamp())
    # The other kind is its own reminder.
    assert _fire({**payload, "kind": "24h"}) == {"outcome": "sent"}
    assert len(world["outbox"].to("bo@example.com")) == 2


def test_a_reminder_nobody_received_is_released_and_raised_so_it_is_retried(world, fake_clock, capsys):
    from realty.bookings.reminders import ReminderNotSent

    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    world["outbox"].clear()
    payload = schedules()[f"reminder-{booking_id}-15m"]["Input"]
    fake_clock.advance(days=3, minutes=-15)
    world["outbox"].fail = True  # SES throttled: no email accepted

    with pytest.raises(ReminderNotSent):
        _fire(payload)

    assert items_under(f"REMINDER#{booking_id}") == []  # the claim is given back
    assert '"RemindersNotSent"' in capsys.readouterr().out
    world["outbox"].fail = False
    assert _fire(payload) == {"outcome": "sent"}  # the retry sends it
    for address in ("bo@example.com", "rita@example.com"):
        assert len(world["outbox"].to(address)) == 1
    assert _fire(payload) == {"outcome": "duplicate"}


def test_a_reminder_for_an_older_schedule_or_a_cancelled_booking_does_nothing(world):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    stale = schedules()[f"reminder-{booking_id}-15m"]["Input"]
    call("PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"scheduled_at": at(days=4)})
    confirmed(world["realtor"], booking_id)
    world["outbox"].clear()

    assert _fire(stale) == {"outcome": "stale"}

    current = schedules()[f"reminder-{booking_id}-15m"]["Input"]
    call("DELETE", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])
    world["outbox"].clear()
    assert _fire(current) == {"outcome": "stale"}
    assert _fire({"booking_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "kind": "15m", "sequence": 0}) == {"outcome": "missing"}
    assert world["outbox"].sent == []


def test_a_reminder_while_the_booking_waits_for_reconfirmation_does_nothing(world):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    call("PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"scheduled_at": at(days=4)})
    world["outbox"].clear()

    moved = schedules()[f"reminder-{booking_id}-15m"]["Input"]

    assert _fire(moved) == {"outcome": "stale"}
    assert world["outbox"].sent == []
    assert items_under(f"REMINDER#{booking_id}") == []


@pytest.mark.parametrize(
    "payload",
    [{}, {"booking_id": "x", "kind": "15m", "sequence": 0}, {"booking_id": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "kind": "1h"}],
)
def test_a_malformed_event_is_rejected_without_retrying(aws, outbox, payload):
    assert _fire(payload) == {"outcome": "rejected"}
    assert outbox.sent == []


def test_the_sample_event_is_what_a_schedule_sends(world):
    import json

    from tests.support.template import ROOT

    booking_id = booked(world["buyer"], world["property"], at(days=3))
    confirmed(world["realtor"], booking_id)
    sample = json.loads((ROOT / "events" / "reminder.json").read_text())

    assert set(sample) == set(schedules()[f"reminder-{booking_id}-15m"]["Input"])
    assert _fire({**sample, "booking_id": booking_id}) == {"outcome": "sent"}
