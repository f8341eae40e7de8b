from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# moto adds its request handler to botocore's built-in handlers when it is imported, and a botocore
# session only takes the built-ins it finds when it is created: import it before any test can make
# the layer's (cached, per-container) session, or that session would reach for real AWS.
import moto  # noqa: F401
import pytest

from testkit import env

env.apply()

from realty.core.auth import Caller, Role  # noqa: E402
from testkit.aws import JwksHandler, emulated_account, jwks_endpoint, reset_caches  # noqa: E402

# Fixtures any test module may use without importing them: fake_clock, outbox; tour, chime_stub, state_machine;
# email_verification.
pytest_plugins = ("tests.support.bookings", "tests.support.calls", "tests.support.cognito")


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """A fresh emulated AWS account with the template's resources; yields logical id -> physical id."""
    with emulated_account() as created:
        yield created


@pytest.fixture
def jwks_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[JwksHandler]]:
    """Serves moto's Cognito key set over real HTTP on loopback, as the pool's JWKS endpoint would."""
    from realty.core.config import reset_settings

    with jwks_endpoint() as handler:
        monkeypatch.setenv("COGNITO_JWKS_URL", handler.url)
        reset_caches()
        yield handler
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
