"""Tours through their routes: details from one Query, lists by time, notes, admin cancel and close."""

from __future__ import annotations

import os

import boto3
import pytest

from realty.core.aws import client
from testkit.api import call
from tests.support.bookings import (
    at,
    booked,
    confirmed,
    items_under,
    new_property,
)


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    property_id = new_property(realtor)
    booking_id = booked(buyer, property_id, at(days=2, hours=6), 45)
    tour_id = confirmed(realtor, booking_id)
    return {
        "realtor": realtor,
        "buyer": buyer,
        "admin": make_user("admin"),
        "property": property_id,
        "booking": booking_id,
        "tour": tour_id,
        "outbox": outbox,
    }


class _DynamoCalls:
    """Counts the DynamoDB operations our code sends (botocore level)."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        client("dynamodb").meta.events.register("before-call.dynamodb", self._record)

    def _record(self, model, **_) -> None:
        self.operations.append(model.name)

    def close(self) -> None:
        client("dynamodb").meta.events.unregister("before-call.dynamodb", self._record)


def _put_highlight(tour_id: str, ms: int, note: str) -> None:
    from realty.core.dynamo import to_item

    boto3.client("dynamodb", region_name="us-east-1").put_item(
        TableName=os.environ["MAIN_TABLE"],
        Item=to_item(
            {
                "PK": f"TOUR#{tour_id}",
                "SK": f"HIGHLIGHT#{ms:010d}#01JHIGHLIGHT{ms:014d}",
                "entity": "highlight",
                "id": f"01JHIGHLIGHT{ms:014d}",
                "tour_id": tour_id,
                "timestamp_ms": ms,
                "note": note,
                "highlight_type": "feature",
                "source": "ai",
            }
        ),
    )


# ---------------------------------------------------------------- details


def test_a_tour_comes_with_its_property_call_notes_and_highlights_from_one_query(world, fake_clock):
    for content, ms in (("Lovely light", 65_000), ("Check the roof", 120_000)):
        fake_clock.advance(seconds=1)
        added = call(
            "POST",
            f"/api/v1/buyers/tours/{world['tour']}/notes",
            caller=world["buyer"],
            body={"content": content, "timestamp_ms": ms, "tag": "exterior"},
        )
        assert added.status == 201, added.body
    _put_highlight(world["tour"], 90_000, "Renovated kitchen")
    calls = _DynamoCalls()

    result = call("GET", f"/api/v1/realtors/tours/{world['tour']}", caller=world["realtor"])

    calls.close()
    assert result.status == 200, result.body
    assert calls.operations == ["Query"]
    attributes = result.data["attributes"]
    assert attributes["status"] == "scheduled"
    assert attributes["scheduled_at"] == "2027-03-03T15:00:00Z"
    assert attributes["ends_at"] == "2027-03-03T15:45:00Z"
    assert attributes["duration_minutes"] == 45
    assert attributes["property"] == {"id": world["property"], "address": "12 Harbour View Rd", "city": "Seattle"}
    assert attributes["call"]["status"] == "created"
    assert attributes["call"]["id"] == result.data["relationships"]["call"]["id"]
    assert [n["content"] for n in attributes["notes"]] == ["Lovely light", "Check the roof"]
    assert attributes["notes"][0]["user_id"] == world["buyer"].user_id
    assert attributes["notes"][0]["author_role"] == "buyer"
    assert attributes["notes"][0]["tag"] == "exterior"
    assert [h["note"] for h in attributes["highlights"]] == ["Renovated kitchen"]
    assert result.data["relationships"]["booking"]["id"] == world["booking"]
    for hidden in ("PK", "SK", "GSI1PK", "buyer_email", "realtor_email", "call_id"):
        assert hidden not in attributes


def test_notes_are_listed_oldest_first_for_both_participants(world, fake_clock):
    call("POST", f"/api/v1/realtors/tours/{world['tour']}/notes", caller=world["realtor"], body={"content": "First"})
    fake_clock.advance(minutes=1)
    call("POST", f"/api/v1/buyers/tours/{world['tour']}/notes", caller=world["buyer"], body={"content": "Second"})

    for path, caller in (("realtors", world["realtor"]), ("buyers", world["buyer"]), ("realtors", world["admin"])):
        listed = call("GET", f"/api/v1/{path}/tours/{world['tour']}/notes", caller=caller)
        assert listed.status == 200
        assert [n["attributes"]["content"] for n in listed.data] == ["First", "Second"]
        assert [n["attributes"]["author_role"] for n in listed.data] == ["realtor", "buyer"]
    notes = [i for i in items_under(f"TOUR#{world['tour']}") if i["SK"].startswith("NOTE#")]
    assert notes[0]["SK"].startswith("NOTE#2027-03-01T09:00:00Z#")


def test_every_invalid_note_names_its_field_and_writes_nothing(world):
    cases = [
        ({}, "content"),
        ({"content": ""}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 2001}, "content"),
        ({"content": "ok", "tag": "t" * 51}, "tag"),
        ({"content": "ok", "timestamp_ms": -1}, "timestamp_ms"),
        ({"content": "ok", "timestamp_ms": "10"}, "timestamp_ms"),
        ({"content": "ok", "timestamp_ms": 1.5}, "timestamp_ms"),
        ({"content": "ok", "author": "someone"}, "author"),
    ]
    for body, field in cases:
        result = call("POST", f"/api/v1/buyers/tours/{world['tour']}/notes", caller=world["buyer"], body=body)

        assert result.status == 422, (body, result.body)
        assert result.body["errors"][0]["field"] == field, body
    assert [i for i in items_under(f"TOUR#{world['tour']}") if i["SK"].startswith("NOTE#")] == []
    longest = call(
        "POST",
        f"/api/v1/buyers/tours/{world['tour']}/notes",
        caller=world["buyer"],
        body={"content": "x" * 2000, "tag": "t" * 50, "timestamp_ms": 0},
    )
    assert longest.status == 201


def test_a_cancelled_tour_takes_no_more_notes(world):
    call("DELETE", f"/api/v1/buyers/bookings/{world['booking']}", caller=world["buyer"])

    result = call("POST", f"/api/v1/buyers/tours/{world['tour']}/notes", caller=world["buyer"], body={"content": "x"})

    assert result.status == 409
    detail = call("GET", f"/api/v1/buyers/tours/{world['tour']}", caller=world["buyer"])
    assert detail.data["attributes"]["status"] == "cancelled"


# ---------------------------------------------------------------- lists


def test_upcoming_and_past_follow_the_clock(world, fake_clock, make_user):
    later = booked(world["buyer"], world["property"], at(days=5), 30)
    later_tour = confirmed(world["realtor"], later)
    stranger_booking = booked(make_user("buyer"), world["property"], at(days=8), 30)
    confirmed(world["realtor"], stranger_booking)

    def ids(path, caller, when):
        result = call("GET", path, caller=caller, query={"when": when} if when else None)
        assert result.status == 200, result.body
        return [t["id"] for t in result.data]

    assert ids("/api/v1/buyers/tours", world["buyer"], "upcoming") == [world["tour"], later_tour]
    assert ids("/api/v1/buyers/tours", world["buyer"], "past") == []
    assert len(ids("/api/v1/realtors/tours", world["realtor"], "upcoming")) == 3

    # Ten minutes into the first tour: it is still upcoming (not over), until it ends.
    fake_clock.advance(days=2, hours=6, minutes=10)
    assert ids("/api/v1/buyers/tours", world["buyer"], "upcoming") == [world["tour"], later_tour]
    fake_clock.advance(minutes=40)
    assert ids("/api/v1/buyers/tours", world["buyer"], "upcoming") == [later_tour]
    assert ids("/api/v1/buyers/tours", world["buyer"], "past") == [world["tour"]]
    assert ids("/api/v1/buyers/tours", world["buyer"], None) == [later_tour, world["tour"]]


def test_cancelled_tours_leave_the_upcoming_list(world):
    call("DELETE", f"/api/v1/buyers/bookings/{world['booking']}", caller=world["buyer"])

    upcoming = call("GET", "/api/v1/buyers/tours", caller=world["buyer"], query={"when": "upcoming"})
    cancelled = call("GET", "/api/v1/buyers/tours", caller=world["buyer"], query={"status": "cancelled"})

    assert upcoming.data == []
    assert [t["id"] for t in cancelled.data] == [world["tour"]]


def test_tour_lists_page_with_cursors_and_validate_filters(world):
    for day in (3, 4, 5, 6):
        confirmed(world["realtor"], booked(world["buyer"], world["property"], at(days=day)))

    first = call("GET", "/api/v1/realtors/tours", caller=world["realtor"], query={"limit": "2", "when": "upcoming"})
    cursor = first.body["meta"]["pagination"]["next_cursor"]
    second = call(
        "GET",
        "/api/v1/realtors/tours",
        caller=world["realtor"],
        query={"limit": "2", "when": "upcoming", "cursor": cursor},
    )
    third = call(
        "GET",
        "/api/v1/realtors/tours",
        caller=world["realtor"],
        query={"limit": "2", "when": "upcoming", "cursor": second.body["meta"]["pagination"]["next_cursor"]},
    )
    seen = [t["attributes"]["scheduled_at"][:10] for t in first.data + second.data + third.data]
    assert seen == ["2027-03-03", "2027-03-04", "2027-03-05", "2027-03-06", "2027-03-07"]

    other_query = call(
        "GET", "/api/v1/realtors/tours", caller=world["realtor"], query={"when": "past", "cursor": cursor}
    )
    assert other_query.status == 400
    for query, field in (({"when": "soon"}, "when"), ({"status": "done"}, "status"), ({"limit": "500"}, "limit")):
        result = call("GET", "/api/v1/buyers/tours", caller=world["buyer"], query=query)
        assert result.status == 422 and result.body["errors"][0]["field"] == field

    everything = call("GET", "/api/v1/admin/tours", caller=world["admin"])
    assert len(everything.data) == 5


# ---------------------------------------------------------------- admin


def test_an_admin_cancels_a_tour_and_its_booking_goes_with_it(world):
    world["outbox"].clear()

    result = call("DELETE", f"/api/v1/admin/tours/{world['tour']}", caller=world["admin"])

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "cancelled"
    booking = call("GET", f"/api/v1/buyers/bookings/{world['booking']}", caller=world["buyer"])
    assert booking.data["attributes"]["status"] == "cancelled"
    assert items_under(f"SLOT#REALTOR#{world['realtor'].user_id}") == []
    assert {tuple(m.to) for m in world["outbox"].sent} == {("bo@example.com",), ("rita@example.com",)}
    again = call("PUT", f"/api/v1/admin/tours/{world['tour']}", caller=world["admin"], body={"status": "cancelled"})
    assert again.status == 409 and again.error_codes == ["INVALID_TRANSITION"]


def test_an_admin_closes_a_tour_that_never_ended(world, fake_clock, chime_stub):
    not_started = call(
        "PUT", f"/api/v1/admin/tours/{world['tour']}", caller=world["admin"], body={"status": "completed"}
    )
    assert not_started.status == 409
    assert (
        not_started.body["errors"][0]["message"] == "a scheduled tour can only become: cancelled, in_progress, missed"
    )
    fake_clock.advance(days=2, hours=6)
    meeting = chime_stub.create_meeting(world["tour"])
    assert call("POST", f"/api/v1/realtors/tours/{world['tour']}/start", caller=world["realtor"]).status == 200
    fake_clock.advance(hours=3)  # nobody pressed end
    chime_stub.delete_meeting(meeting["MeetingId"])  # closing ends the meeting for everyone still in it

    closed = call("PUT", f"/api/v1/admin/tours/{world['tour']}", caller=world["admin"], body={"status": "completed"})

    assert closed.status == 200, closed.body
    assert closed.data["attributes"]["status"] == "completed"
    assert closed.data["attributes"]["ended_at"] == "2027-03-03T18:00:00Z"
    booking = call("GET", f"/api/v1/admin/bookings/{world['booking']}", caller=world["admin"])
    assert booking.data["attributes"]["status"] == "completed"
    [call_item] = [i for i in items_under(f"TOUR#{world['tour']}") if i["SK"] == "CALL"]
    assert (call_item["status"], call_item["ended_by"]) == ("ended", "closed_by_admin")
    for body in ({"status": "processing"}, {"status": "completed", "x": 1}, {}):
        invalid = call("PUT", f"/api/v1/admin/tours/{world['tour']}", caller=world["admin"], body=body)
        assert invalid.status == 422, body


def _tour_audit(tour_id: str) -> list[dict]:
    return boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=os.environ["AUDIT_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#tour#{tour_id}"}},
    )["Items"]


def test_an_admin_moves_a_tour_and_its_booking_moves_through_the_parties_checks(world):
    admin, old_tour = world["admin"], world["tour"]
    confirmed(world["realtor"], booked(world["buyer"], world["property"], at(days=3), 60))
    taken = call("PUT", f"/api/v1/admin/tours/{old_tour}", caller=admin, body={"scheduled_at": at(days=3, minutes=15)})
    assert taken.status == 409, taken.body  # the realtor has another tour then: the parties' own check
    assert call("GET", f"/api/v1/admin/tours/{old_tour}", caller=admin).data["attributes"]["status"] == "scheduled"
    world["outbox"].clear()

    moved = call(
        "PUT",
        f"/api/v1/admin/tours/{old_tour}",
        caller=admin,
        body={"scheduled_at": at(days=4, hours=1), "duration_minutes": 30},
    )

    assert moved.status == 200, moved.body
    new_tour = moved.data["id"]
    assert new_tour != old_tour
    assert moved.data["attributes"]["status"] == "scheduled"
    assert moved.data["attributes"]["scheduled_at"] == at(days=4, hours=1)
    assert call("GET", f"/api/v1/admin/tours/{old_tour}", caller=admin).data["attributes"]["status"] == "cancelled"
    booking = call("GET", f"/api/v1/buyers/bookings/{world['booking']}", caller=world["buyer"]).data
    assert booking["attributes"]["status"] == "confirmed"
    assert booking["attributes"]["scheduled_at"] == at(days=4, hours=1)
    assert booking["attributes"]["duration_minutes"] == 30
    assert booking["relationships"]["tour"]["id"] == new_tour
    assert "bo@example.com" in {m.to[0] for m in world["outbox"].sent}
    [audit] = [i for i in _tour_audit(old_tour) if i["action"]["S"] == "tour.moved"]
    details = audit["details"]["M"]
    assert audit["actor_id"]["S"] == admin.user_id and details["new_tour_id"]["S"] == new_tour
    assert details["before"]["M"]["scheduled_at"]["S"] == at(days=2, hours=6)
    assert details["after"]["M"]["scheduled_at"]["S"] == at(days=4, hours=1)
    assert details["after"]["M"]["duration_minutes"]["N"] == "30"


def test_an_admin_tour_edit_refuses_mixed_or_unknown_fields_and_a_started_tour_is_not_moved(
    world, chime_stub, fake_clock
):
    path = f"/api/v1/admin/tours/{world['tour']}"
    for body, field in (
        ({"status": "cancelled", "scheduled_at": at(days=5)}, None),
        ({"scheduled_at": "tomorrow"}, "scheduled_at"),
        ({"scheduled_at": at(days=5, minutes=7)}, "scheduled_at"),
        ({"duration_minutes": 7}, "duration_minutes"),
        ({"scheduled_at": None}, "scheduled_at"),
        ({"room": "kitchen"}, "room"),
    ):
        invalid = call("PUT", path, caller=world["admin"], body=body)
        assert invalid.status == 422, (body, invalid.body)
        if field:
            assert invalid.body["errors"][0]["field"] == field, body
    fake_clock.advance(days=2, hours=6)
    chime_stub.create_meeting(world["tour"])
    assert call("POST", f"/api/v1/realtors/tours/{world['tour']}/start", caller=world["realtor"]).status == 200
    started = call("PUT", path, caller=world["admin"], body={"scheduled_at": at(days=5)})
    assert started.status == 409 and started.error_codes == ["INVALID_TRANSITION"]


def test_the_sample_events_drive_the_handlers(world):
    import json

    from testkit.api import FakeLambdaContext, load_function
    from tests.support.template import ROOT

    handler = load_function("tours").lambda_handler
    for name, caller, status in (("tours_add_note", world["realtor"], 201), ("tours_get", world["buyer"], 200)):
        event = json.loads(
            (ROOT / "events" / f"{name}.json").read_text().replace("01JHX5C0D4E6F8G0H2J4K6M8N0", world["tour"])
        )
        event["requestContext"]["authorizer"].update(user_id=caller.user_id, principalId=caller.user_id)
        response = handler(event, FakeLambdaContext())
        assert response["statusCode"] == status, response["body"]
    detail = json.loads(response["body"])["data"]["attributes"]
    assert [n["tag"] for n in detail["notes"]] == ["roof"]


# ---------------------------------------------------------------- notes their authors manage


def _note_highlight(tour_id: str, note_id: str, ms: int, text: str, private_to: str | None = None) -> None:
    """A highlight as processing makes one of a note."""
    from realty.core.dynamo import to_item

    values = {
        "PK": f"TOUR#{tour_id}",
        "SK": f"HIGHLIGHT#{ms:010d}#01JNOTEHIGHLIGHT{ms:011d}",
        "entity": "highlight",
        "id": f"01JNOTEHIGHLIGHT{ms:011d}",
        "tour_id": tour_id,
        "timestamp_ms": ms,
        "note": text,
        "highlight_type": "feature",
        "source": "note",
        "note_id": note_id,
    }
    if private_to:
        values["private_to"] = private_to
    boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=os.environ["MAIN_TABLE"], Item=to_item(values))


def _note(world, side: str, **body) -> str:
    who = world["buyer"] if side == "buyers" else world["realtor"]
    added = call("POST", f"/api/v1/{side}/tours/{world['tour']}/notes", caller=who, body=body)
    assert added.status == 201, added.body
    return added.data["id"]


def test_an_author_edits_their_note_and_its_highlight_follows(world, fake_clock):
    from tests.support.calls import audit_items

    note_id = _note(world, "buyers", content="Lovely light", timestamp_ms=65_000, tag="light")
    _note_highlight(world["tour"], note_id, 65_000, "Lovely light")
    fake_clock.advance(minutes=5)

    edited = call(
        "PUT",
        f"/api/v1/buyers/tours/{world['tour']}/notes/{note_id}",
        caller=world["buyer"],
        body={"content": "Lovely light, small windows", "tag": None},
    )

    assert edited.status == 200, edited.body
    attributes = edited.data["attributes"]
    assert attributes["content"] == "Lovely light, small windows"
    assert attributes["tag"] is None
    assert attributes["timestamp_ms"] == 65_000
    assert attributes["updated_at"] == "2027-03-01T09:05:00Z"
    assert attributes["created_at"] == "2027-03-01T09:00:00Z"
    seen = call("GET", f"/api/v1/realtors/tours/{world['tour']}/highlights", caller=world["realtor"])
    assert [h["note"] for h in seen.data["attributes"]["highlights"]] == ["Lovely light, small windows"]
    listed = call("GET", f"/api/v1/realtors/tours/{world['tour']}/notes", caller=world["realtor"])
    assert [n["attributes"]["content"] for n in listed.data] == ["Lovely light, small windows"]
    audited = audit_items("tour.note_updated")
    assert len(audited) == 1
    assert audited[0]["actor_id"] == world["buyer"].user_id
    assert audited[0]["details"]["fields"] == ["content", "tag"]


def test_an_author_deletes_their_note_and_its_highlight(world):
    from tests.support.calls import audit_items

    note_id = _note(world, "realtors", content="Roof needs work", timestamp_ms=10_000)
    _note_highlight(world["tour"], note_id, 10_000, "Roof needs work")

    deleted = call("DELETE", f"/api/v1/realtors/tours/{world['tour']}/notes/{note_id}", caller=world["realtor"])

    assert deleted.status == 200, deleted.body
    assert deleted.data["attributes"]["content"] == "Roof needs work"
    left = [i["SK"] for i in items_under(f"TOUR#{world['tour']}") if i["SK"].startswith(("NOTE#", "HIGHLIGHT#"))]
    assert left == []
    assert len(audit_items("tour.note_deleted")) == 1
    again = call("DELETE", f"/api/v1/realtors/tours/{world['tour']}/notes/{note_id}", caller=world["realtor"])
    assert again.status == 404


def test_someone_elses_note_is_not_found_and_stays_as_it_was(world, make_user):
    note_id = _note(world, "buyers", content="Mine")
    stranger = make_user("buyer")
    attempts = [
        (world["realtor"], "realtors"),  # the other participant sees the note but may not change it
        (world["admin"], "realtors"),
        (stranger, "buyers"),
    ]
    for who, side in attempts:
        path = f"/api/v1/{side}/tours/{world['tour']}/notes/{note_id}"
        assert call("PUT", path, caller=who, body={"content": "Theirs"}).status == 404
        assert call("DELETE", path, caller=who).status == 404
    missing = call(
        "PUT",
        f"/api/v1/buyers/tours/{world['tour']}/notes/01JNOSUCHNOTE0000000000000",
        caller=world["buyer"],
        body={"content": "x"},
    )
    assert missing.status == 404
    notes = [i for i in items_under(f"TOUR#{world['tour']}") if i["SK"].startswith("NOTE#")]
    assert [n["content"] for n in notes] == ["Mine"]
    assert "updated_at" not in notes[0]


def test_every_invalid_note_edit_names_its_field_and_changes_nothing(world):
    note_id = _note(world, "buyers", content="Mine", timestamp_ms=5)
    path = f"/api/v1/buyers/tours/{world['tour']}/notes/{note_id}"
    cases = [
        ({"content": None}, "content"),
        ({"content": " "}, "content"),
        ({"visibility": None}, "visibility"),
        ({"visibility": "friends"}, "visibility"),
        ({"timestamp_ms": -1}, "timestamp_ms"),
        ({"author": "x"}, "author"),
    ]
    for body, field in cases:
        result = call("PUT", path, caller=world["buyer"], body=body)
        assert result.status == 422, (body, result.body)
        assert result.body["errors"][0]["field"] == field, body
    empty = call("PUT", path, caller=world["buyer"], body={})
    assert empty.status == 422, empty.body
    notes = [i for i in items_under(f"TOUR#{world['tour']}") if i["SK"].startswith("NOTE#")]
    assert notes[0]["content"] == "Mine" and "updated_at" not in notes[0]


def test_a_private_note_is_its_authors_alone(world, fake_clock):
    shared = _note(world, "buyers", content="Ask about the roof", timestamp_ms=1_000)
    fake_clock.advance(seconds=1)
    private = _note(world, "buyers", content="Too pricey for us", timestamp_ms=2_000, visibility="private")
    _note_highlight(world["tour"], shared, 1_000, "Ask about the roof")
    _note_highlight(world["tour"], private, 2_000, "Too pricey for us", private_to=world["buyer"].user_id)

    def seen_by(who, side):
        notes = call("GET", f"/api/v1/{side}/tours/{world['tour']}/notes", caller=who).data
        detail = call("GET", f"/api/v1/{side}/tours/{world['tour']}", caller=who).data["attributes"]
        highlights = call("GET", f"/api/v1/{side}/tours/{world['tour']}/highlights", caller=who).data["attributes"]
        return (
            [n["attributes"]["content"] for n in notes],
            [n["content"] for n in detail["notes"]],
            [h["note"] for h in detail["highlights"]],
            [h["note"] for h in highlights["highlights"]],
        )

    both = ["Ask about the roof", "Too pricey for us"]
    assert seen_by(world["buyer"], "buyers") == (both, both, both, both)
    only_shared = ["Ask about the roof"]
    for who, side in ((world["realtor"], "realtors"), (world["admin"], "realtors")):
        assert seen_by(who, side) == (only_shared, only_shared, only_shared, only_shared)

    # Made shared, it (and its highlight) reaches the realtor; made private again, it leaves.
    path = f"/api/v1/buyers/tours/{world['tour']}/notes/{private}"
    assert call("PUT", path, caller=world["buyer"], body={"visibility": "shared"}).status == 200
    assert seen_by(world["realtor"], "realtors")[3] == both
    assert call("PUT", path, caller=world["buyer"], body={"visibility": "private"}).status == 200
    assert seen_by(world["realtor"], "realtors") == (only_shared, only_shared, only_shared, only_shared)
