"""Junk bodies on every route of template.yaml: a 4xx in the envelope, never a 5xx, never a changed record.

Property-based (Hypothesis), bounded and seeded so it stays a few seconds in `make test`. Each example
sends every route one junk body of each kind: nesting far past the cap, bodies of up to a megabyte,
bytes that are not UTF-8, JSON that is not an object, numbers Python cannot hold, and, where the
route documents a body, an object whose documented fields carry the wrong JSON types or numbers out
of any range. Routes are read from the template, their body schemas from docs/openapi.json. Routes
that take no body (GET, DELETE) ignore one by design; they are sent the junk too, aimed at ids that
do not exist, and must simply not fail or change anything.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from realty.core.auth import Role
from testkit.api import FakeLambdaContext, api_event, load_function
from tests.support.stripe_fake import configure_secret
from tests.support.template import ROOT
from tools.template import ApiRoute, api_routes

OPENAPI = json.loads((ROOT / "docs" / "openapi.json").read_text())
BODY_METHODS = {"POST", "PUT", "PATCH"}
MISSING_ID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"  # a well-formed id no object has
JSON_TYPES = ("string", "number", "boolean", "array", "object")
WRONG_VALUE: dict[str, Any] = {"string": "junk", "number": 1.5, "boolean": True, "array": [1], "object": {"a": 1}}


@st.composite
def wrapper_junk(draw: st.DrawFn) -> tuple[str, bool]:
    """(body, isBase64Encoded): junk no route may take, whatever its schema."""
    kind = draw(st.sampled_from(["nesting", "large", "not-utf8", "not-an-object", "huge-integer"]))
    if kind == "nesting":
        depth = draw(st.integers(65, 30_000))
        opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = "1" if opening == '{"a":' else ""
        body = opening * depth + inner + closing * depth
        return ('{"a": ' + body + "}" if draw(st.booleans()) else body), False
    if kind == "large":
        size = draw(st.integers(64 * 1024, 1024 * 1024))
        return '{"description": "' + "x" * size + '"}', False
    if kind == "not-utf8":
        junk = draw(st.binary(min_size=1, max_size=64)) + b"\xff\xfe\xc3"
        return base64.b64encode(b'{"a": "' + junk + b'"}').decode(), True
    if kind == "not-an-object":
        value = draw(
            st.one_of(
                st.lists(st.integers(), max_size=3),
                st.text(max_size=20),
                st.integers(),
                st.floats(allow_nan=False),
                st.booleans(),
            )
        )
        return json.dumps(value), False
    digits = draw(st.integers(4_301, 20_000))  # past Python's limit for int() of a decimal string
    return '{"a": ' + "9" * digits + "}", False


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a field accepts ("integer" counts as "number", enums as their type)."""
    schema = _resolve(schema)
    if "anyOf" in schema:
        return set().union(*(_json_types(branch) for branch in schema["anyOf"]))
    if "enum" in schema and "type" not in schema:
        return {"string"}
    kind = schema.get("type")
    if kind is None:
        return set(JSON_TYPES) | {"null"}  # anything goes: no value is wrong
    return {"number" if kind == "integer" else kind}


def body_fields(route: ApiRoute) -> dict[str, dict[str, Any]]:
    """The documented body's fields, or {} when the route documents no JSON object body."""
    operation = OPENAPI["paths"].get(route.path, {}).get(route.method.lower(), {})
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return {}
    schema = _resolve(content["schema"])
    branches = [_resolve(b) for b in schema.get("anyOf", [schema]) if b != {"type": "null"}]
    return {name: field for branch in branches for name, field in (branch.get("properties") or {}).items()}


@st.composite
def typed_junk(draw: st.DrawFn, fields: dict[str, dict[str, Any]]) -> tuple[str, bool]:
    """A JSON object whose documented fields hold values of a type (or a size) they refuse."""
    wrong: dict[str, str] = {}
    for name, schema in fields.items():
        allowed = _json_types(schema)
        candidates = [kind for kind in JSON_TYPES if kind not in allowed]
        if not candidates:
            continue
        value = WRONG_VALUE[draw(st.sampled_from(candidates))]
        wrong[name] = json.dumps(value)
        if "number" in allowed and draw(st.booleans()):
            wrong[name] = draw(st.sampled_from(["1e400", "-1e400", "1" + "0" * 400, "-" + "9" * 4000]))
    if not wrong:
        return "[]", False
    chosen = draw(st.lists(st.sampled_from(sorted(wrong)), min_size=1, unique=True))
    return "{" + ", ".join(f"{json.dumps(name)}: {wrong[name]}" for name in chosen) + "}", False


def _path(route: ApiRoute) -> tuple[str, dict[str, str]]:
    params = dict.fromkeys(re.findall(r"\{(\w+)\}", route.path), MISSING_ID)
    path = route.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path, params


def _caller_for(route: ApiRoute, callers: dict[Role, Any]) -> dict[str, str] | None:
    if route.public:
        return None
    segment = route.path.split("/")[3]
    role = {"realtors": Role.REALTOR, "buyers": Role.BUYER, "admin": Role.ADMIN}.get(segment, Role.BUYER)
    caller = callers[role]
    return {"user_id": caller.user_id, "role": caller.role.value, "email": caller.email}


def send(route: ApiRoute, body: str, encoded: bool, callers: dict[Role, Any]) -> dict[str, Any]:
    path, params = _path(route)
    event = api_event(
        route.method,
        path,
        resource=route.path,
        path_parameters=params or None,
        raw_body=body,
        headers={"Stripe-Signature": "t=1,v1=00"},
        authorizer=_caller_for(route, callers),
    )
    event["isBase64Encoded"] = encoded
    return load_function(route.function_dir).lambda_handler(event, FakeLambdaContext())


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every item of every table (test-only Scans: the point is that nothing anywhere changed)."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in dynamodb.list_tables()["TableNames"]:
        items = dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True).build_full_result()
        tables[name] = sorted(items["Items"], key=lambda item: json.dumps(item, sort_keys=True))
    return tables


ROUTES = api_routes()


def test_every_template_route_is_covered():
    assert len(ROUTES) > 50
    assert {route.method for route in ROUTES} >= {"GET", "POST", "PUT", "DELETE"}
    assert any(body_fields(route) for route in ROUTES)


@pytest.mark.timeout(300)
def test_junk_bodies_get_a_4xx_envelope_and_change_nothing(aws, make_user):
    configure_secret(aws["StripeSecret"])  # the webhook then judges bodies, not its configuration
    callers = {role: make_user(role) for role in Role}
    before = snapshot()

    @seed(2026)
    @settings(
        max_examples=3,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def every_route_once(data: st.DataObject) -> None:
        for route in ROUTES:
            kinds = [wrapper_junk()]
            fields = body_fields(route)
            if fields:
                kinds.append(typed_junk(fields))
            for kind in kinds:
                body, encoded = data.draw(kind)
                response = send(route, body, encoded, callers)
                label = f"{route.method} {route.path} <- {body[:80]!r}"
                status = response["statusCode"]

                assert status < 500, (label, response["body"][:300])
                if route.function_dir == "docs":
                    # Swagger UI and the OpenAPI document are served as themselves, not in the envelope.
                    continue
                answer = json.loads(response["body"])
                assert set(answer) >= {"success", "meta"}, label
                if route.method in BODY_METHODS:
                    assert 400 <= status < 500, (label, answer)
                    assert answer["success"] is False and answer["errors"][0]["code"], label

    every_route_once()

    assert snapshot() == before
