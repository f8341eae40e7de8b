"""Tours always end: a tour nobody started is closed as missed after its end plus the grace period; a
started tour nobody ended is ended at its maximum length (fake clock).

moto stores Scheduler schedules but never fires them: the tests check the close schedule that exists
and what it would send, then invoke the meeting events function with it as Scheduler would.
"""

from __future__ import annotations

import os
from datetime import timedelta

from testkit.api import FakeLambdaContext, call, load_function
from tests.support.bookings import schedules
from tests.support.calls import TOUR_AT, audit_items, stored

MISSED = "Missed tour: 12 Harbour View Rd"
ENDED = "Your tour of 12 Harbour View Rd has ended"


def _name(world) -> str:
    return f"tour-close-{world.booking_id}"


def _fire(payload: dict) -> dict:
    return load_function("meeting_events").lambda_handler(payload, FakeLambdaContext())


def _booking(world) -> dict:
    result = call("GET", f"/api/v1/buyers/bookings/{world.booking_id}", caller=world.buyer)
    assert result.status == 200, result.body
    return result.data["attributes"]


def _start(world, chime_stub) -> dict:
    meeting = chime_stub.create_meeting(world.tour_id)
    started = call("POST", f"/api/v1/realtors/tours/{world.tour_id}/start", caller=world.realtor)
    assert started.status == 200, started.body
    return meeting


def test_confirming_a_tour_schedules_its_close_at_the_end_plus_the_grace_period(tour):
    close = schedules()[_name(tour)]

    assert close["ScheduleExpression"] == "at(2027-03-02T10:30:00)"  # 09:00 + 60 min + 30 min
    assert close["Target"]["Arn"] == os.environ["TOUR_CLOSER_FUNCTION_ARN"]
    assert close["Target"]["RoleArn"] == os.environ["SCHEDULER_ROLE_ARN"]
    assert close["Input"] == {"action": "close_tour", "booking_id": tour.booking_id, "tour_id": tour.tour_id}


def test_a_tour_nobody_started_is_closed_as_missed_once_and_both_are_emailed(tour, outbox):
    tour.clock.moment = TOUR_AT + timedelta(minutes=90)
    payload = schedules()[_name(tour)]["Input"]

    first = _fire(payload)
    again = _fire(payload)  # Scheduler delivers at least once

    assert first == {"outcome": "missed"}
    assert again == {"outcome": "stale"}
    assert stored(tour.tour_id, "TOUR")["status"] == "missed"
    assert stored(tour.tour_id, "TOUR")["missed_at"] == "2027-03-02T10:30:00Z"
    assert _booking(tour)["status"] == "missed"
    assert outbox.subjects("bo@example.com") == [MISSED]
    assert outbox.subjects("rita@example.com") == [MISSED]
    assert "Rita Realtor" in outbox.to("bo@example.com")[0].text
    [audit] = audit_items("tour.missed")
    assert audit["actor_id"] == "system"
    assert audit["resource_id"] == tour.tour_id
    # A missed tour can no longer be started.
    late = call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor)
    assert late.status == 409


def test_a_close_delivered_early_does_nothing(tour, outbox):
    tour.clock.moment = TOUR_AT + timedelta(minutes=75)  # within the grace period

    assert _fire(schedules()[_name(tour)]["Input"]) == {"outcome": "stale"}
    assert stored(tour.tour_id, "TOUR")["status"] == "scheduled"
    assert outbox.sent == []


def test_the_missed_email_follows_the_recipients_preferences(tour, outbox):
    saved = call(
        "PUT", "/api/v1/buyers/notification-preferences", caller=tour.buyer, body={"email": {"tour_missed": False}}
    )
    assert saved.status == 200, saved.body
    tour.clock.moment = TOUR_AT + timedelta(minutes=90)

    assert _fire(schedules()[_name(tour)]["Input"]) == {"outcome": "missed"}

    assert outbox.subjects("bo@example.com") == []
    assert outbox.subjects("rita@example.com") == [MISSED]


