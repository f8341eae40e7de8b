"""Fuzz the API with Schemathesis from docs/openapi.json, signed in as each role.

    python -m tests.fuzz.run                    # what `make fuzz` runs: every phase, more examples
    python -m tests.fuzz.run --bounded          # the short run `make test` includes (tests/fuzz/test_fuzz.py)
    python -m tests.fuzz.run --url http://127.0.0.1:3000 --roles buyer --max-examples 50

Without `--url` it starts its own local stack (`python -m local` on free ports) and stops it after.
For each role it signs in a demo user, creates fresh objects to aim at (a listing, a pending and a
confirmed booking with its tour), collects the ids the role can see, and runs `st run` with the
hooks in `tests.fuzz.hooks` (real ids for path parameters, the envelope check). Each role's output
(with a curl line reproducing every failure), its JUnit report, its seeds and the stack's log go
to `--report-dir` (default .local/fuzz).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.launcher import launched_stack

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "docs" / "openapi.json"
DEMO_PASSWORD = "Demo-Pass-2026!"  # the published password of the local demo users (local/seed.py)
ROLES = ("realtor", "buyer", "admin")  # admin last: it may disable the users it is aimed at
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "positive_data_acceptance",  # a request the document calls valid is not refused as malformed
    "envelope",  # tests.fuzz.hooks
)
# What a valid request may still answer: refusals that are not about its shape (who may, which
# object, the state it is in, the plan, throttling). 400 and 422 are not among them: a documented
# request refused as malformed means the contract and the API disagree (a rule the schema cannot
# express is forgiven by name in tests.fuzz.hooks.BUSINESS_RULES).
POSITIVE_STATUSES = ("2xx", "401", "402", "403", "404", "409", "429")
# Signing the fuzzing user's own token out would turn the rest of the run into 401s.
EXCLUDED_PATHS = ("/api/v1/auth/logout",)
# A scoped run aims each role at its own routes only (the public ones go with the realtor).
ROLE_SCOPE = {
    "realtor": r"^/api/v1/(realtors|auth|health|webhooks)(/|$)",
    "buyer": r"^/api/v1/buyers/",
    "admin": r"^/api/v1/admin/",
}
PROTECTED = "protected"  # tests.fuzz.hooks.PROTECTED: ids never used as path values


@dataclass(frozen=True)
class Settings:
    roles: tuple[str, ...] = ROLES
    max_examples: int = 25
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    seed: int = 2026
    workers: int = 1
    scoped: bool = False
    # Methods the coverage phase sends to every path to check they are refused (None: Schemathesis' 8).
    unexpected_methods: tuple[str, ...] | None = None
    report_dir: Path = REPO_ROOT / ".local" / "fuzz"
    extra_args: tuple[str, ...] = ()


# The run `make test` includes: every documented edge case (coverage) of every operation under the
# role that may call it, a few random cases on top, deterministic; one unexpected method per path.
BOUNDED = Settings(
    max_examples=3,
    phases=("coverage", "fuzzing"),
    scoped=True,
    unexpected_methods=("trace",),
    extra_args=("--no-shrink",),
)


@dataclass
class RoleRun:
    role: str
    exit_code: int
    seconds: float
    output: Path
    summary: str = ""
    seeds: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- HTTP


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, reply = self.call(method, path, body, token)
        if status >= 300:
            raise RuntimeError(f"{method} {path} answered {status}: {reply}")
        return reply["data"]

    def login(self, role: str) -> str:
        data = self.ok("POST", "/api/v1/auth/login", {"email": f"{role}@example.com", "password": DEMO_PASSWORD})
        return str(data["attributes"]["access_token"])


# ---------------------------------------------------------------- what to aim at


def _slot(days_ahead: int, hour: int) -> str:
    day = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    return day.strftime("%Y-%m-%dT%H:%M:%SZ")


def prepare_targets(api: Api, tokens: dict[str, str], round_number: int) -> None:
    """A fresh listing with a pending and a confirmed booking (so a tour), whatever earlier runs did."""
    realtor, buyer = tokens["realtor"], tokens["buyer"]
    listing = api.ok(
        "POST",
        "/api/v1/realtors/properties",
        {
            "address": f"{round_number} Fuzz Court",
            "city": "Testville",
            "price": 350000,
            "bedrooms": 3,
            "bathrooms": 2,
            "sqft": 1400,
        },
        realtor,
    )
    bookings = [
        api.ok(
            "POST",
            "/api/v1/buyers/bookings",
            {"property_id": listing["id"], "scheduled_at": _slot(3 + round_number, hour), "duration_minutes": 30},
            buyer,
        )
        for hour in (10, 14)
    ]
    api.ok("PUT", f"/api/v1/realtors/bookings/{bookings[0]['id']}/confirm", None, realtor)


def collect_seeds(api: Api, tokens: dict[str, str]) -> dict[str, list[str]]:
    """Ids of real objects by kind (tour, property, booking, call, image, user), newest first."""
    found: dict[str, list[str]] = {}

    def add(kind: str, value: Any) -> None:
        if isinstance(value, str) and value not in found.setdefault(kind, []):
            found[kind].append(value)

    def add_resource(resource: dict[str, Any]) -> None:
        add(resource["type"], resource["id"])
        for relation in (resource.get("relationships") or {}).values():
            for item in relation if isinstance(relation, list) else [relation]:
                if isinstance(item, dict) and item.get("type") != "user":
                    add(item["type"], item["id"])
        for image in (resource.get("attributes") or {}).get("images") or []:
            add("image", image.get("id"))

    reads = {
        "realtor": ("/api/v1/realtors/tours", "/api/v1/realtors/properties", "/api/v1/realtors/bookings"),
        "buyer": ("/api/v1/buyers/tours", "/api/v1/buyers/bookings"),
    }
    for role, paths in reads.items():
        for path in paths:
            for resource in api.ok("GET", path, None, tokens[role]):
                add_resource(resource)
    # Admins aim their user changes at a throwaway account and at themselves (which they may not
    # demote or delete), never at the demo realtor and buyer the other runs sign in as.
    email = f"fuzz-target-{int(time.time() * 1000)}@example.com"
    registered = api.ok(
        "POST",
        "/api/v1/auth/register",
        {"email": email, "password": DEMO_PASSWORD, "full_name": "Fuzz Target", "role": "buyer"},
    )
    add("user", registered["id"])
    add("user", api.ok("GET", "/api/v1/auth/me", None, tokens["admin"])["id"])
    for role in ("realtor", "buyer"):
        add(PROTECTED, api.ok("GET", "/api/v1/auth/me", None, tokens[role])["id"])
    return found


# ---------------------------------------------------------------- the stack


@contextmanager
def local_stack(work: Path) -> Iterator[str]:
    """`python -m local` on free ports, its output in work/stack.log; yields the base URL."""
    with launched_stack(work, start_timeout=90) as stack:
        yield stack.base_url


# ---------------------------------------------------------------- schemathesis


def st_command(base_url: str, token: str, settings: Settings, role: str) -> list[str]:
    st = Path(sys.executable).with_name("st")
    command = [str(st) if st.exists() else "st"]
    config = settings.report_dir / "schemathesis.toml"
    statuses = ", ".join(f'"{status}"' for status in POSITIVE_STATUSES)
    text = f"[checks.positive_data_acceptance]\nexpected-statuses = [{statuses}]\n"
    if settings.unexpected_methods is not None:
        methods = ", ".join(f'"{method}"' for method in settings.unexpected_methods)
        text += f"\n[phases.coverage]\nunexpected-methods = [{methods}]\n"
    config.write_text(text)
    command += ["--config-file", str(config)]
    command += [
        "run",
        str(SCHEMA),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        ",".join(settings.phases),
        "--max-examples",
        str(settings.max_examples),
        "--seed",
        str(settings.seed),
        "--workers",
        str(settings.workers),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(settings.report_dir / f"{role}-junit.xml"),
        "--no-color",
        *settings.extra_args,
    ]
    for path in EXCLUDED_PATHS:
        command += ["--exclude-path", path]
    if settings.scoped:
        command += ["--include-path-regex", ROLE_SCOPE[role]]
    return command


def run_role(api: Api, role: str, settings: Settings, round_number: int) -> RoleRun:
    tokens = {name: api.login(name) for name in ("realtor", "buyer", "admin")}
    prepare_targets(api, tokens, round_number)
    seeds = collect_seeds(api, tokens)
    seeds_file = settings.report_dir / f"{role}-seeds.json"
    seeds_file.write_text(json.dumps(seeds, indent=2))
    output = settings.report_dir / f"{role}.txt"
    env = dict(os.environ)
    env.update(
        SCHEMATHESIS_HOOKS="tests.fuzz.hooks",
        REALTY_FUZZ_SEEDS=str(seeds_file),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        NO_COLOR="1",
        COLUMNS="120",
    )
    started = time.monotonic()
    with output.open("wb") as out:
        code = subprocess.call(
            st_command(api.base_url, tokens[role], settings, role),
            cwd=settings.report_dir,  # st keeps its replay cache in `.schemathesis/` of its cwd
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    text = output.read_text(errors="replace")
    summary = next((line.strip("= ") for line in reversed(text.splitlines()) if " in " in line), "")
    return RoleRun(role, code, time.monotonic() - started, output, summary, seeds)


def fuzz(settings: Settings, base_url: str | None = None) -> list[RoleRun]:
    settings.report_dir.mkdir(parents=True, exist_ok=True)
    if base_url is None:
        with local_stack(settings.report_dir / "stack") as started:
            return fuzz(settings, started)
    api = Api(base_url)
    return [run_role(api, role, settings, number) for number, role in enumerate(settings.roles)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running stack (default: start one)")
    parser.add_argument("--bounded", action="store_true", help="the short run of `make test`")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--max-examples", type=int)
    parser.add_argument("--phases")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--workers", type=int, help="1 (default); Hypothesis is not thread-safe")
    parser.add_argument("--report-dir", type=Path)
    args = parser.parse_args(argv)
    base = BOUNDED if args.bounded else Settings()
    settings = dataclasses.replace(
        base,
        roles=tuple(role for role in args.roles.split(",") if role),
        max_examples=args.max_examples or base.max_examples,
        phases=tuple(args.phases.split(",")) if args.phases else base.phases,
        seed=args.seed if args.seed is not None else base.seed,
        workers=args.workers or base.workers,
        report_dir=args.report_dir or base.report_dir,
    )
    started = time.monotonic()
    runs = fuzz(settings, args.url)
    for run in runs:
        verdict = "ok" if run.exit_code == 0 else f"FAILED (exit {run.exit_code})"
        print(f"{run.role:8} {verdict:18} {run.seconds:6.1f} s  {run.summary}  -> {run.output}")
    print(f"total {time.monotonic() - started:.1f} s; reports in {settings.report_dir}")
    return 0 if all(run.exit_code == 0 for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
