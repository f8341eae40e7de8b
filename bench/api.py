"""AWS calls and warm latency of every API route, from the scenario of `bench.scenario`.

The scenario runs once cold (every function's first request: imports, clients, first validations;
not reported), then `iterations` more times in the same account with read routes repeated `reads`
times. Those warm runs give both figures:

- AWS calls per route, counted on the botocore clients; the target is that of
  docs/architecture.md#performance-rules: a read is one DynamoDB call after the authorizer, a
  change is one TransactWriteItems (reads before it are reported), and no Scan anywhere.
  Exceptions are explained in `EXPLAINED` and docs/decisions.md.
- in-process latency per route (the handler call only, against moto in this process), p50/p95,
  beside the baseline handler doing one GetItem in the same account, interleaved with the runs.

moto answers in-process, so a call costs CPU here rather than a network round trip: the latency of
a route says how much work it does per request (validation, models, calls), not how fast it will
be on AWS. The emulator's GSI queries also slow down a little as the table fills.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from bench.aws_calls import dynamodb_operations, other_operations
from bench.harness import Invocation, emulated_account, instrumented

READ_OPERATIONS = {"GetItem", "Query", "BatchGetItem", "DescribeTable"}
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}

# Routes that miss the literal target on purpose; the why is in docs/decisions.md.
PLAYBACK_AUDITED = "playback access is audited (docs/architecture.md): the read + one audit PutItem"
SHARDED = "a population list: one Query per shard (two), concurrently, merged (decisions.md, 'No hot partition')"
EXPLAINED = {
    "GET /api/v1/admin/properties": SHARDED,
    "GET /api/v1/admin/bookings": SHARDED,
    "GET /api/v1/admin/tours": SHARDED,
    "GET /api/v1/admin/users": SHARDED + " without role=",
    "GET /api/v1/admin/audit-logs": SHARDED + " without a resource or an actor",
    "GET /api/v1/realtors/tours/{id}/recording": PLAYBACK_AUDITED,
    "GET /api/v1/buyers/tours/{id}/recording": PLAYBACK_AUDITED,
    "GET /api/v1/realtors/calls/{id}/recording": PLAYBACK_AUDITED,
    "GET /api/v1/buyers/calls/{id}/recording": PLAYBACK_AUDITED,
    "POST /api/v1/admin/users/{id}/avatar": (
        "nothing changes until the image is processed; the grant is one audit PutItem"
    ),
    "GET /api/v1/buyers/properties/{id}/slots": (
        "the listing (GetItem: who may see it), the realtor's availability (GetItem: rules and blocks in one item) "
        "and the realtor's bookings over the window (one Query of GSI2)"
    ),
    "POST /api/v1/realtors/calls/{id}/end": (
        "a recorded call: the end (one transaction), Chime's concatenation, then its pipeline id (a second one)"
    ),
    "POST /api/v1/realtors/tours/{id}/end": (
        "a recorded call: the end (one transaction), Chime's concatenation, then its pipeline id (a second one)"
    ),
}


def _percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (with few samples, p95 is the slowest but one or the slowest)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _counts(invocations: list[Invocation], pick: Any) -> dict[str, str]:
    """Per operation, its count per invocation: "1", or "1-2" when invocations differ."""
    per_invocation = [pick(i.calls) for i in invocations]
    operations = sorted({op for counts in per_invocation for op in counts})
    found = {}
    for op in operations:
        values = [counts.get(op, 0) for counts in per_invocation]
        low, high = min(values), max(values)
        found[op] = str(low) if low == high else f"{low}-{high}"
    return found


def _verdict(route: str, invocations: list[Invocation]) -> tuple[str, bool | None]:
    """(target, met): met is None where the route keeps no table state (Cognito, Stripe)."""
    method = route.split(" ", 1)[0]
    per_call = [dynamodb_operations(i.calls) for i in invocations]
    if any(c.get("Scan") for c in per_call):
        return "no Scan", False
    if method == "GET":
        return "1 DynamoDB call", all(sum(c.values()) == 1 for c in per_call)
    if route.startswith("authorizer"):
        if "known" not in route:
            return "once per user", None
        return "1 DynamoDB call", all(sum(c.values()) == 1 for c in per_call)
    writes = [Counter({op: n for op, n in c.items() if op in WRITE_OPERATIONS}) for c in per_call]
    if all(not w for w in writes) and all(not any(op in READ_OPERATIONS for op in c) for c in per_call):
        return "no table state", None
    return "1 TransactWriteItems", all(w == Counter({"TransactWriteItems": 1}) for w in writes)


def summarise(invocations: list[Invocation], baseline: list[float], route_order: list[str]) -> dict[str, Any]:
    by_route: dict[str, list[Invocation]] = {}
    for invocation in invocations:
        by_route.setdefault(invocation.route, []).append(invocation)
    ordered = [r for r in route_order if r in by_route] + sorted(r for r in by_route if r not in route_order)
    baseline_p50 = statistics.median(baseline)
    rows = []
    for route in ordered:
        found = by_route[route]
        seconds = [i.seconds for i in found]
        target, met = _verdict(route, found)
        rows.append(
            {
                "route": route,
                "function": found[0].function,
                "statuses": sorted({i.status for i in found}),
                "dynamodb": _counts(found, dynamodb_operations),
                "other_aws": _counts(found, other_operations),
                "target": target,
                "met": met,
                "explained": EXPLAINED.get(route) if met is False else None,
                "samples": len(seconds),
                "p50_ms": round(statistics.median(seconds) * 1000, 1),
                "p95_ms": round(_percentile(seconds, 0.95) * 1000, 1),
                "p50_vs_baseline": round(statistics.median(seconds) / baseline_p50, 1),
            }
        )
    missing = [r for r in route_order if r not in by_route and not r.startswith("authorizer")]
    return {
        "baseline": {
            "what": "bench/baseline_handler.py: Powertools resolver + boto3, one GetItem",
            "samples": len(baseline),
            "p50_ms": round(baseline_p50 * 1000, 2),
            "p95_ms": round(_percentile(baseline, 0.95) * 1000, 2),
        },
        "routes": rows,
        "routes_not_exercised": missing,
        "scans": sum(dynamodb_operations(i.calls).get("Scan", 0) for i in invocations),
    }


def _baseline_samples(api: Any, user_id: str, count: int) -> list[float]:
    from bench import baseline_handler
    from testkit.api import FakeLambdaContext, api_event

    event = api_event("GET", f"/api/v1/baseline/{user_id}", resource=baseline_handler.BASELINE_PATH)
    samples = []
    with api.recorder.paused():
        for _ in range(count):
            _, invocation = api._timed(
                "baseline", "baseline", lambda: baseline_handler.lambda_handler(event, FakeLambdaContext())
            )
            samples.append(invocation.seconds)
    return samples


def run(iterations: int = 6, reads: int = 6, baseline_per_iteration: int = 10) -> dict[str, Any]:
    from bench import baseline_handler, scenario
    from realty.core.auth import Role
    from realty.users.service import provision_user
    from tools.template import api_routes

    route_order = [f"{r.method} {r.path}" for r in api_routes()]
    with emulated_account(), instrumented() as (api, recorder, _):
        clock = scenario.install_clock()
        baseline_handler.reset()
        try:
            scenario.prime_container_caches()
            someone = provision_user(
                cognito_sub="bench-baseline", email="baseline@example.com", full_name="Bea Baseline", role=Role.BUYER
            )
            with recorder.paused():
                _baseline_samples(api, someone.id, 3)  # its client and first request, as the routes' cold run
            scenario.run(api, 0, clock)  # cold: every function's first requests, not reported
            cold = len(recorder.invocations)
            baseline: list[float] = []
            for iteration in range(1, iterations + 1):
                scenario.run(api, iteration, clock, reads=reads)
                baseline += _baseline_samples(api, someone.id, baseline_per_iteration)
        finally:
            scenario.uninstall_clock()
            baseline_handler.reset()
    summary = summarise(recorder.invocations[cold:], baseline, route_order)
    summary |= {"iterations": iterations, "reads_per_iteration": reads}
    return summary
