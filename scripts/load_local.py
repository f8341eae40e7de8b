"""`make load`: concurrent bookings and confirmations against the local stack, then the invariants.

Starts its own local stack on free loopback ports (or uses `--url http://127.0.0.1:<port>`), signs in
the demo users, registers a second realtor and a few buyers, lists properties for both realtors,
then, from a pool of threads:

1. buyers request tours on a small set of overlapping time slots (some with an `Idempotency-Key`,
   replayed once, as a mobile app retrying after a timeout would), while others browse;
2. realtors confirm every pending booking at once, most of them overlapping another one.

Then it reads everything back through the API and checks what must hold whatever the interleaving:
no two confirmed tours of one realtor or of one property overlap; every booking answered 201 is
readable by its buyer and listed once (no lost write, no duplicate from a replay); each confirmation
answered 200 left the booking confirmed with its tour, each one refused with 409 left it pending.
It reports throughput, latency percentiles per operation, and answers by status.

Bounded: at most `--max-requests` load requests within `--seconds` (defaults 400 and 20 s), only
127.0.0.1. The local stack runs one invocation of a function at a time (each function is one warm
container, as Lambda without concurrency), so throughput is modest; correctness is the point.
Exit status 1 when an invariant fails or anything answered 5xx.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/load_local.py` from anywhere
    sys.path.insert(0, str(ROOT))

from local.launcher import launched_stack  # noqa: E402 - after the path fix above

PASSWORD = "Demo-Pass-2026!"  # noqa: S105 - the local stack's documented demo password
LOOPBACK = {"127.0.0.1", "localhost"}
# Statuses the workload expects: a slot taken, a booking already confirmed by a racing request.
EXPECTED_REFUSALS = {409}


@dataclass
class Sample:
    operation: str
    status: int
    seconds: float


@dataclass
class Reply:
    status: int
    body: Any


@dataclass
class Client:
    base_url: str
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        record: bool = True,
    ) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        url = f"{self.base_url}/api/v1{path}"  # base_url is checked to be loopback http
        request = urllib.request.Request(url, data=data, headers=sent, method=method)  # noqa: S310
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        elapsed = time.perf_counter() - started
        if record:
            with self.lock:
                self.samples.append(Sample(operation, status, elapsed))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Reply(status, parsed)

    def pages(self, path: str, token: str, query: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated list (verification reads, not recorded as load)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params = {"limit": "100", **(query or {}), **({"cursor": cursor} if cursor else {})}
            reply = self.call("verify", "GET", f"{path}?{urllib.parse.urlencode(params)}", token=token, record=False)
            if reply.status != 200:
                raise RuntimeError(f"GET {path} answered {reply.status}: {reply.body}")
            items += reply.body["data"]
            cursor = reply.body["meta"]["pagination"]["next_cursor"]
            if not cursor:
                return items


# ---------------------------------------------------------------- the stack


@contextmanager
def local_stack(url: str | None) -> Iterator[str]:
    if url:
        host = urllib.parse.urlparse(url).hostname
        if host not in LOOPBACK:
            raise SystemExit(f"--url must be a loopback address (127.0.0.1), not {host}")
        yield url.rstrip("/")
        return
    with launched_stack(Path(tempfile.mkdtemp(prefix="realty-load-")), log_level="WARNING") as stack:
        yield stack.base_url


# ---------------------------------------------------------------- the people and the listings


@dataclass
class Actor:
    email: str
    token: str
    user_id: str = ""


@dataclass
class World:
    admin: Actor
    realtors: list[Actor]
    buyers: list[Actor]
    properties: dict[str, str]  # property id -> realtor email


def login(client: Client, email: str) -> Actor:
    reply = client.call("login", "POST", "/auth/login", body={"email": email, "password": PASSWORD}, record=False)
    if reply.status != 200:
        raise RuntimeError(f"login of {email} answered {reply.status}: {reply.body}")
    actor = Actor(email, reply.body["data"]["attributes"]["access_token"])
    me = client.call("me", "GET", "/auth/me", token=actor.token, record=False)
    actor.user_id = me.body["data"]["id"]
    return actor


def register(client: Client, email: str, role: str) -> Actor:
    body = {"email": email, "password": PASSWORD, "full_name": f"Load {role.title()}", "role": role}
    reply = client.call("register", "POST", "/auth/register", body=body, record=False)
    if reply.status not in (200, 201):
        raise RuntimeError(f"register {email} answered {reply.status}: {reply.body}")
    # The emulated Cognito sends no email and takes any code.
    client.call("confirm", "POST", "/auth/confirm", body={"email": email, "code": "123456"}, record=False)
    return login(client, email)


def set_up(client: Client, buyers: int) -> World:
    run = uuid.uuid4().hex[:8]
    admin = login(client, "admin@example.com")
    realtors = [login(client, "realtor@example.com"), register(client, f"load-realtor-{run}@example.com", "realtor")]
    people = [login(client, "buyer@example.com")]
    people += [register(client, f"load-buyer-{run}-{n}@example.com", "buyer") for n in range(buyers - 1)]
    properties: dict[str, str] = {}
    for number, (realtor, street) in enumerate(itertools.product(realtors, ("Oak", "Birch"))):
        body = {
            "address": f"{10 + number} {street} Lane",
            "city": "Springfield",
            "price": 350_000 + number * 1_000,
            "bedrooms": 3,
            "bathrooms": 2,
            "sqft": 1500,
        }
        reply = client.call("property", "POST", "/realtors/properties", body=body, token=realtor.token, record=False)
        if reply.status != 201:
            raise RuntimeError(f"creating a property answered {reply.status}: {reply.body}")
        properties[reply.body["data"]["id"]] = realtor.email
    return World(admin, realtors, people, properties)


def slot_starts(days: int = 2, per_day: int = 12) -> list[datetime]:
    """Quarter-hour starts from 09:00 UTC, two days ahead: few enough that requests overlap a lot."""
    first = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    return [first + timedelta(days=d, minutes=15 * s) for d in range(days) for s in range(per_day)]


# ---------------------------------------------------------------- the load


@dataclass
class Created:
    booking_id: str
    buyer: Actor
    property_id: str


@dataclass
class Budget:
    max_requests: int
    deadline: float
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, requests: int = 1) -> bool:
        with self.lock:
            if self.issued + requests > self.max_requests or time.monotonic() > self.deadline:
                return False
            self.issued += requests
            return True


def request_tours(
    client: Client, world: World, budget: Budget, workers: int, attempts: int, rng: random.Random
) -> tuple[list[Created], list[str]]:
    """Buyers request tours (a quarter with an Idempotency-Key, replayed once) while others browse."""
    starts = slot_starts()
    created: list[Created] = []
    problems: list[str] = []
    lock = threading.Lock()
    plans = [
        (
            rng.choice(world.buyers),
            rng.choice(sorted(world.properties)),
            rng.choice(starts),
            rng.choice((30, 45, 60)),
            rng.random() < 0.25,
        )
        for _ in range(attempts)
    ]

    def one(plan: tuple[Actor, str, datetime, int, bool]) -> None:
        buyer, property_id, start, minutes, keyed = plan
        if not budget.take(3 if keyed else 2):
            return
        scheduled_at = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"property_id": property_id, "scheduled_at": scheduled_at, "duration_minutes": minutes}
        headers = {"Idempotency-Key": str(uuid.uuid4())} if keyed else None
        reply = client.call("create booking", "POST", "/buyers/bookings", body=body, token=buyer.token, headers=headers)
        if reply.status == 201:
            booking_id = reply.body["data"]["id"]
            with lock:
                created.append(Created(booking_id, buyer, property_id))
            if keyed:
                again = client.call(
                    "replay booking", "POST", "/buyers/bookings", body=body, token=buyer.token, headers=headers
                )
                if again.status != 201 or again.body["data"]["id"] != booking_id:
                    with lock:
                        problems.append(f"a replayed Idempotency-Key answered {again.status}, not booking {booking_id}")
        client.call("browse", "GET", "/buyers/properties?city=Springfield", token=buyer.token)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, plans))
    return created, problems


def confirm_all(client: Client, world: World, budget: Budget, workers: int, rng: random.Random) -> dict[str, int]:
    """Every pending booking of both realtors confirmed at once, in random order; booking id -> status."""
    realtors = {realtor.email: realtor for realtor in world.realtors}
    pending = [
        (realtors[email], item["id"])
        for email in realtors
        for item in client.pages("/realtors/bookings", realtors[email].token, {"status": "pending"})
    ]
    rng.shuffle(pending)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    release = threading.Barrier(min(workers, len(pending)) or 1)

    def one(job: tuple[Actor, str]) -> None:
        realtor, booking_id = job
        if not budget.take():
            return
        # The first wave leaves together: overlapping confirmations in flight at the same moment.
        with contextlib.suppress(threading.BrokenBarrierError):
            release.wait(timeout=5)
        reply = client.call("confirm booking", "PUT", f"/realtors/bookings/{booking_id}/confirm", token=realtor.token)
        with lock:
            outcomes[booking_id] = reply.status

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, pending))
    return outcomes


# ---------------------------------------------------------------- the invariants


def _relationship(item: dict[str, Any], name: str) -> str | None:
    related = (item.get("relationships") or {}).get(name)
    if isinstance(related, dict):
        inner = related.get("data", related)
        return inner.get("id") if isinstance(inner, dict) else None
    return None


def _interval(item: dict[str, Any]) -> tuple[datetime, datetime]:
    def parse(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return parse(item["attributes"]["scheduled_at"]), parse(item["attributes"]["ends_at"])


def overlaps(bookings: list[dict[str, Any]], key: Callable[[dict[str, Any]], str | None]) -> list[str]:
    found = []
    groups: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for item in bookings:
        groups[key(item)].append(item)
    for owner, items in groups.items():
        ordered = sorted(items, key=_interval)
        for earlier, later in itertools.pairwise(ordered):
            if _interval(later)[0] < _interval(earlier)[1]:
                found.append(f"{owner}: {earlier['id']} and {later['id']} overlap")
    return found


def verify(client: Client, world: World, created: list[Created], confirmations: dict[str, int]) -> dict[str, Any]:
    everything = client.pages("/admin/bookings", world.admin.token)
    by_id = {item["id"]: item for item in everything}
    ours = {item["id"] for item in everything if _relationship(item, "property") in world.properties}
    answered_201 = {c.booking_id for c in created}
    checks: dict[str, list[str]] = {}

    confirmed = [item for item in everything if item["attributes"]["status"] == "confirmed"]
    checks["no two confirmed tours of one realtor overlap"] = overlaps(confirmed, lambda i: _relationship(i, "realtor"))
    checks["no two confirmed tours of one property overlap"] = overlaps(
        confirmed, lambda i: _relationship(i, "property")
    )
    checks["every booking answered 201 is stored once, and nothing else"] = [
        *(f"{b} answered 201 but is not stored" for b in sorted(answered_201 - ours)),
        *(f"{b} is stored but was never answered 201" for b in sorted(ours - answered_201)),
        *([f"{len(everything) - len(by_id)} bookings listed twice"] if len(everything) != len(by_id) else []),
    ]
    unreadable = []
    for item in created:
        path = f"/buyers/bookings/{item.booking_id}"
        reply = client.call("verify", "GET", path, token=item.buyer.token, record=False)
        if reply.status != 200:
            unreadable.append(f"{item.booking_id}: {reply.status}")
    checks["every booking answered 201 is readable by its buyer"] = unreadable
    listed: Counter[str] = Counter()
    for buyer in world.buyers:
        listed.update(item["id"] for item in client.pages("/buyers/bookings", buyer.token))
    per_buyer = Counter(c.buyer.email for c in created)
    checks["each buyer lists exactly the bookings they made"] = [
        *(f"{b} listed {n} times" for b, n in listed.items() if n > 1),
        *(f"{c.booking_id} missing from {c.buyer.email}'s list" for c in created if c.booking_id not in listed),
    ]
    confirm_mismatch = []
    for booking_id, status in confirmations.items():
        state = by_id[booking_id]["attributes"]["status"]
        if status == 200 and (state != "confirmed" or not _relationship(by_id[booking_id], "tour")):
            confirm_mismatch.append(f"{booking_id} confirmed (200) but is {state}")
        if status == 409 and state != "pending":
            confirm_mismatch.append(f"{booking_id} refused (409) but is {state}")
    checks["a confirmation's answer is what happened to the booking"] = confirm_mismatch
    tours = [
        tour
        for realtor in world.realtors
        for tour in client.pages("/realtors/tours", realtor.token)
        if _relationship(tour, "booking") in ours
    ]
    ours_confirmed = sum(1 for b in ours if by_id[b]["attributes"]["status"] == "confirmed")
    checks["one tour per confirmed booking"] = (
        [] if len(tours) == ours_confirmed else [f"{len(tours)} tours for {ours_confirmed} confirmed bookings"]
    )
    return {
        "bookings_created": len(answered_201),
        "bookings_per_buyer": dict(per_buyer),
        "bookings_confirmed": ours_confirmed,
        "confirmations_refused": sum(1 for s in confirmations.values() if s == 409),
        "checks": checks,
    }


# ---------------------------------------------------------------- the report


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    rows = {}
    for operation in sorted({s.operation for s in samples}):
        mine = [s for s in samples if s.operation == operation]
        latencies = [s.seconds * 1000 for s in mine]
        rows[operation] = {
            "requests": len(mine),
            "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "statuses": dict(sorted(Counter(s.status for s in mine).items())),
        }
    latencies = [s.seconds * 1000 for s in samples]
    return {
        "requests": len(samples),
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(samples) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else 0.0,
        "statuses": dict(sorted(Counter(s.status for s in samples).items())),
        "operations": rows,
    }


def print_report(summary: dict[str, Any], outcome: dict[str, Any]) -> None:
    print(f"\n{'operation':<16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for name, row in summary["operations"].items():
        print(f"{name:<16} {row['requests']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8}  {row['statuses']}")
    print(
        f"{'all':<16} {summary['requests']:>8} {summary['p50_ms']:>8} {summary['p95_ms']:>8}  {summary['statuses']}"
        f"\n{summary['requests_per_second']} requests/s over {summary['seconds']} s"
    )
    print(
        f"\n{outcome['bookings_created']} bookings created, {outcome['bookings_confirmed']} confirmed, "
        f"{outcome['confirmations_refused']} confirmations refused (409)"
    )
    print("phases (s): " + ", ".join(f"{name} {value}" for name, value in outcome["timings_s"].items()))
    for check, failures in outcome["checks"].items():
        print(f"  {'ok  ' if not failures else 'FAIL'} {check}")
        for failure in failures[:10]:
            print(f"       {failure}")


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:2] == ["--profile", "peak"]:  # `make load PROFILE=peak`: scripts/load_peak.py
        from scripts import load_peak

        return load_peak.main(arguments[2:])
    parser = argparse.ArgumentParser(description="Concurrent bookings and confirmations on the local stack.")
    parser.add_argument("--url", help="an already running local stack, e.g. http://127.0.0.1:3000")
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget of the load phases")
    parser.add_argument("--max-requests", type=int, default=400, help="request budget of the load phases")
    parser.add_argument("--workers", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--buyers", type=int, default=4)
    parser.add_argument("--bookings", type=int, default=48, help="booking requests to attempt")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "load" / "results.json")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 - a workload, not a secret

    launched = time.monotonic()
    with local_stack(args.url) as base_url:
        ready = time.monotonic()
        client = Client(base_url)
        world = set_up(client, args.buyers)
        started = time.monotonic()
        # Requests get the first 60% of the time, confirmations the rest (and whatever requests left).
        budget = Budget(args.max_requests, started + 0.6 * args.seconds)
        created, problems = request_tours(client, world, budget, args.workers, args.bookings, rng)
        budget.deadline = started + args.seconds
        confirmations = confirm_all(client, world, budget, args.workers, rng)
        elapsed = time.monotonic() - started
        outcome = verify(client, world, created, confirmations)
        verified = time.monotonic()
    outcome["timings_s"] = {
        "stack_start": round(ready - launched, 1),
        "set_up": round(started - ready, 1),
        "load": round(elapsed, 1),
        "verify": round(verified - started - elapsed, 1),
        "total": round(time.monotonic() - launched, 1),
    }

    outcome["checks"]["an Idempotency-Key replay answers the same booking"] = problems
    summary = summarise(client.samples, elapsed)
    unexpected = {
        status: n
        for status, n in summary["statuses"].items()
        if status >= 500 or (status >= 400 and status not in EXPECTED_REFUSALS)
    }
    outcome["checks"]["no 5xx and no 4xx other than 409 during the load"] = [
        f"{n} answers {status}" for status, n in unexpected.items()
    ]
    print_report(summary, outcome)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"load": summary, "outcome": outcome}, indent=2, default=str) + "\n")
    failed = any(outcome["checks"].values())
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"\n{'FAILED' if failed else 'OK'}; results in {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
