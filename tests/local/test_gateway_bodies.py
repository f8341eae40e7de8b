"""The local gateway over a real socket: bodies that never arrive in full are a 400, not a hung thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from local.gateway import ApiConfig, ApiGateway, GatewayResponses, GatewayServer, Route, RouteTable

BAD_BODY = (
    '{"success": false, "errors": [{"code": "BAD_REQUEST", "message": "the request body is invalid"}], "meta": {}}'
)
TIMEOUT = 0.5


@pytest.fixture
def server() -> Iterator[tuple[GatewayServer, list[dict]]]:
    responses = GatewayResponses(
        {"BAD_REQUEST_BODY": {"StatusCode": 400, "ResponseTemplates": {"application/json": BAD_BODY}}}
    )
    api = ApiConfig(logical_id="Api", api_id="abcdefghij", stage="dev", responses=responses)
    routes = RouteTable([Route("/api/v1/echo", "POST", "Echo", "Api", authorizer="NONE")])
    events: list[dict] = []

    def invoke(_function: str, event: dict, _request_id: str) -> dict:
        events.append(event)
        return {"statusCode": 200, "body": json.dumps({"length": len(event["body"] or "")})}

    running = GatewayServer(
        ("127.0.0.1", 0), ApiGateway(routes, {"Api": api}, invoke=invoke), body_timeout_seconds=TIMEOUT
    )
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running, events
    running.shutdown()
    running.server_close()


def _exchange(server: GatewayServer, raw: bytes) -> tuple[bytes, float]:
    """Send raw bytes, keep the connection open, and read until the server closes it (or 10 s)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), int(port)), timeout=10) as connection:
        started = time.monotonic()
        connection.sendall(raw)
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
        return received, time.monotonic() - started


def _head(path: str, extra: str) -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}\r\n".encode()


def test_a_body_shorter_than_its_content_length_is_a_400_after_the_timeout(server):
    running, events = server

    answer, seconds = _exchange(running, _head("/api/v1/echo", "Content-Length: 100\r\n") + b'{"a": 1}')

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 400"), answer
    assert b"Connection: close" in rest
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["errors"][0]["code"] == "BAD_REQUEST"
    assert TIMEOUT <= seconds < 5
    assert events == []  # the handler never saw a truncated body


def test_an_unfinished_chunked_body_is_a_400_too(server):
    running, events = server

    answer, seconds = _exchange(running, _head("/api/v1/echo", "Transfer-Encoding: chunked\r\n") + b'8\r\n{"a": 1}\r\n')

    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert seconds < 5
    assert events == []


def test_a_complete_body_is_still_delivered(server):
    running, events = server
    body = b'{"a": "' + b"x" * 200_000 + b'"}'

    answer, _ = _exchange(
        running, _head("/api/v1/echo", f"Content-Length: {len(body)}\r\nConnection: close\r\n") + body
    )

    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert events[0]["body"] == body.decode()
