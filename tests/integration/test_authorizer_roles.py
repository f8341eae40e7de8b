"""Roles checked at the gateway: the authorizer's policy, cached per token for every route, denies each
family of routes that is not for the caller's role, so API Gateway answers 403 before a function runs."""

from __future__ import annotations

import re

import pytest

from local.authorizers import evaluate_policy
from realty.auth.authorizer import ROUTE_ROLES, _allow
from realty.core.auth import Role
from realty.users.identity import Identity
from testkit.api import FakeLambdaContext, call, load_function
from tools.template import api_routes

ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123"
PASSWORD = "Correct-Horse-2026!"


def _method_arn(method: str, path: str) -> str:
    return f"{ARN_PREFIX}/dev/{method}/{re.sub(r'{[^}]+}', 'x1', path).lstrip('/')}"


def _roles_of(path: str) -> frozenset[Role]:
    for prefix, roles in ROUTE_ROLES.items():
        if path.startswith(prefix):
            return roles
    return frozenset(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_let_through_to_exactly_its_routes(role):
    # The policy is built once (for whichever route came first) and cached for every route of the stage.
    policy = _allow(
        Identity(user_id="u1", role=role, email="e@example.com"),
        _method_arn("GET", "/api/v1/auth/me"),
        cognito_sub="sub-1",
        issued_at=1,
    )
    routes = [r for r in api_routes() if not r.public]
    assert routes
    for route in routes:
        decision = evaluate_policy(policy["policyDocument"], _method_arn(route.method, route.path))
        assert decision is (role in _roles_of(route.path)), f"{role.value} on {route.method} {route.path}: {decision}"
    assert policy["context"]["role"] == role.value


def test_every_role_scoped_route_family_exists_in_the_template():
    paths = [r.path for r in api_routes()]
    for prefix in ROUTE_ROLES:
        assert any(path.startswith(prefix) for path in paths), prefix


def test_a_buyers_token_is_denied_realtor_and_admin_routes_by_its_policy(aws, jwks_server):
    email = "roles-buyer@example.com"
    call(
        "POST", "/api/v1/auth/register", body={"email": email, "password": PASSWORD, "full_name": "B", "role": "buyer"}
    )
    call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "000000"})
    token = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD}).data["attributes"]
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token['access_token']}",
        "methodArn": _method_arn("GET", "/api/v1/buyers/properties"),
    }

    policy = load_function("authorizer").lambda_handler(event, FakeLambdaContext())["policyDocument"]

    assert evaluate_policy(policy, _method_arn("GET", "/api/v1/buyers/properties")) is True
    assert evaluate_policy(policy, _method_arn("POST", "/api/v1/realtors/properties")) is False
    assert evaluate_policy(policy, _method_arn("GET", "/api/v1/admin/users")) is False
