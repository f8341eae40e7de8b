"""Single-line text fields (names, addresses, cities, note tags) refuse every line-breaking or control character."""

from __future__ import annotations

import pytest

from realty.core.auth import Role
from testkit.api import call

# C0, DEL, C1 (NEL is U+0085) and the Unicode line and paragraph separators.
BREAKERS = ["\n", "\x1f", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"]
LISTING = {"address": "1 Main St", "city": "Springfield", "price": 250000, "bedrooms": 2, "bathrooms": 1, "sqft": 900}


@pytest.mark.parametrize("character", BREAKERS, ids=[f"U+{ord(c):04X}" for c in BREAKERS])
def test_a_listing_address_or_city_with_a_line_breaker_is_a_422_naming_the_field(aws, make_user, character):
    realtor = make_user(Role.REALTOR)

    for field in ("address", "city"):
        result = call(
            "POST",
            "/api/v1/realtors/properties",
            caller=realtor,
            body={**LISTING, field: f"1 Main{character}Bcc: x@example.com"},
        )

        assert result.status == 422, (field, result.body)
        assert result.error_codes == ["VALIDATION_ERROR"]
        assert result.body["errors"][0]["field"] == field
    assert call("GET", "/api/v1/realtors/properties", caller=realtor).data == []


@pytest.mark.parametrize("character", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_names_refuse_c1_controls_and_unicode_separators(aws, make_user, character):
    buyer = make_user(Role.BUYER, full_name="Before")

    edit = call("PUT", "/api/v1/auth/me", caller=buyer, body={"full_name": f"Eve{character}Mallory"})
    register = call(
        "POST",
        "/api/v1/auth/register",
        body={
            "email": "new@example.com",
            "password": "Correct-Horse-2026!",
            "full_name": f"A{character}B",
            "role": "buyer",
        },
    )

    for result in (edit, register):
        assert result.status == 422, result.body
        assert result.body["errors"][0]["field"] == "full_name"
    assert call("GET", "/api/v1/auth/me", caller=buyer).data["attributes"]["full_name"] == "Before"


def test_ordinary_unicode_stays_accepted(aws, make_user):
    realtor = make_user(Role.REALTOR)

    result = call(
        "POST",
        "/api/v1/realtors/properties",
        caller=realtor,
        body={**LISTING, "address": "Straße 5 — Hof «Nord» 🏠", "city": "Zürich"},
    )

    assert result.status == 201, result.body
    assert result.data["attributes"]["address"] == "Straße 5 — Hof «Nord» 🏠"
