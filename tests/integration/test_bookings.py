"""Bookings through their routes: request, validation, confirm, reschedule, cancel, decline, emails, lists."""

from __future__ import annotations

import json
import os

import boto3
import icalendar
import pytest

from testkit.api import call
from testkit.population import audit_feed, population_items
from tests.support.bookings import (
    at,
    book,
    booked,
    confirm,
    confirmed,
    items_under,
    new_property,
)


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor), "outbox": outbox}


def _bookings_in_table() -> list[dict]:
    return population_items("BOOKINGS")


def _audit_actions() -> list[str]:
    return [i["action"]["S"] for i in audit_feed() if i["resource_type"]["S"] in {"booking", "tour"}]


def _invite_of(message) -> icalendar.Event:
    [attachment] = message.attachments
    assert attachment.filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    event.method = str(calendar["METHOD"])
    return event


# ---------------------------------------------------------------- request


def test_a_buyer_requests_a_tour_and_the_realtor_is_told(world):
    result = book(world["buyer"], world["property"], at(days=2, hours=6), 45, notes="Is the garage included?")

    assert result.status == 201, result.body
    data = result.data
    assert data["type"] == "booking"
    assert data["attributes"]["status"] == "pending"
    assert data["attributes"]["scheduled_at"] == "2027-03-03T15:00:00Z"
    assert data["attributes"]["ends_at"] == "2027-03-03T15:45:00Z"
    assert data["attributes"]["duration_minutes"] == 45
    assert data["attributes"]["notes"] == "Is the garage included?"
    assert data["attributes"]["property"] == {
        "id": world["property"],
        "address": "12 Harbour View Rd",
        "city": "Seattle",
    }
    assert data["relationships"]["realtor"]["id"] == world["realtor"].user_id
    assert data["relationships"]["tour"] is None
    # Nothing internal leaks.
    for hidden in ("PK", "GSI1PK", "version", "sequence", "buyer_email", "realtor_email"):
        assert hidden not in data["attributes"]
    [message] = world["outbox"].to("rita@example.com")
    assert "New tour request" in message.subject
    assert "Bo Buyer" in message.text and "Is the garage included?" in message.text
    assert "<p>" in message.html
    assert world["outbox"].to("bo@example.com") == []
    assert _audit_actions() == ["booking.created"]


def test_the_default_length_is_thirty_minutes_and_offsets_are_read_as_utc(world):
    result = book(world["buyer"], world["property"], "2027-03-03T16:00:00+01:00", duration=30)
    assert result.status == 201, result.body
    body = {"property_id": world["property"], "scheduled_at": "2027-03-04T10:00:00Z"}
    default = call("POST", "/api/v1/buyers/bookings", caller=world["buyer"], body=body)

    assert result.data["attributes"]["scheduled_at"] == "2027-03-03T15:00:00Z"
    assert default.data["attributes"]["duration_minutes"] == 30


INVALID_REQUESTS = [
    ({"property_id": None}, "property_id"),
    ({"property_id": "not-a-ulid"}, "property_id"),
    ({"scheduled_at": None}, "scheduled_at"),
    ({"scheduled_at": 1804000000}, "scheduled_at"),
    ({"scheduled_at": "next tuesday"}, "scheduled_at"),
    ({"scheduled_at": "2027-03-03T15:00:00"}, "scheduled_at"),  # no time zone
    ({"scheduled_at": "2027-03-03T15:10:00Z"}, "scheduled_at"),  # not a quarter hour
    ({"scheduled_at": "2027-03-03T15:15:30Z"}, "scheduled_at"),  # seconds
    ({"scheduled_at": "2027-03-01T09:30:00Z"}, "scheduled_at"),  # under the 60 minute lead
    ({"scheduled_at": "2027-03-01T08:00:00Z"}, "scheduled_at"),  # in the past
    ({"scheduled_at": "2027-05-30T09:15:00Z"}, "scheduled_at"),  # over 90 days ahead
    ({"duration_minutes": 10}, "duration_minutes"),
    ({"duration_minutes": 121}, "duration_minutes"),
    ({"duration_minutes": "30"}, "duration_minutes"),
    ({"duration_minutes": 30.5}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"notes": "x" * 1001}, "notes"),
    ({"surprise": True}, "surprise"),
]


