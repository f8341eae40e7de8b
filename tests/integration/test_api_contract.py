"""Regressions from fuzzing the API (tests/fuzz): each answer here was once a 5xx, an undocumented
status or a body that broke its documented schema. Bodies are checked against docs/openapi.json
itself, the document clients are generated from."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest

from testkit.api import ApiResult, call
from tests.support.bookings import at, confirmed, new_property
from tools.functions import ROOT
from tools.template import resources


@cache
def _document() -> dict[str, Any]:
    return dict(json.loads((ROOT / "docs" / "openapi.json").read_text()))


def _problems(schema: dict[str, Any], body: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator({**schema, "components": _document()["components"]})
    return sorted(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)
    )


def assert_documented(method: str, route: str, result: ApiResult) -> None:
    """The status is one docs/openapi.json lists for the route, and the body is that status's schema."""
    responses = _document()["paths"][route][method.lower()]["responses"]
    assert str(result.status) in responses, f"{method} {route} answered {result.status}, documented {sorted(responses)}"
    schema = responses[str(result.status)]["content"]["application/json"]["schema"]
    assert _problems(schema, result.body) == []


# ---------------------------------------------------------------- API Gateway's own answers


def _gateway_responses() -> dict[str, Any]:
    (api,) = resources("AWS::Serverless::Api").values()
    return dict(api["Properties"]["GatewayResponses"])


@pytest.mark.parametrize("response_type", sorted(_gateway_responses()))
def test_gateway_responses_are_the_documented_error_envelope(response_type):
    # Found: the authorizer's 401 had no meta.timestamp (Gateway Responses cannot make an ISO time)
    # while the documented error envelope required one.
    template = _gateway_responses()[response_type]["ResponseTemplates"]["application/json"]
    body = json.loads(template.replace("$context.requestId", "c0ffee00-0000-4000-8000-000000000000"))

    assert body["success"] is False and body["errors"]
    assert _problems({"$ref": "#/components/schemas/ErrorEnvelope"}, body) == []


# ---------------------------------------------------------------- created and accepted


@pytest.fixture
def people(make_user, fake_clock, outbox):
    return {role: make_user(role) for role in ("realtor", "buyer", "admin")}


def test_created_resources_answer_the_documented_201(people):
    # Found: these routes answered 201 while the document said 200, so generated clients saw an
    # undocumented status.
    realtor, buyer, admin = people["realtor"], people["buyer"], people["admin"]
    listing = {"address": "1 Contract Way", "city": "Austin", "price": 1, "bedrooms": 1, "bathrooms": 1, "sqft": 1}
    created = call("POST", "/api/v1/realtors/properties", caller=realtor, body=listing)
    assert_documented("POST", "/api/v1/realtors/properties", created)
    property_id = created.data["id"]

    booking = call(
        "POST",
        "/api/v1/buyers/bookings",
        caller=buyer,
        body={"property_id": property_id, "scheduled_at": at(days=1), "duration_minutes": 30},
    )
    assert_documented("POST", "/api/v1/buyers/bookings", booking)
    tour_id = confirmed(realtor, booking.data["id"])

    for role, caller in (("realtors", realtor), ("buyers", buyer)):
        note = call("POST", f"/api/v1/{role}/tours/{tour_id}/notes", caller=caller, body={"content": "roomy"})
        assert_documented("POST", f"/api/v1/{role}/tours/{{id}}/notes", note)

    upload = {"content_type": "image/jpeg"}
    image = call("POST", f"/api/v1/realtors/properties/{property_id}/images", caller=realtor, body=upload)
    assert_documented("POST", "/api/v1/realtors/properties/{id}/images", image)
    avatar = call("POST", f"/api/v1/admin/users/{buyer.user_id}/avatar", caller=admin, body=upload)
    assert_documented("POST", "/api/v1/admin/users/{id}/avatar", avatar)
    assert {created.status, booking.status, note.status, image.status, avatar.status} == {201}


# ---------------------------------------------------------------- numbers DynamoDB cannot hold


def test_a_price_filter_too_small_for_dynamodb_is_a_filter_not_a_500(people):
    # Found: min_price=2.2250738585072014e-308 is a valid float but below DynamoDB's 1E-130, and
    # serialising it raised decimal.Underflow: a 500.
    new_property(people["realtor"], price=250000)

    result = call(
        "GET",
        "/api/v1/buyers/properties",
        caller=people["buyer"],
        query={"min_price": "2.2250738585072014e-308", "max_price": "832081739.4677184"},
    )

    assert_documented("GET", "/api/v1/buyers/properties", result)
    assert result.status == 200
    assert [p["attributes"]["price"] for p in result.data] == [250000]


def test_a_listing_with_a_vanishingly_small_price_is_stored_as_zero(people):
    result = call(
        "POST",
        "/api/v1/realtors/properties",
        caller=people["realtor"],
        body={
            "address": "2 Tiny Lane",
            "city": "Austin",
            "price": 5e-324,
            "bedrooms": 1,
            "bathrooms": 1e-200,
            "sqft": 10,
        },
    )

    assert result.status == 201, result.body
    stored = call("GET", f"/api/v1/realtors/properties/{result.data['id']}", caller=people["realtor"])
    assert (stored.data["attributes"]["price"], stored.data["attributes"]["bathrooms"]) == (0, 0)
