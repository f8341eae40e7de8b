"""A realtor's availability and a listing's free slots through their routes: defaults, validation
naming the field, blocks, someone else's objects, and booking outside availability (409
SLOT_UNAVAILABLE with the reason and the next free slots)."""

from __future__ import annotations

import pytest

from testkit.api import call
from testkit.population import audit_feed
from tests.support.bookings import at, book, booked, confirmed, new_property

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor), "outbox": outbox}


def _hours(*ranges: tuple[str, str], closed: tuple[str, ...] = ()) -> dict:
    day = [{"start": s, "end": e} for s, e in ranges]
    return {name: ([] if name in closed else day) for name in WEEKDAYS}


def _put(realtor, **rules) -> dict:
    result = call("PUT", "/api/v1/realtors/availability", caller=realtor, body=rules)
    assert result.status == 200, result.body
    return result.data["attributes"]


def _slots(buyer, property_id: str, **query) -> list[dict]:
    result = call("GET", f"/api/v1/buyers/properties/{property_id}/slots", caller=buyer, query=query)
    assert result.status == 200, result.body
    return result.data["attributes"]["slots"]


def _audit_actions() -> list[str]:
    return [i["action"]["S"] for i in audit_feed()]


# ---------------------------------------------------------------- rules


def test_a_new_realtor_sees_defaults_that_refuse_nothing_booked_before(world):
    result = call("GET", "/api/v1/realtors/availability", caller=world["realtor"])

    assert result.status == 200, result.body
    rules = result.data["attributes"]
    assert rules["configured"] is False
    assert rules["time_zone"] == "UTC"
    assert rules["hours"]["sunday"] == [{"start": "00:00", "end": "24:00"}]
    assert (rules["min_lead_minutes"], rules["horizon_days"], rules["buffer_minutes"]) == (60, 90, 0)
    assert rules["tour_lengths"] is None


def test_a_realtor_saves_hours_in_their_zone_and_reads_them_back(world):
    saved = _put(
        world["realtor"],
        time_zone="America/New_York",
        hours=_hours(("09:00", "12:00"), ("13:00", "17:00"), closed=("sunday",)),
        buffer_minutes=15,
        tour_lengths=[30, 60],
    )
    again = call("GET", "/api/v1/realtors/availability", caller=world["realtor"]).data["attributes"]

    assert saved == again
    assert again["configured"] is True
    assert again["hours"]["monday"] == [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    assert again["hours"]["sunday"] == []
    assert "availability.updated" in _audit_actions()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"hours": {"monday": [{"start": "10:00", "end": "09:00"}]}}, "hours.monday.0"),
        (
            {"hours": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}},
            "hours.monday",
        ),
        ({"hours": {"monday": [{"start": "09:10", "end": "12:00"}]}}, "hours.monday.0.start"),
        ({"hours": {"funday": []}}, "hours.funday"),
        ({"buffer_minutes": -5}, "buffer_minutes"),
        ({"tour_lengths": [30, 30]}, "tour_lengths"),
        ({"tour_lengths": [200]}, "tour_lengths.0"),
        ({"horizon_days": 400}, "horizon_days"),
        ({"colour": "blue"}, "colour"),
        # JSON's true is not a number of minutes (pydantic's lax int would read it as 1).
        ({"buffer_minutes": True}, "buffer_minutes"),
        ({"request_expiry_hours": False}, "request_expiry_hours"),
        ({"tour_lengths": [True]}, "tour_lengths.0"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(world, body, field):
    result = call("PUT", "/api/v1/realtors/availability", caller=world["realtor"], body=body)

    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == field
    again = call("GET", "/api/v1/realtors/availability", caller=world["realtor"]).data["attributes"]
    assert again["configured"] is False


def test_buyers_cannot_read_or_change_availability(world):
    assert call("GET", "/api/v1/realtors/availability", caller=world["buyer"]).status == 403
    assert call("PUT", "/api/v1/realtors/availability", caller=world["buyer"], body={}).status == 403


# ---------------------------------------------------------------- blocks


def test_blocks_are_created_listed_and_deleted_and_only_by_their_realtor(world, make_user):
    body = {"starts_at": at(days=2), "ends_at": at(days=2, hours=3), "reason": "Dentist"}
    created = call("POST", "/api/v1/realtors/availability/blocks", caller=world["realtor"], body=body)
    assert created.status == 201, created.body
    block_id = created.data["id"]
    assert created.data["attributes"]["kind"] == "block"

    listed = call("GET", "/api/v1/realtors/availability/blocks", caller=world["realtor"])
    assert [b["id"] for b in listed.data] == [block_id]

    other = make_user("realtor", email="otto@example.com")
    assert call("GET", "/api/v1/realtors/availability/blocks", caller=other).data == []
    stolen = call("DELETE", f"/api/v1/realtors/availability/blocks/{block_id}", caller=other)
    assert stolen.status == 404

    deleted = call("DELETE", f"/api/v1/realtors/availability/blocks/{block_id}", caller=world["realtor"])
    assert deleted.status == 200, deleted.body
    assert call("GET", "/api/v1/realtors/availability/blocks", caller=world["realtor"]).data == []
    assert call("DELETE", f"/api/v1/realtors/availability/blocks/{block_id}", caller=world["realtor"]).status == 404
    assert {"availability.block_created", "availability.block_deleted"} <= set(_audit_actions())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": at(days=2), "ends_at": at(days=1), "reason": "x"}, "ends_at"),
        ({"starts_at": at(days=2, minutes=5), "ends_at": at(days=3), "reason": "x"}, "starts_at"),
        ({"starts_at": at(days=2), "ends_at": at(days=3), "reason": ""}, "reason"),
        ({"starts_at": at(days=2), "ends_at": at(days=3), "reason": "x", "kind": "holiday"}, "kind"),
        ({"starts_at": at(days=-3), "ends_at": at(days=-2), "reason": "x"}, "ends_at"),
    ],
)
def test_bad_blocks_are_refused_naming_the_field(world, body, field):
    result = call("POST", "/api/v1/realtors/availability/blocks", caller=world["realtor"], body=body)

    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == field