def test_every_invalid_request_names_its_field_and_writes_nothing(world):
    for change, field in INVALID_REQUESTS:
        body = {"property_id": world["property"], "scheduled_at": at(days=2), "duration_minutes": 30, **change}
        body = {k: v for k, v in body.items() if v is not None}

        result = call("POST", "/api/v1/buyers/bookings", caller=world["buyer"], body=body)

        assert result.status == 422, (change, result.body)
        assert result.error_codes == ["VALIDATION_ERROR"], change
        assert result.body["errors"][0]["field"] == field, (change, result.body)
    assert _bookings_in_table() == []
    assert world["outbox"].sent == []
    assert _audit_actions() == []


def test_the_window_edges_are_bookable(world):
    earliest = book(world["buyer"], world["property"], at(hours=1))
    latest = book(world["buyer"], world["property"], at(days=90))

    assert earliest.status == 201, earliest.body
    assert latest.status == 201, latest.body


def test_a_property_that_is_missing_or_not_listed_cannot_be_booked(world, make_user):
    missing = book(world["buyer"], "01JZZZZZZZZZZZZZZZZZZZZZZZ", at(days=2))
    sold = new_property(world["realtor"], status="sold", address="9 Sold Ln")
    not_listed = book(world["buyer"], sold, at(days=2))

    assert missing.status == 404 and missing.body["errors"][0]["field"] == "property_id"
    assert not_listed.status == 422 and not_listed.body["errors"][0]["field"] == "property_id"
    assert "sold" in not_listed.body["errors"][0]["message"]
    assert _bookings_in_table() == []


def test_a_body_that_is_not_json_is_a_400_and_writes_nothing(world):
    result = call("POST", "/api/v1/buyers/bookings", caller=world["buyer"], raw_body="{not json")
    assert result.status == 400
    assert _bookings_in_table() == []


def test_a_time_already_taken_by_a_confirmed_tour_is_refused_up_front(world, make_user):
    first = booked(world["buyer"], world["property"], at(days=2), 30)
    confirmed(world["realtor"], first)
    other = make_user("buyer")

    clash = book(other, world["property"], at(days=2, minutes=15), 30)

    assert clash.status == 409
    assert clash.error_codes == ["SLOT_TAKEN"]
    assert "2027-03-03T09:00:00Z" in clash.body["errors"][0]["message"]
    assert len(_bookings_in_table()) == 1


# ---------------------------------------------------------------- confirm


def test_confirming_creates_the_tour_call_and_slots_in_one_go(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2, hours=6), 45)
    world["outbox"].clear()

    result = confirm(world["realtor"], booking_id)

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "confirmed"
    tour_id = result.data["relationships"]["tour"]["id"]
    collection = {i["SK"]: i for i in items_under(f"TOUR#{tour_id}")}
    tour, call_item = collection["TOUR"], collection["CALL"]
    assert tour["status"] == "scheduled" and call_item["status"] == "created"
    for item in (tour, call_item):
        assert item["booking_id"] == booking_id
        assert item["property_id"] == world["property"]
        assert item["realtor_id"] == world["realtor"].user_id
        assert item["buyer_id"] == world["buyer"].user_id
        assert item["scheduled_at"] == "2027-03-03T15:00:00Z"
        assert item["duration_minutes"] == 45
    assert tour["call_id"] == call_item["id"] and call_item["tour_id"] == tour_id
    assert call_item["GSI1PK"] == f"CALL#{call_item['id']}" and call_item["GSI1SK"] == "CALL"
    assert tour["property_address"] == "12 Harbour View Rd" and tour["property_city"] == "Seattle"
    realtor_slots = items_under(f"SLOT#REALTOR#{world['realtor'].user_id}")
    property_slots = items_under(f"SLOT#PROPERTY#{world['property']}")
    expected = ["2027-03-03T15:00:00Z", "2027-03-03T15:15:00Z", "2027-03-03T15:30:00Z"]
    assert [s["SK"] for s in realtor_slots] == expected
    assert [s["SK"] for s in property_slots] == expected
    assert {s["booking_id"] for s in realtor_slots + property_slots} == {booking_id}
    assert _audit_actions().count("booking.confirmed") == 1
    # Both get the invite.
    assert len(world["outbox"].to("bo@example.com")) == 1
    assert len(world["outbox"].to("rita@example.com")) == 1
    event = _invite_of(world["outbox"].to("bo@example.com")[0])
    assert event.method == "REQUEST"
    assert str(event["UID"]) == f"{booking_id}@realtyforyou"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART").isoformat() == "2027-03-03T15:00:00+00:00"
    assert event.decoded("DTEND").isoformat() == "2027-03-03T15:45:00+00:00"
    assert str(event["ORGANIZER"]) == "mailto:rita@example.com"
    assert str(event["ATTENDEE"]) == "mailto:bo@example.com"


