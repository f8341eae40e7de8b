"""Bodies the handler wrapper refuses before routing: every one a 400 in the envelope, never a crash."""

from __future__ import annotations

import base64
import json

import pytest

from realty.core.auth import Role
from testkit.api import FakeLambdaContext, api_event, call, load_function


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return '{"email": "a@example.com", "password": "x", "extra": ' + opening * depth + closing * depth + "}"


def nested_objects(depth: int) -> str:
    return '{"email": "a@example.com", "password": "x", "extra": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


@pytest.mark.parametrize("depth", [65, 1_000, 8_000])
@pytest.mark.parametrize("make", [nested, nested_objects], ids=["arrays", "objects"])
def test_deep_nesting_is_a_400_on_a_public_route(aws, depth, make):
    result = call("POST", "/api/v1/auth/login", raw_body=make(depth))

    assert result.status == 400, result.body
    assert result.body["success"] is False
    assert result.error_codes == ["BAD_REQUEST"]
    assert "nests deeper than 64 levels" in result.body["errors"][0]["message"]


def test_deep_nesting_is_a_400_on_a_signed_in_route_and_when_base64_encoded(aws, make_user):
    realtor = make_user(Role.REALTOR)
    body = '{"address": "1 Main St", "city": "X", "price": 1, "bedrooms": 1, "bathrooms": 1, "sqft": 1, "d": '
    raw = body + "[" * 2_000 + "]" * 2_000 + "}"
    authorizer = {"user_id": realtor.user_id, "role": "realtor", "email": realtor.email}

    plain = call("POST", "/api/v1/realtors/properties", caller=realtor, raw_body=raw)
    event = api_event(
        "POST", "/api/v1/realtors/properties", raw_body=base64.b64encode(raw.encode()).decode(), authorizer=authorizer
    )
    event["isBase64Encoded"] = True
    encoded = load_function("properties").lambda_handler(event, FakeLambdaContext())

    assert plain.status == 400 and plain.error_codes == ["BAD_REQUEST"]
    assert encoded["statusCode"] == 400
    assert json.loads(encoded["body"])["errors"][0]["code"] == "BAD_REQUEST"
    assert call("GET", "/api/v1/realtors/properties", caller=realtor).data == []


def test_nesting_up_to_the_cap_reaches_validation(aws):
    # 64 levels is not refused as such: the body goes on to the route's own validation (422 on `extra`).
    result = call("POST", "/api/v1/auth/login", raw_body=nested(62))

    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == "extra"


@pytest.mark.parametrize(
    "raw",
    [
        '{"email": "a@example.com", "password": ' + "9" * 5_000 + "}",  # over Python's int digit limit
        b'{"email": "a@example.com", "password": "\xff\xfe"}'.decode("latin-1"),
    ],
    ids=["huge-integer", "latin-1"],
)
def test_bodies_python_cannot_parse_are_a_4xx(aws, raw):
    result = call("POST", "/api/v1/auth/login", raw_body=raw)

    assert 400 <= result.status < 500, result.body
    assert result.body["success"] is False
