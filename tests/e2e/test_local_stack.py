"""The local stack end to end, over HTTP: health, demo logins, the account lifecycle, API Gateway rules."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid

import pytest

from tests.e2e.conftest import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DEMO_PASSWORD = "Demo-Pass-2026!"


def assert_error_envelope(body: dict[str, object], code: str) -> None:
    assert body["success"] is False
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["code"] == code
    assert isinstance(body["meta"], dict) and body["meta"]["request_id"]


def login(stack: LocalStackProcess, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    reply = stack.request("POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert reply.status == 200, reply.body
    attributes: dict[str, str] = reply.json["data"]["attributes"]
    return attributes


def test_health_answers_in_the_envelope(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request("GET", "/api/v1/health")

    assert reply.status == 200
    assert reply.json["success"] is True
    assert reply.json["data"]["type"] == "health"
    assert reply.json["meta"]["request_id"]


@pytest.mark.parametrize(
    ("email", "role"),
    [("admin@example.com", "admin"), ("realtor@example.com", "realtor"), ("buyer@example.com", "buyer")],
)
def test_demo_users_sign_in_and_see_their_role(local_stack: LocalStackProcess, email: str, role: str) -> None:
    tokens = login(local_stack, email)

    me = local_stack.request("GET", "/api/v1/auth/me", token=tokens["access_token"])

    assert {"access_token", "id_token", "refresh_token", "expires_in"} <= set(tokens)
    assert me.status == 200, me.body
    assert me.json["data"]["type"] == "user"
    assert me.json["data"]["attributes"]["email"] == email
    assert me.json["data"]["attributes"]["role"] == role


def test_account_lifecycle(local_stack: LocalStackProcess) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    password = "Another-Pass-2026!"

    registered = local_stack.request(
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": password, "full_name": "Nia New", "role": "realtor"},
    )
    assert registered.status == 201, registered.body
    assert registered.json["data"]["attributes"]["email"] == email

    confirmed = local_stack.request("POST", "/api/v1/auth/confirm", {"email": email, "code": "123456"})
    assert confirmed.status == 200, confirmed.body

    tokens = login(local_stack, email, password)
    me = local_stack.request("GET", "/api/v1/auth/me", token=tokens["access_token"])
    assert me.status == 200, me.body
    assert me.json["data"]["attributes"]["role"] == "realtor"
    assert me.json["data"]["attributes"]["full_name"] == "Nia New"

    refreshed = local_stack.request("POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200, refreshed.body
    assert refreshed.json["data"]["attributes"]["access_token"]

    logged_out = local_stack.request("POST", "/api/v1/auth/logout", token=tokens["access_token"])
    assert logged_out.status == 200, logged_out.body
    assert logged_out.json["success"] is True

    revoked = local_stack.request("POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert revoked.status == 401
    assert_error_envelope(revoked.json, "UNAUTHORIZED")


def test_registering_as_admin_is_refused(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request(
        "POST",
        "/api/v1/auth/register",
        {"email": "sneaky@example.com", "password": "Sneaky-Pass-2026!", "full_name": "S", "role": "admin"},
    )

    assert reply.status == 422
    assert_error_envelope(reply.json, "VALIDATION_ERROR")


def test_missing_token_is_401_from_the_gateway(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request("GET", "/api/v1/auth/me")

    assert reply.status == 401
    assert_error_envelope(reply.json, "UNAUTHORIZED")
    assert reply.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_garbage_token_is_401(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request("GET", "/api/v1/auth/me", token="not-a-jwt")

    assert reply.status == 401
    assert_error_envelope(reply.json, "UNAUTHORIZED")


def test_unknown_route_is_404_envelope(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request("GET", "/api/v1/nowhere")

    assert reply.status == 404
    assert_error_envelope(reply.json, "NOT_FOUND")


def _raw(stack: LocalStackProcess, request: bytes) -> tuple[int, dict[str, object], float]:
    """Raw bytes to the stack's API port; the status, the JSON body and how long the answer took."""
    host, _, port = stack.base_url.removeprefix("http://").partition(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        started = time.monotonic()
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: (\d+)", head)
            if length and len(body) >= int(length.group(1)):
                break
    status = int(answer.split(b" ", 2)[1])
    return status, json.loads(answer.partition(b"\r\n\r\n")[2]), time.monotonic() - started


def test_a_deeply_nested_body_is_a_400_through_the_gateway(local_stack: LocalStackProcess) -> None:
    body = ("[" * 5000 + "]" * 5000).encode()
    head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"

    status, answer, _ = _raw(local_stack, head.encode() + body)

    assert status == 400
    assert_error_envelope(answer, "BAD_REQUEST")


def test_a_body_shorter_than_its_content_length_is_a_400_not_a_hang(local_stack: LocalStackProcess) -> None:
    head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += "Content-Length: 1000\r\n\r\n"

    status, answer, seconds = _raw(local_stack, head.encode() + b'{"email": "a@example.com"')

    assert status == 400
    assert answer["success"] is False and answer["errors"][0]["code"] == "BAD_REQUEST"  # type: ignore[index]
    assert seconds < 15


def test_cors_preflight_is_answered_without_auth(local_stack: LocalStackProcess) -> None:
    reply = local_stack.request(
        "OPTIONS",
        "/api/v1/auth/me",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
    )

    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "GET" in reply.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in reply.headers["Access-Control-Allow-Headers"]


def test_docs_serve_swagger_ui_from_local_assets(local_stack: LocalStackProcess) -> None:
    page = local_stack.request("GET", "/docs")
    script = local_stack.request("GET", "/docs/swagger-ui-bundle.js")
    document = local_stack.request("GET", "/docs/openapi.json")

    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in page.body and b"cdn" not in page.body.lower()
    assert script.status == 200 and len(script.body) > 100_000
    assert document.status in (200, 404)
    if document.status == 200:
        assert document.json["servers"] == [{"url": local_stack.base_url, "description": "local stack"}]


def test_the_stage_docs_routes_answer_through_the_gateway_as_deployed(local_stack: LocalStackProcess) -> None:
    page = local_stack.request("GET", "/api/v1/docs")
    script = local_stack.request("GET", "/api/v1/docs/swagger-ui-bundle.js")
    document = local_stack.request("GET", "/api/v1/openapi.json")

    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"].startswith("public")
    assert script.status == 200 and len(script.body) > 100_000
    assert document.status == 200
    assert document.json["servers"][0]["url"] == "../.."
    assert "/api/v1/openapi.json" in document.json["paths"]


def test_a_deleted_buyer_cannot_book_through_the_gateways_cached_answer(local_stack: LocalStackProcess) -> None:
    """The gateway caches the authorizer's Allow for 300 s, as API Gateway does: after the admin deletes
    the buyer, the same token still passes it, reads still answer, and the booking is refused."""
    from datetime import UTC, datetime, timedelta

    email = f"gone-{uuid.uuid4().hex[:8]}@example.com"
    password = "Gone-Pass-2026!"
    body = {"email": email, "password": password, "full_name": "Gus Gone", "role": "buyer"}
    assert local_stack.request("POST", "/api/v1/auth/register", body).status == 201
    assert local_stack.request("POST", "/api/v1/auth/confirm", {"email": email, "code": "123456"}).status == 200
    token = login(local_stack, email, password)["access_token"]
    me = local_stack.request("GET", "/api/v1/auth/me", token=token)  # the gateway caches its answer
    assert me.status == 200, me.body
    buyer_id = me.json["data"]["id"]
    listings = local_stack.request("GET", "/api/v1/buyers/properties", token=token)
    assert listings.status == 200 and listings.json["data"], listings.body
    admin = login(local_stack, "admin@example.com")["access_token"]
    deleted = local_stack.request("DELETE", f"/api/v1/admin/users/{buyer_id}", token=admin)
    assert deleted.status == 200, deleted.body

    when = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = {"property_id": listings.json["data"][0]["id"], "scheduled_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    refused = local_stack.request("POST", "/api/v1/buyers/bookings", booking, token=token)

    assert refused.status == 401, refused.body
    assert_error_envelope(refused.json, "UNAUTHORIZED")
    assert refused.json["errors"][0]["message"] == "this account is no longer active"
    mine = local_stack.request("GET", "/api/v1/buyers/bookings", token=token)
    assert mine.status == 200, mine.body  # reads ride the cache, as documented
    assert mine.json["data"] == []
