"""Unit tests are pure: no AWS, no network at all (pytest-socket)."""

import pytest


@pytest.fixture(autouse=True)
def _no_network(socket_disabled: None) -> None:
    """Every unit test runs with sockets disabled."""
