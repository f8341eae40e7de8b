"""Proposals: the realtor proposes a new time for a request or a confirmed tour, the buyer accepts
(the booking moves and is confirmed there, atomically: new tour and slots, old ones released, the
invite's SEQUENCE up, reminders moved) or declines; the history is kept and shown."""

from __future__ import annotations

import icalendar
import pytest

from testkit.api import call
from tests.support.bookings import at, booked, confirmed, items_under, new_property, schedules


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor), "outbox": outbox}


def _propose(realtor, booking_id: str, **body):
    return call("POST", f"/api/v1/realtors/bookings/{booking_id}/proposals", caller=realtor, body=body)


def _answer(buyer, booking_id: str, proposal_id: str, answer: str):
    return call("PUT", f"/api/v1/buyers/bookings/{booking_id}/proposals/{proposal_id}/{answer}", caller=buyer)


def _sequence_of_last_invite(outbox, address: str) -> int:
    [attachment] = [m for m in outbox.to(address) if m.attachments][-1].attachments
    [event] = icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
    return int(event["SEQUENCE"])


def test_a_buyer_accepts_a_new_time_for_a_confirmed_tour_and_everything_moves(world):
    realtor, buyer, outbox = world["realtor"], world["buyer"], world["outbox"]
    booking_id = booked(buyer, world["property"], at(days=3, hours=6))
    old_tour = confirmed(realtor, booking_id)
    assert _sequence_of_last_invite(outbox, buyer.email) == 0

    proposed = _propose(realtor, booking_id, scheduled_at=at(days=4, hours=1), message="The owners are in on Thursday")
    assert proposed.status == 201, proposed.body
    [proposal] = proposed.data["attributes"]["proposals"]
    assert (proposal["status"], proposal["proposed_by"]) == ("open", realtor.user_id)
    assert proposed.data["attributes"]["status"] == "confirmed"  # unchanged until the buyer answers
    assert outbox.subjects(buyer.email)[-1] == "New time proposed: 12 Harbour View Rd"

    accepted = _answer(buyer, booking_id, proposal["id"], "accept")

    assert accepted.status == 200, accepted.body
    attributes = accepted.data["attributes"]
    assert (attributes["status"], attributes["scheduled_at"]) == ("confirmed", at(days=4, hours=1))
    assert attributes["proposals"][0]["status"] == "accepted"
    assert attributes["proposals"][0]["answered_by"] == buyer.user_id
    new_tour = accepted.data["relationships"]["tour"]["id"]
    assert new_tour != old_tour
    assert call("GET", f"/api/v1/buyers/tours/{old_tour}", caller=buyer).data["attributes"]["status"] == "cancelled"
    slot_times = {i["SK"] for i in items_under(f"SLOT#REALTOR#{realtor.user_id}")}
    assert slot_times == {at(days=4, hours=1), at(days=4, hours=1, minutes=15)}
    assert schedules()[f"reminder-{booking_id}-15m"]["ScheduleExpression"] == "at(2027-03-05T09:45:00)"
    assert _sequence_of_last_invite(outbox, buyer.email) == 1
    # Accepted twice: one state, the second is refused.
    again = _answer(buyer, booking_id, proposal["id"], "accept")
    assert again.status == 409 and again.body["errors"][0]["code"] == "INVALID_TRANSITION"


def test_overlapping_old_and_new_times_share_their_slots_in_one_transaction(world):
    realtor, buyer = world["realtor"], world["buyer"]
    booking_id = booked(buyer, world["property"], at(days=3, hours=6), duration=60)
    confirmed(realtor, booking_id)
    proposal = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=6, minutes=30)).data["attributes"]
    accepted = _answer(buyer, booking_id, proposal["proposals"][0]["id"], "accept")

    assert accepted.status == 200, accepted.body
    tour = accepted.data["relationships"]["tour"]["id"]
    slot_items = items_under(f"SLOT#REALTOR#{realtor.user_id}")
    assert [i["SK"] for i in slot_items] == [at(days=3, hours=6, minutes=m) for m in (30, 45, 60, 75)]
    assert {i["tour_id"] for i in slot_items} == {tour}


