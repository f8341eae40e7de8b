"""Admins change any booking's time, length, notes and status through the parties' own rules."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest

from testkit.api import call
from tests.support.bookings import at, booked, confirmed, new_property


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    admin = make_user("admin", email="ada@example.com", full_name="Ada Admin")
    return {"realtor": realtor, "buyer": buyer, "admin": admin, "property": new_property(realtor), "outbox": outbox}


def _edit(world: dict[str, Any], booking_id: str, body: dict[str, Any]) -> Any:
    return call("PUT", f"/api/v1/admin/bookings/{booking_id}", caller=world["admin"], body=body)


def _audited(booking_id: str, action: str) -> dict[str, Any]:
    """The one audit item of this action on the booking (the fake clock stamps them all alike)."""
    (item,) = [i for i in _audit(booking_id) if i["action"]["S"] == action]
    return item


def _audit(booking_id: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=os.environ["AUDIT_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#booking#{booking_id}"}},
    )["Items"]
    return list(items)


def _plain(attribute: dict[str, Any]) -> Any:
    (kind, value), *_ = attribute.items()
    if kind == "M":
        return {k: _plain(v) for k, v in value.items()}
    return int(value) if kind == "N" else value


def test_an_admin_confirms_a_pending_booking_as_its_realtor_would(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2), 30)

    done = _edit(world, booking_id, {"status": "confirmed"})

    assert done.status == 200, done.body
    assert done.data["attributes"]["status"] == "confirmed"
    assert done.data["relationships"]["tour"]["id"]
    last = _audited(booking_id, "booking.confirmed")
    assert last["actor_id"]["S"] == world["admin"].user_id
    assert _plain(last["details"]["M"]["before"]) == {"status": "pending"}
    assert _plain(last["details"]["M"]["after"]) == {"status": "confirmed"}
    # The same transitions as the realtor's: confirming twice is a conflict.
    assert _edit(world, booking_id, {"status": "confirmed"}).status == 409


def test_an_admin_confirmation_meets_the_same_conflict_checks(world, make_user):
    first = booked(world["buyer"], world["property"], at(days=2), 30)
    other = booked(make_user("buyer"), world["property"], at(days=2, minutes=15), 30)
    confirmed(world["realtor"], first)

    clash = _edit(world, other, {"status": "confirmed"})

    assert clash.status == 409, clash.body
    assert call("GET", f"/api/v1/admin/bookings/{other}", caller=world["admin"]).data["attributes"]["status"] == (
        "pending"
    )


def test_an_admin_declines_with_a_reason_and_cancels_with_before_and_after(world):
    pending = booked(world["buyer"], world["property"], at(days=2), 30)
    no_reason = _edit(world, pending, {"status": "declined"})
    assert no_reason.status == 422 and no_reason.body["errors"][0]["field"] == "reason"
    declined = _edit(world, pending, {"status": "declined", "reason": "The house is sold"})
    assert declined.status == 200 and declined.data["attributes"]["status"] == "declined"
    assert _plain(_audited(pending, "booking.declined")["details"]["M"]["after"]) == {"status": "declined"}

    other = booked(world["buyer"], world["property"], at(days=3), 30)
    confirmed(world["realtor"], other)
    cancelled = _edit(world, other, {"status": "cancelled"})
    assert cancelled.status == 200 and cancelled.data["attributes"]["status"] == "cancelled"
    last = _audited(other, "booking.cancelled")
    assert last["actor_id"]["S"] == world["admin"].user_id
    assert _plain(last["details"]["M"]["before"]) == {"status": "confirmed"}
    assert _plain(last["details"]["M"]["after"]) == {"status": "cancelled"}
    # A finished booking cannot come back.
    assert _edit(world, other, {"status": "confirmed"}).status == 409


def test_an_admin_reschedule_and_notes_are_audited_with_before_and_after(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2), 30)
    confirmed(world["realtor"], booking_id)

    notes = _edit(world, booking_id, {"notes": "Gate code 1234"})
    assert notes.status == 200 and notes.data["attributes"]["status"] == "confirmed"
    assert _plain(_audited(booking_id, "booking.updated")["details"]["M"]["after"]) == {"notes": "Gate code 1234"}

    moved = _edit(world, booking_id, {"scheduled_at": at(days=4), "duration_minutes": 60})
    assert moved.status == 200, moved.body
    assert moved.data["attributes"]["status"] == "pending"
    last = _audited(booking_id, "booking.rescheduled")
    before, after = _plain(last["details"]["M"]["before"]), _plain(last["details"]["M"]["after"])
    assert before == {"scheduled_at": at(days=2), "duration_minutes": 30, "status": "confirmed"}
    assert after == {"scheduled_at": at(days=4), "duration_minutes": 60, "status": "pending"}


def test_bad_admin_edits_name_their_field_and_change_nothing(world):
    booking_id = booked(world["buyer"], world["property"], at(days=2), 30)
    before = call("GET", f"/api/v1/admin/bookings/{booking_id}", caller=world["admin"]).data
    for body, field, status in [
        ({"status": "completed"}, "status", 422),
        ({"status": None}, "status", 422),
        ({"status": "confirmed", "notes": "x"}, "status", 422),
        ({"status": "cancelled", "reason": "why"}, "reason", 422),
        ({"reason": "why"}, "reason", 422),
        ({"colour": "red"}, "colour", 422),
    ]:
        result = _edit(world, booking_id, body)
        assert result.status == status, (body, result.body)
        assert field in str(result.body["errors"][0].get("field")), (body, result.body)
    assert call("GET", f"/api/v1/admin/bookings/{booking_id}", caller=world["admin"]).data == before
    assert [i["action"]["S"] for i in _audit(booking_id)] == ["booking.created"]
    assert _edit(world, "01J00000000000000000000000", {"status": "cancelled"}).status == 404
    assert (
        call(
            "PUT", f"/api/v1/admin/bookings/{booking_id}", caller=world["realtor"], body={"status": "cancelled"}
        ).status
        == 403
    )
