from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support import env

env.apply()

from moto import mock_aws  # noqa: E402

from realty.core.auth import Caller, Role  # noqa: E402

# Fixtures any test module may use without importing them: fake_clock, outbox; tour, chime_stub, state_machine.
pytest_plugins = ("tests.support.bookings", "tests.support.calls")


def _reset_caches() -> None:
    from realty.auth.tokens import jwks_client
    from realty.core.aws import reset_clients
    from realty.core.config import reset_settings

    reset_settings()
    reset_clients()
    jwks_client.cache_clear()


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """A fresh emulated AWS account with the template's resources; yields logical id -> physical id."""
    from tests.support.aws import provision

    env.apply()
    _reset_caches()
    with mock_aws():
        created = provision()
        _reset_caches()
        yield created
    _reset_caches()


class _JwksHandler(BaseHTTPRequestHandler):
    jwks: dict[str, Any] = {}
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        body = json.dumps(self.jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_JwksHandler]]:
    """Serves moto's Cognito key set over real HTTP on loopback, as the pool's JWKS endpoint would."""
    from realty.core.config import reset_settings
    from tests.support.aws import moto_public_jwks

    handler = type("Jwks", (_JwksHandler,), {"jwks": moto_public_jwks(), "hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("COGNITO_JWKS_URL", f"http://127.0.0.1:{server.server_port}/jwks.json")
    _reset_caches()
    yield handler
    server.shutdown()
    reset_settings()


@pytest.fixture
def make_user(aws: dict[str, str]) -> Any:
    """Create a user record (as the authorizer would on first sight) and return the Caller for it."""
    from realty.users.service import provision_user

    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.BUYER, *, email: str | None = None, full_name: str = "Test User") -> Caller:
        n = next(counter)
        role = Role(role)
        user = provision_user(
            cognito_sub=f"sub-{role.value}-{n}",
            email=email or f"{role.value}{n}@example.com",
            full_name=full_name,
            role=role,
        )
        return Caller(user_id=user.id, role=user.role, email=user.email)

    return make