def test_a_pending_request_is_confirmed_at_the_accepted_time(world):
    realtor, buyer = world["realtor"], world["buyer"]
    booking_id = booked(buyer, world["property"], at(days=3))
    proposal_id = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=2)).data["attributes"]["proposals"][0][
        "id"
    ]

    accepted = _answer(buyer, booking_id, proposal_id, "accept")
    assert accepted.status == 200, accepted.body
    assert (accepted.data["attributes"]["status"], accepted.data["attributes"]["scheduled_at"]) == (
        "confirmed",
        at(days=3, hours=2),
    )


def test_declining_keeps_the_booking_and_a_newer_proposal_supersedes_the_open_one(world):
    realtor, buyer, outbox = world["realtor"], world["buyer"], world["outbox"]
    booking_id = booked(buyer, world["property"], at(days=3))
    first = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=2)).data["attributes"]["proposals"][0]["id"]
    second = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=3)).data["attributes"]["proposals"][1]["id"]

    stale = _answer(buyer, booking_id, first, "accept")
    assert stale.status == 409 and "superseded" in stale.body["errors"][0]["message"]
    declined = _answer(buyer, booking_id, second, "decline")
    assert declined.status == 200, declined.body
    attributes = declined.data["attributes"]
    assert (attributes["status"], attributes["scheduled_at"]) == ("pending", at(days=3))
    assert [p["status"] for p in attributes["proposals"]] == ["superseded", "declined"]
    assert outbox.subjects(realtor.email)[-1] == "Proposed time declined: 12 Harbour View Rd"
    shown = call("GET", f"/api/v1/realtors/bookings/{booking_id}", caller=realtor).data["attributes"]["proposals"]
    assert [p["scheduled_at"] for p in shown] == [at(days=3, hours=2), at(days=3, hours=3)]


def test_someone_elses_booking_or_proposal_is_a_404_and_roles_hold(world, make_user):
    realtor, buyer = world["realtor"], world["buyer"]
    booking_id = booked(buyer, world["property"], at(days=3))
    other_realtor = make_user("realtor", email="otto@example.com")
    assert _propose(other_realtor, booking_id, scheduled_at=at(days=3, hours=2)).status == 404
    proposal_id = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=2)).data["attributes"]["proposals"][0][
        "id"
    ]
    other_buyer = make_user("buyer", email="cy@example.com")
    assert _answer(other_buyer, booking_id, proposal_id, "accept").status == 404
    assert _answer(buyer, booking_id, "01J0000000000000000000000Z", "accept").status == 404
    assert _propose(buyer, booking_id, scheduled_at=at(days=3, hours=2)).status == 403
    assert _answer(realtor, booking_id, proposal_id, "accept").status == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scheduled_at": "2027-03-04T10:10:00Z"}, "scheduled_at"),
        ({"scheduled_at": "2027-03-04T10:00:00Z", "duration_minutes": 500}, "duration_minutes"),
        ({"scheduled_at": "2027-03-04T10:00:00Z", "colour": "red"}, "colour"),
        ({}, "scheduled_at"),
    ],
)
def test_bad_proposals_name_the_field(world, body, field):
    booking_id = booked(world["buyer"], world["property"], at(days=3))
    result = _propose(world["realtor"], booking_id, **body)
    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == field


def test_a_proposal_onto_another_tour_is_refused(world):
    realtor, buyer = world["realtor"], world["buyer"]
    confirmed(realtor, booked(buyer, world["property"], at(days=3, hours=2)))
    booking_id = booked(buyer, world["property"], at(days=3))
    result = _propose(realtor, booking_id, scheduled_at=at(days=3, hours=2))
    assert result.status == 409 and result.body["errors"][0]["code"] == "SLOT_TAKEN"
