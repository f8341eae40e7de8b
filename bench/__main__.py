"""`make bench`: every figure beside a baseline measured in the same run; tables printed, bench/results.json written.

    python -m bench                      # everything (about 4 minutes on 2 cores)
    python -m bench --only cold,api      # some sections (results.json keeps the others' last figures)
    python -m bench --quick              # fewer rounds and runs, a 20-minute recording: a smoke run

Sections: `cold` (bench.cold_imports), `restore` (bench.restore: the work left after a SnapStart
restore), `api` (bench.api: AWS calls and warm latency per route, from
bench.scenario), `processing` (bench.processing), `search` (bench.search: buyer search over a few thousand listings),
`ratelimit` (bench.ratelimit: a read and a change with the per-user rate limiter on and off).
"""

from __future__ import annotations

# The emulated environment first: Powertools reads its settings (metrics namespace, log level)
# when the layer's modules are imported.
from testkit import env  # isort: skip

env.apply()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from bench import report  # noqa: E402
from tools.functions import ROOT  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
SECTIONS = ("cold", "restore", "api", "search", "ratelimit", "processing")


def _machine() -> str:
    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="a short smoke run, figures not for the README")
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/results.json alone")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    warnings.simplefilter("ignore")  # Powertools warns on every invocation without metrics

    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results |= {"measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": _machine()}
    results["quick"] = args.quick
    timings = {}
    if "cold" in wanted:
        from bench import cold_imports

        started = time.monotonic()
        results["cold_imports"] = cold_imports.run(rounds=3 if args.quick else 8)
        timings["cold"] = time.monotonic() - started
        print(report.cold_table(results["cold_imports"]), end="\n\n", flush=True)
    if "restore" in wanted:
        from bench import restore

        started = time.monotonic()
        results["restore"] = restore.run(rounds=1 if args.quick else 3)
        timings["restore"] = time.monotonic() - started
        print(report.restore_table(results["restore"]), end="\n\n", flush=True)
    if "api" in wanted:
        from bench import api

        started = time.monotonic()
        results["api"] = api.run(iterations=2 if args.quick else 6, reads=2 if args.quick else 6)
        timings["api"] = time.monotonic() - started
        print(report.routes_table(results["api"]), end="\n\n", flush=True)
    if "search" in wanted:
        from bench import search

        started = time.monotonic()
        results["search"] = search.run(listings=500 if args.quick else 3000)
        timings["search"] = time.monotonic() - started
        print(report.search_table(results["search"]), end="\n\n", flush=True)
    if "ratelimit" in wanted:
        from bench import ratelimit

        started = time.monotonic()
        results["ratelimit"] = ratelimit.run(rounds=20 if args.quick else 200)
        timings["ratelimit"] = time.monotonic() - started
        print(report.ratelimit_table(results["ratelimit"]), end="\n\n", flush=True)
    if "processing" in wanted:
        from bench import processing

        started = time.monotonic()
        results["processing"] = processing.run(minutes=20 if args.quick else 60)
        timings["processing"] = time.monotonic() - started
        print(report.processing_table(results["processing"]), end="\n\n", flush=True)
    sections = (
        ("cold", "cold_imports"),
        ("restore", "restore"),
        ("api", "api"),
        ("search", "search"),
        ("ratelimit", "ratelimit"),
    )
    for name, key in (*sections, ("processing", "processing")):
        if name in timings:  # sections not run this time keep their last figures and their date
            results[key]["measured_at"] = results["measured_at"]
    results["seconds_per_section"] = results.get("seconds_per_section", {}) | {
        name: round(value, 1) for name, value in timings.items()
    }
    if not args.no_write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"written: {RESULTS.relative_to(ROOT)} ({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
