"""A realtor deactivated or deleted by an admin: listings inactive, future bookings cancelled with the
buyers emailed, everything audited; a cascade that fails halfway is finished by sending the request again."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from testkit.api import call
from tests.support.bookings import at, booked, confirmed, items_under, new_property, schedules
from tests.support.calls import audit_items

CANCELLED = "Tour cancelled: 12 Harbour View Rd"


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    other_realtor = make_user("realtor", email="omar@example.com", full_name="Omar Other")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    admin = make_user("admin", email="ada@example.com")
    house, flat = new_property(realtor), new_property(realtor, address="3 Pier St")
    sold = new_property(realtor, address="9 Sold Ave", status="sold")
    elsewhere = new_property(other_realtor, address="1 Other Rd")
    pending = booked(buyer, house, at(days=2))
    confirmed_id = booked(buyer, flat, at(days=3))
    tour_id = confirmed(realtor, confirmed_id)
    untouched = booked(buyer, elsewhere, at(days=2))
    outbox.clear()
    return {
        "realtor": realtor,
        "buyer": buyer,
        "admin": admin,
        "listings": (house, flat),
        "sold": sold,
        "elsewhere": elsewhere,
        "bookings": (pending, confirmed_id),
        "tour_id": tour_id,
        "untouched": untouched,
        "outbox": outbox,
    }


def _status(kind: str, item_id: str) -> str:
    pk = {"property": f"PROPERTY#{item_id}", "booking": f"BOOKING#{item_id}", "tour": f"TOUR#{item_id}"}[kind]
    [item] = [i for i in items_under(pk) if i["SK"] == kind.upper()]
    return str(item["status"])


def _deactivate(world):
    return call("PUT", f"/api/v1/admin/users/{world['realtor'].user_id}", caller=world["admin"], body={"active": False})


def _all_closed(world) -> None:
    assert [_status("property", p) for p in world["listings"]] == ["inactive", "inactive"]
    assert _status("property", world["sold"]) == "sold"
    assert [_status("booking", b) for b in world["bookings"]] == ["cancelled", "cancelled"]
    assert _status("tour", world["tour_id"]) == "cancelled"
    assert not [n for n in schedules() if any(b in n for b in world["bookings"])]
    # Another realtor's listing and booking are not touched.
    assert _status("property", world["elsewhere"]) == "active"
    assert _status("booking", world["untouched"]) == "pending"


def test_deactivating_a_realtor_closes_their_listings_and_cancels_their_future_bookings(world):
    result = _deactivate(world)

    assert result.status == 200, result.body
    assert result.data["attributes"]["status"] == "deactivated"
    _all_closed(world)
    assert world["outbox"].subjects("bo@example.com") == [CANCELLED, "Tour cancelled: 3 Pier St"]
    [audit] = audit_items("user.offboarded")
    assert audit["actor_id"] == world["admin"].user_id
    assert sorted(audit["details"]["listings_deactivated"]) == sorted(world["listings"])
    assert sorted(audit["details"]["bookings_cancelled"]) == sorted(world["bookings"])
    assert len(audit_items("booking.cancelled")) == 2
    # Buyers no longer find the listings.
    browse = call("GET", "/api/v1/buyers/properties", caller=world["buyer"])
    assert [p["id"] for p in browse.data] == [world["elsewhere"]]


def test_a_cascade_that_fails_halfway_is_finished_by_sending_the_request_again(world, monkeypatch):
    from realty.bookings import service as bookings

    real_cancel = bookings.cancel_booking
    failing = {world["bookings"][1]}

    def flaky_cancel(caller, booking_id):
        if booking_id in failing:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems")
        return real_cancel(caller, booking_id)

    monkeypatch.setattr(bookings, "cancel_booking", flaky_cancel)

    first = _deactivate(world)

    assert first.status == 503, first.body
    assert first.error_codes == ["OFFBOARDING_INCOMPLETE"]
    assert first.body["errors"][0]["details"]["still_open"] == [f"booking:{world['bookings'][1]}"]
    # The user's status was written first, and everything else that could be closed was.
    shown = call("GET", f"/api/v1/admin/users/{world['realtor'].user_id}", caller=world["admin"])
    assert shown.data["attributes"]["status"] == "deactivated"
    assert [_status("booking", b) for b in world["bookings"]] == ["cancelled", "confirmed"]
    assert len(audit_items("user.offboarding_incomplete")) == 1

    failing.clear()
    again = _deactivate(world)

    assert again.status == 200, again.body
    _all_closed(world)
    # Nothing done twice: one cancellation email per booking, one cancellation audit per booking.
    assert world["outbox"].subjects("bo@example.com") == [CANCELLED, "Tour cancelled: 3 Pier St"]
    assert len(audit_items("booking.cancelled")) == 2
    [done] = audit_items("user.offboarded")
    assert done["details"]["bookings_cancelled"] == [world["bookings"][1]]


def test_deleting_a_realtor_closes_the_same_things_and_a_second_delete_is_still_a_conflict(world):
    deleted = call("DELETE", f"/api/v1/admin/users/{world['realtor'].user_id}", caller=world["admin"])

    assert deleted.status == 200, deleted.body
    _all_closed(world)
    again = call("DELETE", f"/api/v1/admin/users/{world['realtor'].user_id}", caller=world["admin"])
    assert again.status == 409
    assert len(audit_items("user.offboarded")) == 1


def test_deactivating_a_buyer_cancels_nothing(world):
    result = call("PUT", f"/api/v1/admin/users/{world['buyer'].user_id}", caller=world["admin"], body={"active": False})

    assert result.status == 200, result.body
    assert _status("booking", world["bookings"][1]) == "confirmed"
    assert _status("booking", world["untouched"]) == "pending"
    assert world["outbox"].sent == []