def test_a_started_tour_is_not_closed_as_missed_and_its_close_moves_to_the_maximum_length(tour, chime_stub, outbox):
    missed_payload = schedules()[_name(tour)]["Input"]
    _start(tour, chime_stub)

    close = schedules()[_name(tour)]
    assert close["ScheduleExpression"] == "at(2027-03-02T11:55:00)"  # started 08:55 + 180 min
    tour.clock.moment = TOUR_AT + timedelta(minutes=90)
    outbox.clear()

    assert _fire(missed_payload) == {"outcome": "running"}
    assert stored(tour.tour_id, "TOUR")["status"] == "in_progress"
    assert _booking(tour)["status"] == "confirmed"
    assert outbox.sent == []


def test_a_tour_nobody_ended_is_ended_at_its_maximum_length_keeping_its_recording(tour, chime_stub, outbox):
    from realty.billing.service import grant_plan

    meeting = _start(tour, chime_stub)
    chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    joined = call(
        "POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True}
    )
    assert joined.status == 200, joined.body
    grant_plan(tour.realtor.user_id, plan="pro", status="active")
    capture = chime_stub.start_capture(tour.tour_id, meeting["MeetingId"], tour.bucket)
    recorded = call(
        "POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=tour.realtor, body={"action": "start"}
    )
    assert recorded.status == 200, recorded.body
    # The close ends it as the realtor would: capture stopped, meeting deleted, recording concatenated.
    chime_stub.stop_capture(capture["id"])
    chime_stub.delete_meeting(meeting["MeetingId"])
    chime_stub.concatenate(tour.tour_id, capture["arn"], tour.bucket)
    payload = schedules()[_name(tour)]["Input"]
    tour.clock.moment = TOUR_AT + timedelta(minutes=176)  # 08:55 + 3 h, less than Scheduler's minute early
    outbox.clear()

    first = _fire(payload)
    again = _fire(payload)

    assert first == {"outcome": "closed"}
    assert again == {"outcome": "stale"}
    assert stored(tour.tour_id, "TOUR")["status"] == "completed"
    call_item = stored(tour.tour_id, "CALL")
    assert call_item["status"] == "ended"
    assert call_item["ended_by"] == "max_length"
    assert call_item["recording_status"] in ("stopped", "concatenating")
    assert _booking(tour)["status"] == "completed"
    assert outbox.subjects("bo@example.com") == [ENDED]
    assert outbox.subjects("rita@example.com") == [ENDED]
    [audit] = audit_items("tour.ended")
    assert audit["actor_id"] == "system"


def test_cancelling_removes_the_close_and_a_reschedule_replaces_it(tour):
    tour.clock.moment = TOUR_AT - timedelta(days=1)
    moved = call(
        "PUT",
        f"/api/v1/buyers/bookings/{tour.booking_id}",
        caller=tour.buyer,
        body={"scheduled_at": "2027-03-03T09:00:00Z"},
    )
    assert moved.status == 200, moved.body
    assert _name(tour) not in schedules()  # pending again: no tour to close

    confirmed = call("PUT", f"/api/v1/realtors/bookings/{tour.booking_id}/confirm", caller=tour.realtor)
    assert confirmed.status == 200, confirmed.body
    close = schedules()[_name(tour)]
    assert close["ScheduleExpression"] == "at(2027-03-03T10:30:00)"
    new_tour = confirmed.data["relationships"]["tour"]["id"]
    assert close["Input"]["tour_id"] == new_tour != tour.tour_id

    cancelled = call("DELETE", f"/api/v1/buyers/bookings/{tour.booking_id}", caller=tour.buyer)
    assert cancelled.status == 200, cancelled.body
    assert _name(tour) not in schedules()


def test_a_close_for_a_tour_the_booking_moved_away_from_does_nothing(tour, outbox):
    payload = schedules()[_name(tour)]["Input"]
    cancelled = call("DELETE", f"/api/v1/buyers/bookings/{tour.booking_id}", caller=tour.buyer)
    assert cancelled.status == 200, cancelled.body
    tour.clock.moment = TOUR_AT + timedelta(minutes=90)
    outbox.clear()

    assert _fire(payload) == {"outcome": "stale"}
    assert stored(tour.tour_id, "TOUR")["status"] == "cancelled"
    assert outbox.sent == []


def test_a_malformed_close_event_is_rejected_without_a_retry(aws):
    assert _fire({"action": "close_tour", "tour_id": "nope"}) == {"outcome": "rejected"}
