"""Who may call each booking route, on whose booking: role checks (403) and object checks (404).

For every route: the booking's buyer, another buyer, the property's realtor, another realtor and an
admin each act on a fresh pending booking; a refused call leaves the booking exactly as it was.
"""

from __future__ import annotations

import pytest

from realty.core.auth import Role
from testkit.api import call
from tests.support.bookings import at, booked, items_under, new_property

ACTORS = ("buyer", "other_buyer", "realtor", "other_realtor", "admin")
BUYER_SIDE = {"buyer": 200, "other_buyer": 404, "realtor": 403, "other_realtor": 403, "admin": 200}
REALTOR_SIDE = {"buyer": 403, "other_buyer": 403, "realtor": 200, "other_realtor": 404, "admin": 200}
ADMIN_ONLY = {"buyer": 403, "other_buyer": 403, "realtor": 403, "other_realtor": 403, "admin": 200}

ROUTES = [
    ("GET", "/api/v1/buyers/bookings/{id}", None, BUYER_SIDE),
    ("PUT", "/api/v1/buyers/bookings/{id}", {"notes": "changed"}, BUYER_SIDE),
    ("DELETE", "/api/v1/buyers/bookings/{id}", None, BUYER_SIDE),
    ("GET", "/api/v1/realtors/bookings/{id}", None, REALTOR_SIDE),
    ("PUT", "/api/v1/realtors/bookings/{id}", {"notes": "changed"}, REALTOR_SIDE),
    ("DELETE", "/api/v1/realtors/bookings/{id}", None, REALTOR_SIDE),
    ("PUT", "/api/v1/realtors/bookings/{id}/confirm", None, REALTOR_SIDE),
    ("PUT", "/api/v1/realtors/bookings/{id}/decline", {"reason": "Not that day"}, REALTOR_SIDE),
    ("GET", "/api/v1/admin/bookings/{id}", None, ADMIN_ONLY),
    ("PUT", "/api/v1/admin/bookings/{id}", {"notes": "changed"}, ADMIN_ONLY),
    ("DELETE", "/api/v1/admin/bookings/{id}", None, ADMIN_ONLY),
]


@pytest.fixture
def people(make_user, fake_clock, outbox):
    realtor = make_user(Role.REALTOR)
    return {
        "buyer": make_user(Role.BUYER),
        "other_buyer": make_user(Role.BUYER),
        "realtor": realtor,
        "other_realtor": make_user(Role.REALTOR),
        "admin": make_user(Role.ADMIN),
        "property": new_property(realtor),
    }


def _stored(booking_id: str) -> dict:
    [item] = items_under(f"BOOKING#{booking_id}")
    return item


@pytest.mark.parametrize(("method", "path", "body", "expected"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_each_booking_route_answers_only_the_right_people(people, method, path, body, expected):
    for day, actor in enumerate(ACTORS, start=1):
        booking_id = booked(people["buyer"], people["property"], at(days=day))
        before = _stored(booking_id)

        result = call(method, path.format(id=booking_id), caller=people[actor], body=body)

        assert result.status == expected[actor], (actor, result.body)
        if result.status == 200:
            assert result.data["id"] == booking_id
        else:
            assert result.error_codes == ["NOT_FOUND" if result.status == 404 else "FORBIDDEN"]
            assert _stored(booking_id) == before, actor


@pytest.mark.parametrize("path", ["/api/v1/buyers/bookings/{id}", "/api/v1/realtors/bookings/{id}"])
def test_an_unknown_or_malformed_id_is_a_404(people, path):
    for booking_id in ("01JZZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id"):
        owner = people["buyer"] if "buyers" in path else people["realtor"]
        result = call("GET", path.format(id=booking_id), caller=owner)
        assert result.status == 404, booking_id


def test_lists_show_each_person_only_their_own(people):
    booked(people["buyer"], people["property"], at(days=2))
    expected = {
        "/api/v1/buyers/bookings": {"buyer": 1, "other_buyer": 0, "realtor": 403, "other_realtor": 403, "admin": 0},
        "/api/v1/realtors/bookings": {"buyer": 403, "other_buyer": 403, "realtor": 1, "other_realtor": 0, "admin": 0},
        "/api/v1/admin/bookings": {"buyer": 403, "other_buyer": 403, "realtor": 403, "other_realtor": 403, "admin": 1},
    }
    for path, by_actor in expected.items():
        for actor, outcome in by_actor.items():
            result = call("GET", path, caller=people[actor])
            if outcome == 403:
                assert result.status == 403, (path, actor)
            else:
                assert result.status == 200, (path, actor, result.body)
                assert len(result.data) == outcome, (path, actor)


def test_only_buyers_request_tours(people):
    body = {"property_id": people["property"], "scheduled_at": at(days=2)}
    outcomes = {
        actor: call("POST", "/api/v1/buyers/bookings", caller=people[actor], body=body).status for actor in ACTORS
    }

    assert outcomes == {"buyer": 201, "other_buyer": 201, "realtor": 403, "other_realtor": 403, "admin": 403}
    assert call("POST", "/api/v1/buyers/bookings", body=body).status == 401


def test_booking_a_withdrawn_listing_answers_exactly_like_a_missing_one(people):
    withdrawn = new_property(people["other_realtor"], status="inactive")
    missing = "01JAAAAAAAAAAAAAAAAAAAAAAA"

    answers = [
        call(
            "POST",
            "/api/v1/buyers/bookings",
            caller=people["buyer"],
            body={"property_id": property_id, "scheduled_at": at(days=2)},
        )
        for property_id in (withdrawn, missing)
    ]

    assert [a.status for a in answers] == [404, 404]
    assert answers[0].body["errors"] == answers[1].body["errors"]
    assert call("GET", "/api/v1/buyers/bookings", caller=people["buyer"]).data == []
    # A listing that is visible but not open for tours (sold) still says why.
    sold = new_property(people["other_realtor"], status="sold")
    result = call(
        "POST",
        "/api/v1/buyers/bookings",
        caller=people["buyer"],
        body={"property_id": sold, "scheduled_at": at(days=2)},
    )
    assert result.status == 422 and result.body["errors"][0]["field"] == "property_id"
