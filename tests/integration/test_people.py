"""People, not ids: bookings and tours show both participants by name (and avatar), and contact
details only to those allowed (the realtor: the buyer's email and phone once a booking exists; the
buyer: the realtor's phone once it is confirmed; admins: everything; nobody else)."""

from __future__ import annotations

import pytest

from testkit.api import call
from tests.support.bookings import at, booked, new_property


@pytest.fixture
def people(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    for who, phone in ((realtor, "+14155550100"), (buyer, "+14155550111")):
        assert call("PUT", "/api/v1/auth/me", caller=who, body={"phone": phone}).status == 200
    property_id = new_property(realtor)
    return {"realtor": realtor, "buyer": buyer, "admin": make_user("admin"), "property": property_id}


RITA = {"id": None, "name": "Rita Realtor", "avatar_url": None}
BO = {"id": None, "name": "Bo Buyer", "avatar_url": None}


def _who(people, realtor: dict, buyer: dict) -> dict:
    return {
        "realtor": {**RITA, "id": people["realtor"].user_id, "email": None, "phone": None, **realtor},
        "buyer": {**BO, "id": people["buyer"].user_id, "email": None, "phone": None, **buyer},
    }


def _people_of(result) -> dict:
    assert result.status == 200, result.body
    return {side: result.data["attributes"][side] for side in ("realtor", "buyer")}


def test_a_pending_booking_shows_the_buyer_to_the_realtor_and_keeps_the_realtors_phone(people):
    booking_id = booked(people["buyer"], people["property"], at(days=2))
    bo_contact = {"email": "bo@example.com", "phone": "+14155550111"}

    as_realtor = _people_of(call("GET", f"/api/v1/realtors/bookings/{booking_id}", caller=people["realtor"]))
    as_buyer = _people_of(call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=people["buyer"]))
    listed = call("GET", "/api/v1/realtors/bookings", caller=people["realtor"])

    assert as_realtor == _who(people, {"email": "rita@example.com", "phone": "+14155550100"}, bo_contact)
    assert as_buyer == _who(people, {}, bo_contact)
    assert listed.data[0]["attributes"]["buyer"] == as_realtor["buyer"]


def test_once_confirmed_the_buyer_sees_the_realtors_phone_on_the_booking_and_the_tour(people):
    booking_id = booked(people["buyer"], people["property"], at(days=2))
    confirmed = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=people["realtor"])
    assert confirmed.status == 200, confirmed.body
    tour_id = confirmed.data["relationships"]["tour"]["id"]
    bo_contact = {"email": "bo@example.com", "phone": "+14155550111"}

    booking = _people_of(call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=people["buyer"]))
    tour = _people_of(call("GET", f"/api/v1/buyers/tours/{tour_id}", caller=people["buyer"]))
    tours = call("GET", "/api/v1/buyers/tours", caller=people["buyer"])
    realtor_tour = _people_of(call("GET", f"/api/v1/realtors/tours/{tour_id}", caller=people["realtor"]))
    admin_tour = _people_of(call("GET", f"/api/v1/admin/tours/{tour_id}", caller=people["admin"]))

    expected = _who(people, {"phone": "+14155550100"}, bo_contact)
    assert booking == expected
    assert tour == expected
    assert tours.data[0]["attributes"]["realtor"] == expected["realtor"]
    assert realtor_tour == _who(people, {"email": "rita@example.com", "phone": "+14155550100"}, bo_contact)
    assert admin_tour == realtor_tour


def test_an_admin_sees_every_contact_detail_and_nobody_else_sees_the_booking(people, make_user):
    booking_id = booked(people["buyer"], people["property"], at(days=2))

    as_admin = _people_of(call("GET", f"/api/v1/admin/bookings/{booking_id}", caller=people["admin"]))
    stranger = call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=make_user("buyer"))

    assert as_admin == _who(
        people,
        {"email": "rita@example.com", "phone": "+14155550100"},
        {"email": "bo@example.com", "phone": "+14155550111"},
    )
    assert stranger.status == 404


