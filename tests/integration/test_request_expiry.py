"""Expiring requests: a pending request the realtor leaves unanswered is declined as `expired` by a
one-time schedule that follows the booking (moved, deleted), and a confirmation at the same instant
leaves one consistent state. moto never fires schedules: the tests read them and invoke the
reminders handler as Scheduler would."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from testkit.api import FakeLambdaContext, call, load_function
from tests.integration.test_bookings_concurrency import atomic_transactions  # noqa: F401 - a fixture
from tests.support.bookings import at, book, booked, confirm, items_under, new_property, schedules


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    listing = new_property(realtor)
    saved = call("PUT", "/api/v1/realtors/availability", caller=realtor, body={"request_expiry_hours": 24})
    assert saved.status == 200, saved.body
    return {"realtor": realtor, "buyer": buyer, "property": listing, "outbox": outbox, "clock": fake_clock}


def _fire(payload: dict) -> dict:
    return load_function("reminders").lambda_handler(payload, FakeLambdaContext())


def _booking(booking_id: str) -> dict:
    [item] = items_under(f"BOOKING#{booking_id}")
    return item


def test_an_unanswered_request_expires_and_the_buyer_is_told(world):
    result = book(world["buyer"], world["property"], at(days=3))
    booking_id = result.data["id"]

    # 24 hours after the request, well before the tour's start less the lead time.
    assert result.data["attributes"]["expires_at"] == at(days=1)
    schedule = schedules()[f"expiry-{booking_id}"]
    assert schedule["ScheduleExpression"] == "at(2027-03-02T09:00:00)"
    assert schedule["Input"] == {"booking_id": booking_id, "action": "expire", "expires_at": at(days=1)}

    world["clock"].advance(days=1)
    assert _fire(schedule["Input"]) == {"outcome": "expired"}

    stored = _booking(booking_id)
    assert (stored["status"], stored["decline_reason"]) == ("declined", "expired")
    assert world["outbox"].subjects(world["buyer"].email)[-1] == "Tour request expired: 12 Harbour View Rd"
    assert _fire(schedule["Input"]) == {"outcome": "stale"}  # a second delivery changes nothing


def test_the_deadline_is_never_later_than_the_start_less_the_lead_time(world):
    result = book(world["buyer"], world["property"], at(hours=5))
    assert result.data["attributes"]["expires_at"] == at(hours=4)


def test_confirming_deletes_the_schedule_and_a_late_firing_changes_nothing(world):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    payload = schedules()[f"expiry-{booking_id}"]["Input"]
    assert confirm(world["realtor"], booking_id).status == 200

    assert f"expiry-{booking_id}" not in schedules()
    world["clock"].advance(days=1)
    assert _fire(payload) == {"outcome": "stale"}
    assert _booking(booking_id)["status"] == "confirmed"


def test_moving_a_request_moves_its_deadline_and_declining_deletes_it(world):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    world["clock"].advance(hours=2)
    moved = call(
        "PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"scheduled_at": at(days=4)}
    )
    assert moved.status == 200, moved.body
    assert moved.data["attributes"]["expires_at"] == at(days=1, hours=2)
    assert schedules()[f"expiry-{booking_id}"]["ScheduleExpression"] == "at(2027-03-02T11:00:00)"
    # The old deadline's delivery is stale.
    assert _fire({"booking_id": booking_id, "action": "expire", "expires_at": at(days=1)}) == {"outcome": "stale"}

    declined = call(
        "PUT", f"/api/v1/realtors/bookings/{booking_id}/decline", caller=world["realtor"], body={"reason": "Sold"}
    )
    assert declined.status == 200
    assert f"expiry-{booking_id}" not in schedules()


def test_a_malformed_expiry_event_is_rejected(world):
    assert _fire({"action": "expire", "booking_id": "nope"}) == {"outcome": "rejected"}


@pytest.mark.usefixtures("atomic_transactions")
def test_a_confirmation_and_an_expiry_at_the_same_instant_end_in_one_state(world):
    from realty.bookings import expiry, service
    from realty.bookings.events import ExpiryEvent
    from realty.core.errors import Conflict
    from tests.support.bookings import START

    clock = world["clock"]
    for round_ in range(6):
        clock.moment = START
        booking_id = booked(world["buyer"], world["property"], at(days=3, hours=round_))
        event = ExpiryEvent.model_validate(schedules()[f"expiry-{booking_id}"]["Input"])
        clock.moment = START + timedelta(days=1)  # the deadline
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def expire(event: ExpiryEvent = event, outcomes: dict = outcomes, barrier=barrier) -> None:
            barrier.wait()
            outcomes["expire"] = expiry.expire_request(event)

        def confirm_it(booking_id: str = booking_id, outcomes: dict = outcomes, barrier=barrier) -> None:
            barrier.wait()
            try:
                outcomes["confirm"] = service.confirm_booking(world["realtor"], booking_id).attributes.status
            except Conflict as conflict:
                outcomes["confirm"] = conflict.code

        threads = [threading.Thread(target=expire), threading.Thread(target=confirm_it)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        stored = _booking(booking_id)
        slots = [i for i in items_under(f"SLOT#REALTOR#{world['realtor'].user_id}") if i["booking_id"] == booking_id]
        if stored["status"] == "confirmed":
            assert outcomes == {"expire": "stale", "confirm": "confirmed"} and slots
        else:
            assert (stored["status"], stored["decline_reason"]) == ("declined", "expired")
            assert outcomes["expire"] == "expired" and outcomes["confirm"] != "confirmed" and not slots
