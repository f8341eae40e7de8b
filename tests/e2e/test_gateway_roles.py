"""Roles checked by API Gateway itself on the local stack: a token of the wrong role is refused with 403 in
the error envelope before any function runs (so before its body is validated)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LocalStackProcess
from tests.e2e.test_local_stack import assert_error_envelope, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_buyer_is_refused_realtor_and_admin_routes_before_validation(local_stack: LocalStackProcess) -> None:
    token = login(local_stack, "buyer@example.com")["access_token"]

    incomplete = local_stack.request("POST", "/api/v1/realtors/properties", {"city": "Austin"}, token=token)
    admin = local_stack.request("GET", "/api/v1/admin/users", token=token)
    own = local_stack.request("GET", "/api/v1/buyers/properties", token=token)  # same token, cached policy

    assert incomplete.status == 403, incomplete.body  # not 422 with the realtor schema's field list
    assert_error_envelope(incomplete.json, "FORBIDDEN")
    assert "address" not in incomplete.body.decode()
    assert admin.status == 403
    assert_error_envelope(admin.json, "FORBIDDEN")
    assert own.status == 200, own.body


def test_a_realtor_is_refused_buyer_routes_and_an_admin_reaches_both(local_stack: LocalStackProcess) -> None:
    realtor = login(local_stack, "realtor@example.com")["access_token"]
    admin = login(local_stack, "admin@example.com")["access_token"]

    refused = local_stack.request("GET", "/api/v1/buyers/bookings", token=realtor)
    own = local_stack.request("GET", "/api/v1/realtors/bookings", token=realtor)

    assert refused.status == 403
    assert_error_envelope(refused.json, "FORBIDDEN")
    assert own.status == 200, own.body
    for path in ("/api/v1/buyers/bookings", "/api/v1/realtors/bookings", "/api/v1/admin/users"):
        reply = local_stack.request("GET", path, token=admin)
        assert reply.status == 200, (path, reply.body)