# ---------------------------------------------------------------- free slots


def test_free_slots_are_in_the_listing_zone_and_utc_and_skip_tours_and_blocks(world):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, time_zone="America/New_York", hours=_hours(("09:00", "11:00")), buffer_minutes=15)
    # 2027-03-03 is a Wednesday: 09:00-11:00 EST is 14:00-16:00Z.
    tour = booked(buyer, listing, "2027-03-03T14:30:00Z")
    confirmed(realtor, tour)
    call(
        "POST",
        "/api/v1/realtors/availability/blocks",
        caller=realtor,
        body={"starts_at": "2027-03-03T15:45:00Z", "ends_at": "2027-03-03T16:00:00Z", "reason": "Call"},
    )

    result = call(
        "GET",
        f"/api/v1/buyers/properties/{listing}/slots",
        caller=buyer,
        query={"from": "2027-03-03", "to": "2027-03-04", "duration": "30"},
    )

    assert result.status == 200, result.body
    attributes = result.data["attributes"]
    assert attributes["time_zone"] == "America/New_York"
    assert attributes["window_start"] == "2027-03-03T05:00:00Z"  # the listing's midnight
    assert [s["start"] for s in attributes["slots"]] == ["2027-03-03T15:15:00Z"]
    assert attributes["slots"][0]["local_start"] == "2027-03-03T10:15:00-05:00"
    assert attributes["slots"][0]["local_end"] == "2027-03-03T10:45:00-05:00"


def test_a_listing_zone_and_hours_override_the_realtor(world):
    realtor, listing = world["realtor"], world["property"]
    _put(realtor, time_zone="America/New_York", hours=_hours(("09:00", "17:00")))
    changed = call(
        "PUT",
        f"/api/v1/realtors/properties/{listing}",
        caller=realtor,
        body={"time_zone": "Europe/Berlin", "schedule": {"hours": _hours(("10:00", "10:30")), "tour_lengths": [30]}},
    )
    assert changed.status == 200, changed.body
    assert changed.data["attributes"]["time_zone"] == "Europe/Berlin"

    slots = _slots(world["buyer"], listing, **{"from": "2027-03-03", "to": "2027-03-04"})
    assert [(s["start"], s["local_start"]) for s in slots] == [("2027-03-03T09:00:00Z", "2027-03-03T10:00:00+01:00")]
    wrong = call("GET", f"/api/v1/buyers/properties/{listing}/slots", caller=world["buyer"], query={"duration": "60"})
    assert wrong.status == 422 and wrong.body["errors"][0]["field"] == "duration"


