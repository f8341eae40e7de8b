"""Private calendar feeds: a revocable secret URL per user listing their confirmed tours as iCalendar,
fetched without any other authentication (as Google or Outlook would)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import icalendar
import pytest

from testkit.api import FakeLambdaContext, api_event, call, load_function, match_route
from tests.support.bookings import at, booked, confirmed, new_property


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor)}


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict:
        return json.loads(self.raw)


def _fetch(path: str) -> Fetched:
    """The public route as a calendar app reaches it: no Authorization, the raw body kept."""
    route, params = match_route(path, "GET")
    event = api_event("GET", path, resource=route.path, path_parameters=params)
    response = load_function(route.function_dir).lambda_handler(event, FakeLambdaContext())
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), values[0] if values else "")
    return Fetched(response["statusCode"], headers, response["body"].encode())


def test_each_side_subscribes_to_their_confirmed_tours_and_only_theirs(world, make_user):
    realtor, buyer, listing = world["realtor"], world["buyer"], world["property"]
    call("PUT", f"/api/v1/realtors/properties/{listing}", caller=realtor, body={"time_zone": "Europe/Berlin"})
    tour = booked(buyer, listing, at(days=2))
    confirmed(realtor, tour)
    booked(buyer, listing, at(days=3))  # pending: not in the feed
    other = make_user("buyer", email="cy@example.com")
    confirmed(realtor, booked(other, listing, at(days=4)))

    mine = call("POST", "/api/v1/buyers/calendar-feed", caller=buyer)
    assert mine.status == 201, mine.body
    path = mine.data["attributes"]["path"]
    assert mine.data["attributes"]["url"].endswith(path) and mine.data["attributes"]["url"].startswith("http")

    fetched = _fetch(path)
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(fetched.raw)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [f"{tour}@realtyforyou"]
    assert events[0].decoded("DTSTART").isoformat() == "2027-03-03T10:00:00+01:00"
    assert "METHOD" not in calendar

    realtors = call("POST", "/api/v1/realtors/calendar-feed", caller=realtor).data["attributes"]["path"]
    assert len(list(icalendar.Calendar.from_ical(_fetch(realtors).raw).walk("VEVENT"))) == 2


def test_a_new_url_or_a_revocation_ends_the_old_one(world):
    buyer = world["buyer"]
    first = call("POST", "/api/v1/buyers/calendar-feed", caller=buyer).data["attributes"]["path"]
    second = call("POST", "/api/v1/buyers/calendar-feed", caller=buyer).data["attributes"]["path"]
    assert first != second
    assert _fetch(first).status == 404
    assert _fetch(second).status == 200

    revoked = call("DELETE", "/api/v1/buyers/calendar-feed", caller=buyer)
    assert revoked.status == 200 and revoked.data["attributes"]["active"] is False
    assert _fetch(second).status == 404
    assert call("DELETE", "/api/v1/buyers/calendar-feed", caller=buyer).status == 404


@pytest.mark.parametrize("token", ["nope", "x" * 43, "..%2F..%2Fetc%2Fpasswd", "A" * 200])
def test_unknown_tokens_are_a_404_envelope(world, token):
    result = _fetch(f"/api/v1/calendar-feeds/{token}")
    assert result.status == 404
    assert result.body["errors"][0]["code"] == "NOT_FOUND"


def test_roles_hold_on_the_feed_routes(world):
    assert call("POST", "/api/v1/realtors/calendar-feed", caller=world["buyer"]).status == 403
    assert call("POST", "/api/v1/buyers/calendar-feed", caller=world["realtor"]).status == 403
