"""The one source of "now", replaceable in tests (`set_clock`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def set_clock(provider: Callable[[], datetime] | None) -> None:
    """Install a clock (a callable returning an aware UTC datetime); None restores the system clock."""
    global _now
    _now = provider or (lambda: datetime.now(UTC))


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, second precision: the one time format of the API."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso() -> str:
    return iso(now())


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
