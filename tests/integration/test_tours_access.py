"""Who may call each tour route, on whose tour: role checks (403) and object checks (404)."""

from __future__ import annotations

import pytest

from realty.core.auth import Role
from testkit.api import call
from tests.support.bookings import (
    at,
    booked,
    confirmed,
    items_under,
    new_property,
)

ACTORS = ("buyer", "other_buyer", "realtor", "other_realtor", "admin")
BUYER_SIDE = {"buyer": 200, "other_buyer": 404, "realtor": 403, "other_realtor": 403, "admin": 200}
REALTOR_SIDE = {"buyer": 403, "other_buyer": 403, "realtor": 200, "other_realtor": 404, "admin": 200}
ADMIN_ONLY = {"buyer": 403, "other_buyer": 403, "realtor": 403, "other_realtor": 403, "admin": 200}


def _created(expected: dict[str, int]) -> dict[str, int]:
    return {actor: 201 if status == 200 else status for actor, status in expected.items()}


NOTE = {"content": "Ask about the boiler", "timestamp_ms": 1000}
ROUTES = [
    ("GET", "/api/v1/realtors/tours/{id}", None, REALTOR_SIDE),
    ("GET", "/api/v1/realtors/tours/{id}/notes", None, REALTOR_SIDE),
    ("POST", "/api/v1/realtors/tours/{id}/notes", NOTE, _created(REALTOR_SIDE)),
    ("GET", "/api/v1/buyers/tours/{id}", None, BUYER_SIDE),
    ("GET", "/api/v1/buyers/tours/{id}/notes", None, BUYER_SIDE),
    ("POST", "/api/v1/buyers/tours/{id}/notes", NOTE, _created(BUYER_SIDE)),
    ("GET", "/api/v1/admin/tours/{id}", None, ADMIN_ONLY),
    ("PUT", "/api/v1/admin/tours/{id}", {"status": "cancelled"}, ADMIN_ONLY),
    ("DELETE", "/api/v1/admin/tours/{id}", None, ADMIN_ONLY),
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


@pytest.mark.parametrize(("method", "path", "body", "expected"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_each_tour_route_answers_only_the_right_people(people, method, path, body, expected):
    for day, actor in enumerate(ACTORS, start=1):
        tour_id = confirmed(people["realtor"], booked(people["buyer"], people["property"], at(days=day)))
        before = items_under(f"TOUR#{tour_id}")

        result = call(method, path.format(id=tour_id), caller=people[actor], body=body)

        assert result.status == expected[actor], (actor, result.body)
        if result.status >= 400:
            assert result.error_codes == ["NOT_FOUND" if result.status == 404 else "FORBIDDEN"]
            assert items_under(f"TOUR#{tour_id}") == before, actor


def test_unknown_and_malformed_tour_ids_are_404(people):
    for tour_id in ("01JZZZZZZZZZZZZZZZZZZZZZZZ", "nope"):
        for path in ("/api/v1/realtors/tours/{id}", "/api/v1/realtors/tours/{id}/notes"):
            assert call("GET", path.format(id=tour_id), caller=people["realtor"]).status == 404


def test_tour_lists_show_each_person_only_their_own(people):
    confirmed(people["realtor"], booked(people["buyer"], people["property"], at(days=2)))
    expected = {
        "/api/v1/buyers/tours": {"buyer": 1, "other_buyer": 0, "realtor": 403, "other_realtor": 403, "admin": 0},
        "/api/v1/realtors/tours": {"buyer": 403, "other_buyer": 403, "realtor": 1, "other_realtor": 0, "admin": 0},
        "/api/v1/admin/tours": {"buyer": 403, "other_buyer": 403, "realtor": 403, "other_realtor": 403, "admin": 1},
    }
    for path, by_actor in expected.items():
        for actor, outcome in by_actor.items():
            result = call("GET", path, caller=people[actor])
            if outcome == 403:
                assert result.status == 403, (path, actor)
            else:
                assert result.status == 200, (path, actor, result.body)
                assert len(result.data) == outcome, (path, actor)
