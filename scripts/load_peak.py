"""`make load PROFILE=peak`: an evening's peak replayed against the local stack, then the lists checked.

Starts its own local stack (loopback only, free ports) with `REALTY_PARTITION_LOG` set, so the stack
counts the DynamoDB partitions its moto serves (`local/partitions.py`), with no booking lead time, so
tours booked for the next quarter hour can start, and with the browse cache as deployed (10 s; the
local stack runs one instance per function, so this shows its best case). Sets up realtors with listings in a few cities
and buyers, then client threads replay a peak-hour mix for a bounded time and number of requests:
browsing (most of it, without a city), browsing a city, searching, opening a listing, requesting
tours, confirmations, the buyers' and realtors' own lists, tours started and ended, and the admin
lists and audit feed.

Then every admin list and the audit feed is walked to the end twice, with small and with large pages:
both walks must give the same items, newest first, without duplicates, holding everything the load
created. It reports per-route p50/p95 and answers by status, and the hottest partitions with their
share of all reads and of all writes. Exit status 1 when a check fails or anything answered 5xx.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.launcher import launched_stack
from scripts.load_local import ROOT, Actor, Budget, Client, login, register, summarise

CITIES = ("Springfield", "Riverton", "Lakeside")
WORDS = ("garden", "harbour", "loft", "pool", "orchard")
# The peak-hour mix: operation -> weight (browsing dominates, as in docs/scale.md's baseline).
MIX: dict[str, int] = {
    "GET /buyers/properties": 30,
    "GET /buyers/properties?city": 12,
    "GET /buyers/properties?q": 8,
    "GET /buyers/properties/:id": 6,
    "POST /buyers/bookings": 10,
    "PUT /realtors/bookings/:id/confirm": 6,
    "GET /buyers/bookings": 5,
    "GET /realtors/tours": 4,
    "POST /realtors/tours/:id/start|end": 4,
    "GET /admin/*": 10,
}
ADMIN_LISTS = ("/admin/properties", "/admin/bookings", "/admin/tours", "/admin/users", "/admin/audit-logs")
# Answers the mix expects: a slot already taken or a booking already confirmed, a tour not yet startable.
EXPECTED_REFUSALS = {409}
MAX_SECONDS = 240.0


@dataclass
class Peak:
    admin: Actor
    realtors: list[Actor]
    buyers: list[Actor]
    listings: dict[str, Actor] = field(default_factory=dict)  # property id -> its realtor
    created: list[str] = field(default_factory=list)  # bookings answered 201
    pending: list[tuple[Actor, str]] = field(default_factory=list)
    startable: list[tuple[Actor, str]] = field(default_factory=list)  # (realtor, tour id)
    running: list[tuple[Actor, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def set_up(client: Client, realtors: int, buyers: int, per_realtor: int) -> Peak:
    run = uuid.uuid4().hex[:8]
    peak = Peak(
        admin=login(client, "admin@example.com"),
        realtors=[login(client, "realtor@example.com")]
        + [register(client, f"peak-realtor-{run}-{n}@example.com", "realtor") for n in range(realtors - 1)],
        buyers=[login(client, "buyer@example.com")]
        + [register(client, f"peak-buyer-{run}-{n}@example.com", "buyer") for n in range(buyers - 1)],
    )
    for r, realtor in enumerate(peak.realtors):
        for n in range(per_realtor):
            body = {
                "address": f"{100 + 10 * r + n} {WORDS[n % len(WORDS)].title()} Road",
                "city": CITIES[(r + n) % len(CITIES)],
                "price": 250_000 + 5_000 * (r * per_realtor + n),
                "bedrooms": 2 + n % 3,
                "bathrooms": 2,
                "sqft": 1200 + 50 * n,
                "description": f"A home with a {WORDS[(r + n) % len(WORDS)]} and a {WORDS[n % len(WORDS)]} view.",
            }
            reply = client.call("setup", "POST", "/realtors/properties", body=body, token=realtor.token, record=False)
            if reply.status != 201:
                raise RuntimeError(f"creating a listing answered {reply.status}: {reply.body}")
            peak.listings[reply.body["data"]["id"]] = realtor
    _book_tours_starting_now(client, peak)
    return peak


def _book_tours_starting_now(client: Client, peak: Peak) -> None:
    """One tour per realtor at the next quarter hour, confirmed: the tours the evening starts and ends."""
    now = datetime.now(UTC)
    quarter = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    quarter += timedelta(minutes=-quarter.minute % 15)
    first_listing = {realtor.user_id: pid for pid, realtor in reversed(peak.listings.items())}
    for n, realtor in enumerate(peak.realtors):
        body = {"property_id": first_listing[realtor.user_id], "scheduled_at": _iso(quarter), "duration_minutes": 30}
        buyer = peak.buyers[n % len(peak.buyers)]
        booked = client.call("setup", "POST", "/buyers/bookings", body=body, token=buyer.token, record=False)
        if booked.status != 201:
            continue
        booking_id = booked.body["data"]["id"]
        path = f"/realtors/bookings/{booking_id}/confirm"
        confirmed = client.call("setup", "PUT", path, token=realtor.token, record=False)
        tour = ((confirmed.body or {}).get("data") or {}).get("relationships", {}).get("tour") or {}
        tour_id = (tour.get("data") or tour).get("id") if isinstance(tour, dict) else None
        if confirmed.status == 200 and tour_id:
            peak.created.append(booking_id)
            peak.startable.append((realtor, tour_id))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _slot(rng: random.Random) -> str:
    day = (datetime.now(UTC) + timedelta(days=rng.randint(2, 9))).replace(hour=9, minute=0, second=0, microsecond=0)
    return _iso(day + timedelta(minutes=15 * rng.randint(0, 31)))


def operations(client: Client, peak: Peak, rng: random.Random) -> dict[str, Callable[[], None]]:
    def buyer() -> Actor:
        return rng.choice(peak.buyers)

    def browse() -> None:
        client.call("GET /buyers/properties", "GET", "/buyers/properties?limit=20", token=buyer().token)

    def browse_city() -> None:
        path = f"/buyers/properties?city={rng.choice(CITIES)}&limit=20"
        client.call("GET /buyers/properties?city", "GET", path, token=buyer().token)

    def search() -> None:
        path = f"/buyers/properties?q={rng.choice(WORDS)}&limit=20"
        client.call("GET /buyers/properties?q", "GET", path, token=buyer().token)

    def listing() -> None:
        path = f"/buyers/properties/{rng.choice(sorted(peak.listings))}"
        client.call("GET /buyers/properties/:id", "GET", path, token=buyer().token)

    def book() -> None:
        property_id = rng.choice(sorted(peak.listings))
        body = {"property_id": property_id, "scheduled_at": _slot(rng), "duration_minutes": rng.choice((30, 45, 60))}
        reply = client.call("POST /buyers/bookings", "POST", "/buyers/bookings", body=body, token=buyer().token)
        if reply.status == 201:
            with peak.lock:
                peak.created.append(reply.body["data"]["id"])
                peak.pending.append((peak.listings[property_id], reply.body["data"]["id"]))

    def confirm() -> None:
        with peak.lock:
            job = peak.pending.pop(rng.randrange(len(peak.pending))) if peak.pending else None
        if job is None:
            browse()
            return
        realtor, booking_id = job
        path = f"/realtors/bookings/{booking_id}/confirm"
        client.call("PUT /realtors/bookings/:id/confirm", "PUT", path, token=realtor.token)

    def own_lists() -> None:
        client.call("GET /buyers/bookings", "GET", "/buyers/bookings?limit=20", token=buyer().token)

    def realtor_tours() -> None:
        realtor = rng.choice(peak.realtors)
        client.call("GET /realtors/tours", "GET", "/realtors/tours?when=upcoming&limit=20", token=realtor.token)

    def start_or_end() -> None:
        with peak.lock:
            if peak.running:
                job, verb = peak.running.pop(0), "end"
            elif peak.startable:
                job, verb = peak.startable.pop(0), "start"
            else:
                job, verb = None, ""
        if job is None:
            realtor_tours()
            return
        realtor, tour_id = job
        path = f"/realtors/tours/{tour_id}/{verb}"
        reply = client.call(f"POST /realtors/tours/:id/{verb}", "POST", path, token=realtor.token)
        if verb == "start" and reply.status == 200:
            with peak.lock:
                peak.running.append(job)

    def admin_list() -> None:
        path = rng.choice(ADMIN_LISTS)
        reply = client.call(f"GET {path}", "GET", f"{path}?limit=20", token=peak.admin.token)
        cursor = ((reply.body or {}).get("meta") or {}).get("pagination", {}).get("next_cursor")
        if cursor and rng.random() < 0.3:
            query = urllib.parse.urlencode({"limit": "20", "cursor": cursor})
            client.call(f"GET {path}", "GET", f"{path}?{query}", token=peak.admin.token)

    return {
        "GET /buyers/properties": browse,
        "GET /buyers/properties?city": browse_city,
        "GET /buyers/properties?q": search,
        "GET /buyers/properties/:id": listing,
        "POST /buyers/bookings": book,
        "PUT /realtors/bookings/:id/confirm": confirm,
        "GET /buyers/bookings": own_lists,
        "GET /realtors/tours": realtor_tours,
        "POST /realtors/tours/:id/start|end": start_or_end,
        "GET /admin/*": admin_list,
    }


def replay(client: Client, peak: Peak, budget: Budget, workers: int, seed: int) -> None:
    def worker(number: int) -> None:
        rng = random.Random(seed * 1000 + number)  # noqa: S311 - a workload, not a secret
        ops = operations(client, peak, rng)
        names, weights = list(MIX), list(MIX.values())
        while budget.take():
            ops[rng.choices(names, weights)[0]]()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, range(workers)))


# ---------------------------------------------------------------- the lists, walked to the end


def walk(client: Client, path: str, token: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = urllib.parse.urlencode({"limit": str(limit), **({"cursor": cursor} if cursor else {})})
        reply = client.call("verify", "GET", f"{path}?{query}", token=token, record=False)
        if reply.status != 200:
            raise RuntimeError(f"GET {path} answered {reply.status}: {reply.body}")
        items += reply.body["data"]
        cursor = reply.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            return items


def check_lists(client: Client, peak: Peak) -> dict[str, list[str]]:
    created = {
        "/admin/bookings": set(peak.created),
        "/admin/properties": set(peak.listings),
        "/admin/users": {a.user_id for a in [peak.admin, *peak.realtors, *peak.buyers]},
    }
    checks: dict[str, list[str]] = {}
    for path in ADMIN_LISTS:
        small, large = walk(client, path, peak.admin.token, 7), walk(client, path, peak.admin.token, 100)
        ids = [item["id"] for item in small]
        order = [(item["attributes"]["created_at"], item["id"]) for item in small]
        problems = []
        if len(ids) != len(set(ids)):
            problems.append(f"{len(ids) - len(set(ids))} items listed twice")
        if order != sorted(order, reverse=True):
            problems.append("not newest first")
        if ids != [item["id"] for item in large]:
            problems.append(f"pages of 7 and of 100 differ ({len(ids)} vs {len(large)} items)")
        missing = created.get(path, set()) - set(ids)
        if missing:
            problems.append(f"{len(missing)} items the load created are missing")
        checks[f"{path}: {len(ids)} items walked in pages of 7, ordered, complete, no duplicates"] = problems
    return checks


# ---------------------------------------------------------------- partitions


def hottest(log: Path, top: int = 8) -> dict[str, Any]:
    rows = json.loads(log.read_text()) if log.exists() else []
    report: dict[str, Any] = {}
    for kind in ("read", "write"):
        mine = [r for r in rows if r["kind"] == kind]
        total = sum(r["requests"] for r in mine) or 1
        by_key: dict[str, int] = defaultdict(int)
        for r in mine:
            table = r["table"].rsplit("-", 1)[-1]
            by_key[f"{table} {r['index'] or 'table'} {r['key']}"] += r["requests"]
        ranked = sorted(by_key.items(), key=lambda kv: -kv[1])[:top]
        report[kind] = {
            "total": total,
            "top": [{"key": k, "requests": n, "share": round(n / total, 3)} for k, n in ranked],
        }
    return report


def print_partitions(report: dict[str, Any]) -> None:
    for kind, data in report.items():
        print(f"\nhottest partitions by {kind}s ({data['total']} {kind}s in all):")
        for row in data["top"]:
            print(f"  {row['share']:>6.1%}  {row['requests']:>6}  {row['key']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A peak hour's mix on the local stack: latency, partitions, lists.")
    parser.add_argument("--seconds", type=float, default=60.0, help=f"time budget (at most {MAX_SECONDS:.0f})")
    parser.add_argument("--max-requests", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--realtors", type=int, default=4)
    parser.add_argument("--buyers", type=int, default=6)
    parser.add_argument("--listings-per-realtor", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--browse-cache-seconds",
        type=int,
        default=10,
        help="BrowseCacheSeconds as deployed (the local stack's own default is 0); 0 reads every browse",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "load" / "peak.json")
    args = parser.parse_args(argv)
    seconds = min(args.seconds, MAX_SECONDS)
    work = Path(tempfile.mkdtemp(prefix="realty-peak-"))
    log = work / "partitions.json"
    env = {
        "REALTY_PARTITION_LOG": str(log),
        "BOOKING_MIN_LEAD_MINUTES": "0",
        "REALTY_BROWSE_CACHE_SECONDS": str(args.browse_cache_seconds),
    }
    with launched_stack(work, log_level="WARNING", env=env) as stack:
        client = Client(stack.base_url)
        peak = set_up(client, args.realtors, args.buyers, args.listings_per_realtor)
        started = time.monotonic()
        replay(client, peak, Budget(args.max_requests, started + seconds), args.workers, args.seed)
        elapsed = time.monotonic() - started
        time.sleep(1.5)  # the stack rewrites the partition counts every second
        partitions = hottest(log)  # the load's (set-up included), before the checks' own reads
        checks = check_lists(client, peak)
    summary = summarise(client.samples, elapsed)
    unexpected = {
        status: n
        for status, n in summary["statuses"].items()
        if status >= 500 or (status >= 400 and status not in EXPECTED_REFUSALS)
    }
    checks["no 5xx and no 4xx other than 409 during the load"] = [f"{n} answers {s}" for s, n in unexpected.items()]
    print(f"\n{'route':<38} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for name, row in summary["operations"].items():
        print(f"{name:<38} {row['requests']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8}  {row['statuses']}")
    print(f"{'all':<38} {summary['requests']:>8} {summary['p50_ms']:>8} {summary['p95_ms']:>8}  {summary['statuses']}")
    print(f"{summary['requests_per_second']} requests/s over {summary['seconds']} s")
    print_partitions(partitions)
    print()
    for check, failures in checks.items():
        print(f"  {'ok  ' if not failures else 'FAIL'} {check}")
        for failure in failures[:10]:
            print(f"       {failure}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {"load": summary, "partitions": partitions, "checks": checks}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    failed = any(checks.values())
    print(f"\n{'FAILED' if failed else 'OK'}; results in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