def test_a_bad_listing_zone_is_refused_naming_the_field(world):
    result = call(
        "PUT",
        f"/api/v1/realtors/properties/{world['property']}",
        caller=world["realtor"],
        body={"time_zone": "Nowhere"},
    )
    assert result.status == 422
    assert result.body["errors"][0]["field"] == "time_zone"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "tomorrow"}, "from"),
        ({"from": "2027-03-03T10:00:00"}, "from"),
        ({"from": "2027-03-05", "to": "2027-03-04"}, "to"),
        ({"from": "2027-03-01", "to": "2027-04-15"}, "to"),
        ({"duration": "5"}, "duration"),
    ],
)
def test_bad_slot_queries_name_the_field(world, query, field):
    result = call("GET", f"/api/v1/buyers/properties/{world['property']}/slots", caller=world["buyer"], query=query)
    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == field


def test_slots_of_a_missing_or_withdrawn_listing_are_a_404_and_realtors_cannot_ask(world):
    realtor, buyer = world["realtor"], world["buyer"]
    hidden = new_property(realtor, status="inactive")
    assert call("GET", f"/api/v1/buyers/properties/{hidden}/slots", caller=buyer).status == 404
    assert call("GET", "/api/v1/buyers/properties/01J0000000000000000000000Z/slots", caller=buyer).status == 404
    assert call("GET", f"/api/v1/buyers/properties/{world['property']}/slots", caller=realtor).status == 403


# ---------------------------------------------------------------- booking outside availability


def test_a_request_outside_the_hours_is_refused_with_the_next_free_slots(world):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, time_zone="Europe/Berlin", hours=_hours(("09:00", "10:00"), closed=("wednesday",)))

    result = book(buyer, listing, "2027-03-03T15:00:00Z")  # a Wednesday

    assert result.status == 409, result.body
    [error] = result.body["errors"]
    assert error["code"] == "SLOT_UNAVAILABLE"
    assert error["field"] == "scheduled_at"
    assert error["details"]["reason"] == "outside_hours"
    assert error["details"]["time_zone"] == "Europe/Berlin"
    # The next free: Thursday 09:00 CET (08:00Z) on.
    assert [s["start"] for s in error["details"]["next_slots"]][:2] == ["2027-03-04T08:00:00Z", "2027-03-04T08:15:00Z"]
    assert error["details"]["next_slots"][0]["local_start"] == "2027-03-04T09:00:00+01:00"
    assert call("GET", "/api/v1/buyers/bookings", caller=buyer).data == []


def test_a_request_in_the_buffer_of_a_tour_or_in_a_block_is_refused(world):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, buffer_minutes=30)
    confirmed(realtor, booked(buyer, listing, at(days=2, hours=6)))  # 15:00-15:30Z
    call(
        "POST",
        "/api/v1/realtors/availability/blocks",
        caller=realtor,
        body={"starts_at": at(days=3), "ends_at": at(days=4), "reason": "Away"},
    )

    near = book(buyer, listing, at(days=2, hours=6, minutes=45))
    assert near.status == 409
    assert near.body["errors"][0]["details"]["reason"] == "buffer"
    assert book(buyer, listing, at(days=2, hours=7)).status == 201
    away = book(buyer, listing, at(days=3, hours=2))
    assert away.body["errors"][0]["details"]["reason"] == "blocked"


def test_a_buyer_cannot_move_a_booking_outside_the_hours_but_the_realtor_may(world):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, hours=_hours(("09:00", "17:00")))
    booking = booked(buyer, listing, at(days=2, hours=2))

    moved = call("PUT", f"/api/v1/buyers/bookings/{booking}", caller=buyer, body={"scheduled_at": at(days=2, hours=10)})
    assert moved.status == 409
    assert moved.body["errors"][0]["code"] == "SLOT_UNAVAILABLE"
    by_realtor = call(
        "PUT", f"/api/v1/realtors/bookings/{booking}", caller=realtor, body={"scheduled_at": at(days=2, hours=10)}
    )
    assert by_realtor.status == 200, by_realtor.body


