"""What docs/openapi.json documents for request bodies is what the API accepts, and no more."""

from __future__ import annotations

import json

import pytest

from realty.core.auth import Role
from testkit.api import call
from tests.support.bookings import at, new_property
from tests.support.template import ROOT

OPENAPI = json.loads((ROOT / "docs" / "openapi.json").read_text())
SCHEMAS = OPENAPI["components"]["schemas"]


def _nullable(schema: dict) -> bool:
    return schema.get("type") == "null" or any(_nullable(branch) for branch in schema.get("anyOf", []))


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (
            "UpdatePropertyRequest",
            ["address", "city", "description", "price", "bedrooms", "bathrooms", "sqft", "status"],
        ),
        ("AdminUpdateUserRequest", ["full_name", "role"]),
    ],
)
def test_fields_that_refuse_null_are_not_documented_as_nullable(model, fields):
    properties = SCHEMAS[model]["properties"]

    assert [field for field in fields if _nullable(properties[field])] == []
    assert _nullable(properties.get("mls_id", {"type": "null"}))  # the one field where null means "erase"


def test_null_in_a_partial_update_is_a_422_naming_the_field(aws, make_user):
    realtor, admin = make_user(Role.REALTOR), make_user(Role.ADMIN)
    listing = new_property(realtor)

    edit = call("PUT", f"/api/v1/realtors/properties/{listing}", caller=realtor, body={"description": None})
    rename = call("PUT", f"/api/v1/admin/users/{realtor.user_id}", caller=admin, body={"full_name": None})

    for result, field in ((edit, "description"), (rename, "full_name")):
        assert result.status == 422, result.body
        assert result.body["errors"][0]["field"] == field


def test_a_whole_number_written_with_a_fraction_is_an_integer(aws, make_user, fake_clock, outbox):
    realtor, buyer = make_user(Role.REALTOR), make_user(Role.BUYER)
    listing = new_property(realtor, bedrooms=3.0, sqft=1000.0)

    booked = call(
        "POST",
        "/api/v1/buyers/bookings",
        caller=buyer,
        body={"property_id": listing, "scheduled_at": at(days=2), "duration_minutes": 60.0},
    )
    halves = call(
        "POST",
        "/api/v1/buyers/bookings",
        caller=buyer,
        body={"property_id": listing, "scheduled_at": at(days=3), "duration_minutes": 60.5},
    )
    text = call(
        "POST",
        "/api/v1/buyers/bookings",
        caller=buyer,
        body={"property_id": listing, "scheduled_at": at(days=4), "duration_minutes": "60"},
    )

    assert booked.status == 201, booked.body
    assert booked.data["attributes"]["duration_minutes"] == 60
    assert [halves.status, text.status] == [422, 422]
    assert halves.body["errors"][0]["field"] == text.body["errors"][0]["field"] == "duration_minutes"
