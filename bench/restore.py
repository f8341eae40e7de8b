"""The work a SnapStart restore leaves: the after-restore hooks, then the first request, per function.

With SnapStart, a function's init (its imports, and the before-snapshot hooks) runs once, before the
snapshot; what a user waits for after a restore is Lambda's restore itself (not measurable here),
`realty.core.snapstart`'s after-restore hooks, and the first request, which builds what the hooks
dropped or init never built (clients, the first validators of its models). Each function runs in a
fresh interpreter in the tests' emulated account: import (init), the before-snapshot hooks, the
after-restore hooks (timed), one request (timed), and the same request again (timed: the warm figure
to read the first against). moto answers in-process, so a request's AWS calls cost CPU here rather
than a network round trip.

The authorizer's first request needs a token its JWKS endpoint signed; it is measured for its hooks
only.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from typing import Any

from tools.functions import ROOT

# A read per user-facing function, as the caller the route is for (no data needed: a fresh
# caller gets an empty page, their own missing profile, or the unconfigured answer).
REQUESTS: dict[str, tuple[str, str, str | None]] = {
    "health": ("GET", "/api/v1/health", None),
    "auth": ("GET", "/api/v1/auth/me", "buyer"),
    "properties": ("GET", "/api/v1/buyers/properties", "buyer"),
    "bookings": ("GET", "/api/v1/buyers/bookings", "buyer"),
    "tours": ("GET", "/api/v1/buyers/tours", "buyer"),
    "calls": ("GET", "/api/v1/buyers/calls/01JBENCH0000000000000000CA", "buyer"),
    "admin": ("GET", "/api/v1/admin/users", "admin"),
    "billing": ("GET", "/api/v1/realtors/billing/subscription", "realtor"),
    "stripe_webhook": ("POST", "/api/v1/webhooks/stripe", None),
    "authorizer": ("", "", None),
}


def _probe(function: str) -> dict[str, Any]:
    """In this (fresh) interpreter: init, snapshot, restore, first and second request."""
    import time

    from testkit import env

    env.apply()
    from bench.harness import emulated_account
    from realty.core import snapstart
    from realty.core.auth import Caller, Role
    from testkit.api import call
    from tools.functions import load_function

    method, path, role = REQUESTS[function]
    caller = Caller(user_id="01JBENCH00000000000000USER", role=Role(role), email="bench@example.com") if role else None
    with emulated_account():
        load_function(function)  # init: what Lambda runs once, before the snapshot
        snapstart.run_before_snapshot()
        start = time.perf_counter()
        snapstart.run_after_restore()
        hooks = time.perf_counter() - start
        first = second = status = None
        if method:
            start = time.perf_counter()
            status = call(method, path, caller=caller, raw_body="{}" if method == "POST" else None).status
            first = time.perf_counter() - start
            start = time.perf_counter()
            call(method, path, caller=caller, raw_body="{}" if method == "POST" else None)
            second = time.perf_counter() - start
    return {"hooks": hooks, "first": first, "second": second, "status": status}


def _run_probe(function: str) -> dict[str, Any]:
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import json; from bench.restore import _probe; print(json.dumps(_probe({function!r})))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return found


def _ms(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present) * 1000, 1) if present else None


def run(rounds: int = 3) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {function: [] for function in REQUESTS}
    for _ in range(rounds):
        for function in REQUESTS:
            samples[function].append(_run_probe(function))
    rows = []
    for function, found in samples.items():
        method, path, _ = REQUESTS[function]
        hooks, first = _ms([s["hooks"] for s in found]), _ms([s["first"] for s in found])
        rows.append(
            {
                "function": function,
                "request": f"{method} {path}" if method else "(hooks only)",
                "status": found[0]["status"],
                "hooks_ms": hooks,
                "first_request_ms": first,
                "after_restore_ms": round(hooks + first, 1) if hooks is not None and first is not None else hooks,
                "warm_request_ms": _ms([s["second"] for s in found]),
            }
        )
    return {"rounds": rounds, "functions": rows}
