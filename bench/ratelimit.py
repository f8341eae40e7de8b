"""The per-user rate limiter's cost: the same requests with the limiter on and off, in one run.

The limiter (`realty.core.ratelimit`) is one conditional UpdateItem before the route's own work.
Each round sends a read (`GET /api/v1/auth/me`) and a change (`PUT /api/v1/auth/me`) twice, once with
the limits at the template's defaults and once with them at 0 (off), alternating which goes first,
so the emulator's drift as the table fills falls on both sides alike. Reported per route: DynamoDB
calls and p50 handler time on and off, the time the limiter adds and the on/off ratio.

moto answers in-process: the figure is the limiter's own work here (building and sending the call,
moto's condition and update), not a network round trip; on AWS it is one more single-digit
millisecond UpdateItem on the request's path.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from bench.aws_calls import dynamodb_operations
from bench.harness import emulated_account, instrumented

# The template's defaults (RateLimitReadsPerMinute, RateLimitWritesPerMinute): reads, changes a minute.
LIMITS = {"RATE_LIMIT_READS_PER_MINUTE": "600", "RATE_LIMIT_WRITES_PER_MINUTE": "120"}


@contextmanager
def _limiter(on: bool) -> Iterator[None]:
    from realty.core.config import reset_settings

    saved = {name: os.environ.get(name) for name in LIMITS}
    os.environ.update(LIMITS if on else dict.fromkeys(LIMITS, "0"))
    reset_settings()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


def run(rounds: int = 60) -> dict[str, Any]:
    """`rounds` of each route with the limiter on and off; the clock moves a minute every 50 rounds,
    so the counters stay under the limits as a real user's would."""
    from bench import scenario
    from realty.core.auth import Caller, Role
    from realty.users.service import provision_user

    routes = {
        "GET /api/v1/auth/me": ("GET", None),
        "PUT /api/v1/auth/me": ("PUT", {"full_name": "Bo Buyer"}),
    }
    samples: dict[tuple[str, bool], list[Any]] = {(r, on): [] for r in routes for on in (True, False)}
    with emulated_account(), instrumented() as (api, recorder, _):
        clock = scenario.install_clock()
        try:
            user = provision_user(
                cognito_sub="bench-limits-buyer", email="limits@example.com", full_name="Bo Buyer", role=Role.BUYER
            )
            caller = Caller(user_id=user.id, role=user.role, email=user.email)
            with recorder.paused(), _limiter(True):  # first requests: imports and clients, not reported
                for method, body in routes.values():
                    api.request(method, "/api/v1/auth/me", caller=caller, body=body)
            for n in range(rounds):
                if n and n % 50 == 0:
                    clock.set(clock() + timedelta(minutes=1))
                for on in (True, False) if n % 2 else (False, True):
                    with _limiter(on):
                        for route, (method, body) in routes.items():
                            start = len(recorder.invocations)
                            # A real change each time: a new name is one more TransactWriteItems.
                            edit = {"full_name": f"Bo Buyer {n}{'+' if on else '-'}"} if body else None
                            api.request(method, "/api/v1/auth/me", caller=caller, body=edit)
                            samples[(route, on)].append(recorder.invocations[start])
        finally:
            scenario.uninstall_clock()
    rows = []
    for route in routes:
        limited, unlimited = samples[(route, True)], samples[(route, False)]
        on_ms = statistics.median(i.seconds for i in limited) * 1000
        off_ms = statistics.median(i.seconds for i in unlimited) * 1000
        rows.append(
            {
                "route": route,
                "requests": len(limited),
                "dynamodb_calls_off": _calls(unlimited),
                "dynamodb_calls_on": _calls(limited),
                "p50_ms_off": round(off_ms, 2),
                "p50_ms_on": round(on_ms, 2),
                "added_ms": round(on_ms - off_ms, 2),
                "ratio": round(on_ms / off_ms, 3) if off_ms else None,
            }
        )
    return {"limits": {k.lower(): int(v) for k, v in LIMITS.items()}, "rounds": rounds, "routes": rows}


def _calls(invocations: list[Any]) -> str:
    """DynamoDB operations per request, e.g. "GetItem 1, UpdateItem 1" (the most common mix)."""
    mixes = [", ".join(f"{op} {n}" for op, n in sorted(dynamodb_operations(i.calls).items())) for i in invocations]
    return max(set(mixes), key=mixes.count)