def test_confirming_twice_is_a_conflict_from_the_transition_table(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    confirmed(world["realtor"], booking_id)

    again = confirm(world["realtor"], booking_id)

    assert again.status == 409
    assert again.error_codes == ["INVALID_TRANSITION"]
    assert (
        again.body["errors"][0]["message"]
        == "a confirmed booking can only become: cancelled, completed, missed, pending"
    )


def test_a_booking_whose_time_has_passed_cannot_be_confirmed(world, fake_clock):
    booking_id = booked(world["buyer"], world["property"], at(hours=2))
    fake_clock.advance(hours=3)

    late = confirm(world["realtor"], booking_id)

    assert late.status == 409
    assert "passed" in late.body["errors"][0]["message"]


def test_a_property_taken_off_the_market_cannot_get_new_tours(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    off = call(
        "PUT", f"/api/v1/realtors/properties/{world['property']}", caller=world["realtor"], body={"status": "sold"}
    )
    assert off.status == 200, off.body

    result = confirm(world["realtor"], booking_id)

    assert result.status == 409
    assert "no longer open" in result.body["errors"][0]["message"]
    assert items_under(f"SLOT#REALTOR#{world['realtor'].user_id}") == []


def test_an_overlap_names_the_tour_in_the_way(world, make_user):
    first = booked(world["buyer"], world["property"], at(days=2, hours=6), 30)
    other_property = new_property(world["realtor"], address="40 Elm St")
    second = booked(make_user("buyer"), other_property, at(days=2, hours=6, minutes=15), 30)
    confirmed(world["realtor"], first)

    clash = confirm(world["realtor"], second)

    assert clash.status == 409
    assert clash.body["errors"][0]["message"] == "the realtor already has a tour 2027-03-03T15:00:00Z\u201315:30:00Z"
    booking = call("GET", f"/api/v1/realtors/bookings/{second}", caller=world["realtor"])
    assert booking.data["attributes"]["status"] == "pending"
    assert booking.data["relationships"]["tour"] is None


def test_an_email_that_cannot_be_sent_never_fails_the_booking(world):
    world["outbox"].fail = True

    created = book(world["buyer"], world["property"], at(days=2))
    confirmed_ = confirm(world["realtor"], created.data["id"])
    cancelled = call("DELETE", f"/api/v1/buyers/bookings/{created.data['id']}", caller=world["buyer"])

    assert (created.status, confirmed_.status, cancelled.status) == (201, 200, 200)
    assert cancelled.data["attributes"]["status"] == "cancelled"


def test_email_through_ses_failing_is_counted_not_raised(world, capsys):
    """The real SES sender against an account with no verified identity: SES refuses, the booking stands."""
    from realty.adapters import email

    email.set_sender(None)
    created = book(world["buyer"], world["property"], at(days=2))

    assert created.status == 201, created.body
    assert "EmailSendFailed" in capsys.readouterr().out


# ---------------------------------------------------------------- decline


def test_the_realtor_declines_with_a_reason_the_buyer_reads(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))

    declined = call(
        "PUT",
        f"/api/v1/realtors/bookings/{booking_id}/decline",
        caller=world["realtor"],
        body={"reason": "The house is under offer that week"},
    )

    assert declined.status == 200, declined.body
    assert declined.data["attributes"]["status"] == "declined"
    assert declined.data["attributes"]["decline_reason"] == "The house is under offer that week"
    [message] = world["outbox"].to("bo@example.com")
    assert "declined" in message.subject and "under offer" in message.text
    after = confirm(world["realtor"], booking_id)
    assert after.status == 409 and after.body["errors"][0]["message"] == "a declined booking cannot change any more"


def test_a_decline_needs_a_reason_of_at_most_500_characters(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    world["outbox"].clear()

    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": "ok", "x": 1}):
        result = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/decline", caller=world["realtor"], body=body)

        assert result.status == 422, body
        assert result.body["errors"][0]["field"] == ("x" if "x" in body else "reason")
    got = call("GET", f"/api/v1/realtors/bookings/{booking_id}", caller=world["realtor"])
    assert got.data["attributes"]["status"] == "pending"
    assert world["outbox"].sent == []


def test_a_confirmed_booking_cannot_be_declined(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    confirmed(world["realtor"], booking_id)

    result = call(
        "PUT", f"/api/v1/realtors/bookings/{booking_id}/decline", caller=world["realtor"], body={"reason": "no"}
    )

    assert result.status == 409 and result.error_codes == ["INVALID_TRANSITION"]


# ---------------------------------------------------------------- reschedule


def test_rescheduling_a_confirmed_booking_frees_its_time_and_cancels_its_tour(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2), 30)
    tour_id = confirmed(world["realtor"], booking_id)
    world["outbox"].clear()

    moved = call(
        "PUT",
        f"/api/v1/buyers/bookings/{booking_id}",
        caller=world["buyer"],
        body={"scheduled_at": at(days=3), "duration_minutes": 60},
    )

    assert moved.status == 200, moved.body
    assert moved.data["attributes"]["status"] == "pending"
    assert moved.data["attributes"]["scheduled_at"] == "2027-03-04T09:00:00Z"
    assert moved.data["attributes"]["ends_at"] == "2027-03-04T10:00:00Z"
    assert moved.data["relationships"]["tour"] is None
    assert items_under(f"SLOT#REALTOR#{world['realtor'].user_id}") == []
    assert items_under(f"SLOT#PROPERTY#{world['property']}") == []
    tour = next(i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "TOUR")
    assert tour["status"] == "cancelled"
    # The realtor hears about it; the booking lists under its new time.
    [message] = world["outbox"].to("rita@example.com")
    assert "moved" in message.subject
    listed = call("GET", "/api/v1/buyers/bookings", caller=world["buyer"], query={"from": "2027-03-04"})
    assert [b["id"] for b in listed.data] == [booking_id]

    # Confirmed again: a new tour, and the invite updates the same event with a higher SEQUENCE.
    world["outbox"].clear()
    new_tour = confirmed(world["realtor"], booking_id)
    assert new_tour != tour_id
    event = _invite_of(world["outbox"].to("bo@example.com")[0])
    assert str(event["UID"]) == f"{booking_id}@realtyforyou"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART").isoformat() == "2027-03-04T09:00:00+00:00"
    assert event.decoded("DTEND").isoformat() == "2027-03-04T10:00:00+00:00"
    assert len(items_under(f"SLOT#REALTOR#{world['realtor'].user_id}")) == 4


def test_the_realtor_may_reschedule_and_the_buyer_is_told(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    world["outbox"].clear()

    moved = call(
        "PUT", f"/api/v1/realtors/bookings/{booking_id}", caller=world["realtor"], body={"scheduled_at": at(days=4)}
    )

    assert moved.status == 200, moved.body
    assert moved.data["attributes"]["scheduled_at"] == "2027-03-05T09:00:00Z"
    assert [m.to for m in world["outbox"].sent] == [["bo@example.com"]]


def test_changing_only_the_notes_keeps_a_confirmed_booking_confirmed(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)

    changed = call("PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"notes": "Bring keys"})
    cleared = call("PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"notes": ""})

    assert changed.status == 200 and changed.data["attributes"]["notes"] == "Bring keys"
    assert changed.data["attributes"]["status"] == "confirmed"
    assert changed.data["relationships"]["tour"]["id"] == tour_id
    assert cleared.data["attributes"]["notes"] is None
    assert len(items_under(f"SLOT#REALTOR#{world['realtor'].user_id}")) == 2


def test_an_invalid_reschedule_changes_nothing(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    world["outbox"].clear()
    cases = [
        ({}, None),
        ({"scheduled_at": "2027-03-03T15:05:00Z"}, "scheduled_at"),
        ({"scheduled_at": "2027-03-01T09:15:00Z"}, "scheduled_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"notes": "y" * 1001}, "notes"),
        ({"status": "confirmed"}, "status"),
    ]

    for body, field in cases:
        result = call("PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body=body)

        assert result.status == 422, (body, result.body)
        assert result.body["errors"][0].get("field") == field, body
    got = call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])
    assert got.data["attributes"]["status"] == "confirmed"
    assert got.data["relationships"]["tour"]["id"] == tour_id
    assert len(items_under(f"SLOT#PROPERTY#{world['property']}")) == 2
    assert world["outbox"].sent == []


def test_a_reschedule_onto_another_confirmed_tour_is_refused(world, make_user):
    taken = booked(make_user("buyer"), world["property"], at(days=3), 60)
    confirmed(world["realtor"], taken)
    mine = booked(world["buyer"], world["property"], at(days=2))

    result = call(
        "PUT",
        f"/api/v1/buyers/bookings/{mine}",
        caller=world["buyer"],
        body={"scheduled_at": at(days=3, minutes=30)},
    )

    assert result.status == 409
    assert "2027-03-04T09:00:00Z\u201310:00:00Z" in result.body["errors"][0]["message"]


# ---------------------------------------------------------------- cancel


def test_cancelling_a_confirmed_booking_releases_everything_and_sends_a_cancel_invite(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    world["outbox"].clear()

    result = call("DELETE", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "cancelled"
    assert items_under(f"SLOT#REALTOR#{world['realtor'].user_id}") == []
    assert items_under(f"SLOT#PROPERTY#{world['property']}") == []
    tour = next(i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "TOUR")
    assert tour["status"] == "cancelled"
    [message] = world["outbox"].to("rita@example.com")
    event = _invite_of(message)
    assert event.method == "CANCEL"
    assert str(event["UID"]) == f"{booking_id}@realtyforyou"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    # The time is free again for somebody else.
    again = booked(world["buyer"], world["property"], at(days=2))
    assert confirm(world["realtor"], again).status == 200


def test_cancelling_a_pending_booking_sends_no_invite(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    world["outbox"].clear()

    result = call("DELETE", f"/api/v1/realtors/bookings/{booking_id}", caller=world["realtor"])

    assert result.status == 200
    [message] = world["outbox"].sent
    assert message.to == ["bo@example.com"] and message.attachments == ()
    twice = call("DELETE", f"/api/v1/realtors/bookings/{booking_id}", caller=world["realtor"])
    assert twice.status == 409 and twice.body["errors"][0]["message"] == "a cancelled booking cannot change any more"


def test_a_tour_that_has_started_can_no_longer_be_cancelled_or_moved(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "in_progress"}},
    )

    cancel = call("DELETE", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])
    move = call(
        "PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"scheduled_at": at(days=5)}
    )

    for result in (cancel, move):
        assert result.status == 409
        assert result.body["errors"][0]["message"] == "a in_progress tour can only become: completed"
    assert len(items_under(f"SLOT#REALTOR#{world['realtor'].user_id}")) == 2


def _set_tour_status(tour_id: str, status: str) -> None:
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )


def _expire_slots(*owners: str) -> None:
    """What DynamoDB's TTL does a day after a tour: its slot items disappear (moto has no TTL)."""
    table = boto3.client("dynamodb", region_name="us-east-1")
    for owner in owners:
        for item in items_under(owner):
            table.delete_item(
                TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": item["PK"]}, "SK": {"S": item["SK"]}}
            )


def test_editing_only_the_notes_of_a_started_tours_booking_leaves_the_tour_alone(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    _set_tour_status(tour_id, "in_progress")

    result = call(
        "PUT", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"], body={"notes": "bring the floor plan"}
    )

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "confirmed"
    assert result.data["attributes"]["notes"] == "bring the floor plan"
    [tour] = [i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "TOUR"]
    assert tour["status"] == "in_progress"
    assert len(items_under(f"SLOT#REALTOR#{world['realtor'].user_id}")) == 2


def test_a_tour_nobody_started_can_be_cancelled_after_its_slots_expired(world, fake_clock, make_user):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    fake_clock.advance(days=4)  # nobody came; a day after the tour DynamoDB's TTL removed its slots
    _expire_slots(f"SLOT#REALTOR#{world['realtor'].user_id}", f"SLOT#PROPERTY#{world['property']}")

    result = call("DELETE", f"/api/v1/buyers/bookings/{booking_id}", caller=world["buyer"])

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "cancelled"
    [tour] = [i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "TOUR"]
    assert tour["status"] == "cancelled"


def test_a_tour_nobody_started_can_be_moved_after_its_slots_expired(world, fake_clock):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    fake_clock.advance(days=4)
    _expire_slots(f"SLOT#REALTOR#{world['realtor'].user_id}", f"SLOT#PROPERTY#{world['property']}")

    moved = call(
        "PUT",
        f"/api/v1/realtors/bookings/{booking_id}",
        caller=world["realtor"],
        body={"scheduled_at": at(days=6)},
    )

    assert moved.status == 200, moved.body
    assert moved.data["attributes"]["status"] == "pending"
    [tour] = [i for i in items_under(f"TOUR#{tour_id}") if i["SK"] == "TOUR"]
    assert tour["status"] == "cancelled"


def test_an_admin_closes_a_tour_nobody_started_by_cancelling_it(world, fake_clock, make_user):
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    tour_id = confirmed(world["realtor"], booking_id)
    admin = make_user("admin")
    fake_clock.advance(days=4)
    _expire_slots(f"SLOT#REALTOR#{world['realtor'].user_id}")  # one owner's slots gone, the other's not yet

    completed = call("PUT", f"/api/v1/admin/tours/{tour_id}", caller=admin, body={"status": "completed"})
    cancelled = call("PUT", f"/api/v1/admin/tours/{tour_id}", caller=admin, body={"status": "cancelled"})

    # A tour that never happened is not "completed" (there is nothing to process): it is cancelled.
    assert completed.status == 409 and completed.error_codes == ["INVALID_TRANSITION"]
    assert cancelled.status == 200, cancelled.body
    assert cancelled.data["attributes"]["status"] == "cancelled"
    booking = call("GET", f"/api/v1/admin/bookings/{booking_id}", caller=admin)
    assert booking.data["attributes"]["status"] == "cancelled"
    assert items_under(f"SLOT#PROPERTY#{world['property']}") == []


# ---------------------------------------------------------------- lists


def test_lists_filter_by_status_and_dates_and_page_with_cursors(world, make_user):
    other_property = new_property(world["realtor"], address="40 Elm St")
    ids = [booked(world["buyer"], world["property"], at(days=day)) for day in (5, 2, 3)]
    ids.append(booked(world["buyer"], other_property, at(days=4)))
    confirmed(world["realtor"], ids[1])
    stranger = make_user("buyer")
    booked(stranger, other_property, at(days=6))

    mine = call("GET", "/api/v1/buyers/bookings", caller=world["buyer"])
    assert [b["attributes"]["scheduled_at"][:10] for b in mine.data] == [
        "2027-03-03",
        "2027-03-04",
        "2027-03-05",
        "2027-03-06",
    ]
    realtor_all = call("GET", "/api/v1/realtors/bookings", caller=world["realtor"])
    assert len(realtor_all.data) == 5
    confirmed_only = call("GET", "/api/v1/realtors/bookings", caller=world["realtor"], query={"status": "confirmed"})
    assert [b["id"] for b in confirmed_only.data] == [ids[1]]
    window = call(
        "GET", "/api/v1/realtors/bookings", caller=world["realtor"], query={"from": "2027-03-04", "to": "2027-03-05"}
    )
    assert [b["attributes"]["scheduled_at"][:10] for b in window.data] == ["2027-03-04", "2027-03-05"]
    exact = call(
        "GET",
        "/api/v1/realtors/bookings",
        caller=world["realtor"],
        query={"from": "2027-03-04T09:00:00Z", "to": "2027-03-04T09:00:00Z"},
    )
    assert len(exact.data) == 1

    first = call("GET", "/api/v1/buyers/bookings", caller=world["buyer"], query={"limit": "3"})
    assert len(first.data) == 3 and first.body["meta"]["pagination"]["next_cursor"]
    rest = call(
        "GET",
        "/api/v1/buyers/bookings",
        caller=world["buyer"],
        query={"limit": "3", "cursor": first.body["meta"]["pagination"]["next_cursor"]},
    )
    assert [b["id"] for b in first.data + rest.data] == [b["id"] for b in mine.data]
    stolen = call(
        "GET",
        "/api/v1/buyers/bookings",
        caller=stranger,
        query={"limit": "3", "cursor": first.body["meta"]["pagination"]["next_cursor"]},
    )
    assert stolen.status == 400 and stolen.body["errors"][0]["field"] == "cursor"

    everything = call("GET", "/api/v1/admin/bookings", caller=make_user("admin"))
    assert len(everything.data) == 5
    assert [b["attributes"]["created_at"] for b in everything.data] == sorted(
        (b["attributes"]["created_at"] for b in everything.data), reverse=True
    )


def test_a_filtered_list_fills_its_pages_and_pages_through_every_match(world):
    # Pending and confirmed bookings alternate in the buyer's schedule: every page of confirmed ones
    # is full until the last, and together the pages hold every confirmed booking exactly once.
    ids = [booked(world["buyer"], world["property"], at(days=day)) for day in range(2, 9)]
    wanted = ids[1::2]
    for booking_id in wanted:
        confirmed(world["realtor"], booking_id)

    seen: list[str] = []
    cursor = None
    while True:
        query = {"status": "confirmed", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = call("GET", "/api/v1/buyers/bookings", caller=world["buyer"], query=query)
        assert page.status == 200, page.body
        seen += [b["id"] for b in page.data]
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            break
        assert len(page.data) == 2, "only the last page may be short"
    assert seen == wanted


def test_list_filters_are_validated(world):
    cases = [
        ({"status": "maybe"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2027-03-04T10:00:00"}, "to"),
        ({"from": "2027-03-05", "to": "2027-03-04"}, "from"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
    ]
    for query, field in cases:
        result = call("GET", "/api/v1/realtors/bookings", caller=world["realtor"], query=query)

        assert result.status == 422, (query, result.body)
        assert result.body["errors"][0]["field"] == field, query


def _sample(name: str, caller, **ids: str) -> dict:
    """events/<name>.json with a real caller and real ids in place of the sample ones."""
    from tests.support.template import ROOT

    text = (ROOT / "events" / f"{name}.json").read_text()
    for old, new in ids.items():
        text = text.replace(old, new)
    event = json.loads(text)
    event["requestContext"]["authorizer"].update(user_id=caller.user_id, principalId=caller.user_id)
    return event


def test_the_sample_events_drive_the_handlers(world):
    from testkit.api import FakeLambdaContext, load_function

    handler = load_function("bookings").lambda_handler
    create = _sample("bookings_create", world["buyer"], **{"01JHX3A8K2M4N6P8R0T2V4X6Z8": world["property"]})
    created = handler(create, FakeLambdaContext())
    assert created["statusCode"] == 201, created["body"]
    replayed = handler(create, FakeLambdaContext())
    assert json.loads(replayed["body"])["data"] == json.loads(created["body"])["data"]  # its Idempotency-Key
    booking_id = json.loads(created["body"])["data"]["id"]

    listed = handler(_sample("bookings_list_realtor", world["realtor"]), FakeLambdaContext())
    assert [b["id"] for b in json.loads(listed["body"])["data"]] == [booking_id]
    confirmed_ = handler(
        _sample("bookings_confirm", world["realtor"], **{"01JHX4B9C3D5E7F9G1H3J5K7M9": booking_id}), FakeLambdaContext()
    )
    assert confirmed_["statusCode"] == 200, confirmed_["body"]
    assert json.loads(confirmed_["body"])["data"]["attributes"]["status"] == "confirmed"