def test_a_profile_edit_reaches_the_copies_on_bookings_and_tours(people):
    """Reads stay one DynamoDB call because bookings and tours carry copies; an edit refreshes them."""
    booking_id = booked(people["buyer"], people["property"], at(days=2))
    tour_id = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=people["realtor"]).data[
        "relationships"
    ]["tour"]["id"]
    pending_id = booked(people["buyer"], people["property"], at(days=3))

    edited = call("PUT", "/api/v1/auth/me", caller=people["buyer"], body={"full_name": "Bo Renamed", "phone": ""})
    renamed = call(
        "PUT",
        f"/api/v1/admin/users/{people['realtor'].user_id}",
        caller=people["admin"],
        body={"full_name": "Rita Renamed"},
    )

    assert edited.status == 200 and renamed.status == 200, (edited.body, renamed.body)
    for path in (f"bookings/{booking_id}", f"bookings/{pending_id}", f"tours/{tour_id}"):
        shown = _people_of(call("GET", f"/api/v1/realtors/{path}", caller=people["realtor"]))
        assert shown["buyer"]["name"] == "Bo Renamed", path
        assert shown["buyer"]["phone"] is None, path
        assert shown["realtor"]["name"] == "Rita Renamed", path
    listed = call("GET", "/api/v1/buyers/tours", caller=people["buyer"])
    assert listed.data[0]["attributes"]["realtor"]["name"] == "Rita Renamed"


def test_a_listing_shows_its_realtor_by_name_without_contact_details(people):
    listed = call("GET", f"/api/v1/buyers/properties/{people['property']}", caller=people["buyer"])
    assert listed.status == 200, listed.body
    assert listed.data["attributes"]["realtor"] == {
        **RITA,
        "id": people["realtor"].user_id,
        "email": None,
        "phone": None,
    }

    call("PUT", "/api/v1/auth/me", caller=people["realtor"], body={"full_name": "Rita Renamed"})

    again = call("GET", f"/api/v1/buyers/properties/{people['property']}", caller=people["buyer"])
    assert again.data["attributes"]["realtor"]["name"] == "Rita Renamed"


def test_a_call_names_both_participants_and_follows_their_profiles(people):
    booking_id = booked(people["buyer"], people["property"], at(days=2))
    confirmed = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=people["realtor"])
    tour_id = confirmed.data["relationships"]["tour"]["id"]
    call_id = call("GET", f"/api/v1/buyers/tours/{tour_id}", caller=people["buyer"]).data["attributes"]["call"]["id"]

    shown = _people_of(call("GET", f"/api/v1/buyers/calls/{call_id}", caller=people["buyer"]))
    assert shown == _who(people, {}, {})

    call("PUT", "/api/v1/auth/me", caller=people["buyer"], body={"full_name": "Bo Renamed"})

    again = _people_of(call("GET", f"/api/v1/realtors/calls/{call_id}", caller=people["realtor"]))
    assert again["buyer"]["name"] == "Bo Renamed"
    assert again["buyer"]["email"] is None and again["buyer"]["phone"] is None


def test_a_new_avatar_shows_on_the_listing_booking_tour_and_call(people):
    from tests.integration.test_admin import jpeg, upload_avatar

    booking_id = booked(people["buyer"], people["property"], at(days=2))
    confirmed = call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=people["realtor"])
    tour_id = confirmed.data["relationships"]["tour"]["id"]

    assert upload_avatar(people["admin"], people["realtor"].user_id, jpeg(600, 600)) == "ready"

    avatar_path = f"media/avatars/{people['realtor'].user_id}/"
    tour = call("GET", f"/api/v1/buyers/tours/{tour_id}", caller=people["buyer"]).data["attributes"]
    call_id = tour["call"]["id"]
    shown = [
        tour["realtor"],
        call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=people["buyer"]).data["attributes"]["realtor"],
        call("GET", f"/api/v1/buyers/calls/{call_id}", caller=people["buyer"]).data["attributes"]["realtor"],
        call("GET", f"/api/v1/buyers/properties/{people['property']}", caller=people["buyer"]).data["attributes"][
            "realtor"
        ],
    ]
    assert all(avatar_path in (person["avatar_url"] or "") for person in shown), shown