def test_requests_hide_their_time_when_the_realtor_says_so(world, make_user):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, pending_blocks_slots=True, hours=_hours(("09:00", "10:00")))
    booked(buyer, listing, at(days=2))  # 09:00-09:30Z, pending

    slots = _slots(buyer, listing, **{"from": at(days=2), "to": at(days=2, hours=1)})
    assert [s["start"] for s in slots] == [at(days=2, minutes=30)]
    other = make_user("buyer", email="cy@example.com")
    taken = book(other, listing, at(days=2, minutes=15))
    assert taken.status == 409 and taken.body["errors"][0]["details"]["reason"] == "requested"


def test_free_slots_cost_two_reads_and_one_query_and_a_request_no_extra_call(world):
    from bench.aws_calls import counting, dynamodb_operations

    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    _put(realtor, hours=_hours(("09:00", "17:00")))
    with counting() as log:
        _slots(buyer, listing, **{"from": at(days=1), "to": at(days=15)})
        mark = log.mark()
        assert book(buyer, listing, at(days=2)).status == 201

    assert dynamodb_operations(log.calls[:mark]) == {"GetItem": 2, "Query": 1}
    # The rules travel in the request's one BatchGetItem with the slots and the two people.
    assert dynamodb_operations(log.since(mark)) == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}


# ---------------------------------------------------------------- auto-confirm


def test_an_auto_confirm_listing_confirms_a_request_inside_availability_at_once(world):
    realtor, buyer, listing, outbox = world["realtor"], world["buyer"], world["property"], world["outbox"]
    _put(realtor, hours=_hours(("09:00", "17:00")))
    schedule = {"schedule": {"auto_confirm": True}}
    assert call("PUT", f"/api/v1/realtors/properties/{listing}", caller=realtor, body=schedule).status == 200

    result = book(buyer, listing, at(days=2, hours=1))

    assert result.status == 201, result.body
    assert result.data["attributes"]["status"] == "confirmed"
    tour_id = result.data["relationships"]["tour"]["id"]
    assert call("GET", f"/api/v1/buyers/tours/{tour_id}", caller=buyer).status == 200
    invites = [m for m in outbox.sent if m.attachments]
    assert sorted(m.to[0] for m in invites) == sorted([buyer.email, realtor.email])
    assert "booking.auto_confirmed" in _audit_actions()
    # Outside the hours nothing is confirmed (nor requested).
    late = book(buyer, listing, at(days=3, hours=10))
    assert late.status == 409 and late.body["errors"][0]["code"] == "SLOT_UNAVAILABLE"


def test_without_auto_confirm_a_request_waits_for_the_realtor(world):
    result = book(world["buyer"], world["property"], at(days=2, hours=1))
    assert result.status == 201 and result.data["attributes"]["status"] == "pending"


@pytest.mark.parametrize(
    "value", ["0001-01-01", "9999-12-31", "9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+14:00"]
)
def test_far_off_slot_windows_are_a_422_not_an_overflow(world, value):
    listing = world["property"]
    for name in ("from", "to"):
        result = call("GET", f"/api/v1/buyers/properties/{listing}/slots", caller=world["buyer"], query={name: value})
        assert result.status == 422, result.body
        assert result.body["errors"][0]["field"] == name


# ---------------------------------------------------------------- local time in messages


def test_emails_and_invites_show_the_listing_local_time_with_its_zone(world):
    import icalendar

    realtor, buyer, listing, outbox = world["realtor"], world["buyer"], world["property"], world["outbox"]
    call("PUT", f"/api/v1/realtors/properties/{listing}", caller=realtor, body={"time_zone": "America/New_York"})
    booking = book(buyer, listing, "2027-03-15T14:00:00Z")  # the Monday after the clocks changed
    assert booking.status == 201, booking.body
    assert booking.data["attributes"]["time_zone"] == "America/New_York"
    assert outbox.to(realtor.email)[-1].text.count("Mon 15 Mar 2027, 10:00\u201310:30 EDT (America/New_York)") == 1

    confirmed(realtor, booking.data["id"])
    message = outbox.to(buyer.email)[-1]
    assert message.subject.endswith("Mon 15 Mar 2027, 10:00\u201310:30 EDT (America/New_York)")
    [attachment] = message.attachments
    calendar = icalendar.Calendar.from_ical(attachment.content)
    [event] = calendar.walk("VEVENT")
    assert "DTSTART;TZID=America/New_York:20270315T100000" in event.to_ical().decode()
    assert event.decoded("DTSTART").isoformat() == "2027-03-15T10:00:00-04:00"
