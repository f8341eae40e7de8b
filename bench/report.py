"""bench/results.json as Markdown tables (what `make bench` prints and the README's Performance shows)."""

from __future__ import annotations

from typing import Any


def _mark(met: bool | None, explained: str | None = None) -> str:
    if met is None:
        return "n/a"
    if met:
        return "yes"
    return "no (explained)" if explained else "**no**"


def _ops(counts: dict[str, str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in counts.items()) or "-"


def cold_table(cold: dict[str, Any]) -> str:
    reference = cold["reference"]
    cut = cold["reference_over_before"]
    met = cut <= 1 - cold["reference_cut"]
    lines = [
        f"Cold import, median of {cold['rounds']} fresh interpreters (min in brackets). Reference = the stack every "
        f"function must carry after the cut: **{reference['median_ms']} ms**. Each import ran right after one of "
        "the reference's; `x reference` is the median of those pairs' ratios (wall time; CPU time beside it), "
        "`x baseline` the same over the baseline's (resolver + boto3).",
        "",
        f"Reference after the cut / before it: **{cut}x** (target <= {1 - cold['reference_cut']:.2f}x: "
        f"{_mark(met)}). Functions: target <= {cold['target_ratio']}x the reference.",
        "",
        "| subject | median ms (min) | x reference | CPU x reference | x baseline | target | met | heavy SDKs |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for row in [reference, *cold["references"], *cold["functions"]]:
        heavy = ", ".join(row["heavy_sdks_at_import"]) or "none"
        if not row["heavy_sdks_met"]:
            heavy += " (**not allowed**)"
        lines.append(
            f"| {row['function']} | {row['median_ms']} ({row['min_ms']}) | {row['ratio_to_reference']} "
            f"| {row['cpu_ratio_to_reference']} | {row['ratio_to_baseline']} "
            f"| {row['target']} | {_mark(row['ratio_met'])} | {heavy} |"
        )
    return "\n".join(lines)


def restore_table(restore: dict[str, Any]) -> str:
    lines = [
        f"Work left after a SnapStart restore, median of {restore['rounds']} fresh interpreters per function "
        "(init and the before-snapshot hooks done, then the after-restore hooks and one request, in the emulated "
        "account; the same request again for comparison).",
        "",
        "| function | request | status | after-restore hooks ms | first request ms | total ms | warm request ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in restore["functions"]:
        first = "-" if row["first_request_ms"] is None else row["first_request_ms"]
        warm = "-" if row["warm_request_ms"] is None else row["warm_request_ms"]
        lines.append(
            f"| {row['function']} | `{row['request']}` | {row['status'] or '-'} | {row['hooks_ms']} | {first} "
            f"| {row['after_restore_ms']} | {warm} |"
        )
    return "\n".join(lines)


def routes_table(api: dict[str, Any]) -> str:
    base = api["baseline"]
    lines = [
        f"Per route, over {api['iterations']} warm runs of the scenario (reads repeated {api['reads_per_iteration']}x "
        f"per run); baseline = one GetItem through a bare resolver: **p50 {base['p50_ms']} ms, "
        f"p95 {base['p95_ms']} ms** ({base['samples']} samples). Scans seen: **{api['scans']}**.",
        "",
        "| route | status | DynamoDB calls | other AWS calls | target | met | p50 ms | p95 ms | n |",
        "|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for row in api["routes"]:
        status = "/".join(str(s) for s in row["statuses"])
        lines.append(
            f"| `{row['route']}` | {status} | {_ops(row['dynamodb'])} | {_ops(row['other_aws'])} | {row['target']} "
            f"| {_mark(row['met'], row['explained'])} | {row['p50_ms']} | {row['p95_ms']} | {row['samples']} |"
        )
    if api["routes_not_exercised"]:
        lines += ["", "Not exercised: " + ", ".join(api["routes_not_exercised"])]
    explained = [row for row in api["routes"] if row["explained"]]
    if explained:
        lines += ["", "Explained misses:"]
        lines += [f"- `{row['route']}`: {row['explained']}" for row in explained]
    return "\n".join(lines)


def processing_table(processing: dict[str, Any]) -> str:
    parallel, sequential = processing["parallel"], processing["sequential"]
    path = parallel["critical_path"]
    stages = list(parallel["stages_seconds"])
    lines = [
        f"A {processing['recording_minutes']}-minute recording ({parallel['chunks']} chunks), Whisper simulated at "
        f"{processing['whisper_seconds_per_10_audio_minutes']} s per 10 audio minutes. Whisper requests in flight at "
        f"once: {parallel['whisper_max_in_flight']} (MaxConcurrency 8) vs {sequential['whisper_max_in_flight']} (1).",
        "",
        "| stage | MaxConcurrency 8, s | MaxConcurrency 1, s |",
        "|---|---:|---:|",
    ]
    for stage in stages:
        lines.append(
            f"| {stage} | {parallel['stages_seconds'][stage]} | {sequential['stages_seconds'].get(stage, '-')} |"
        )
    lines += [
        f"| **whole execution** | **{parallel['wall_seconds']}** | **{sequential['wall_seconds']}** |",
        "",
        f"Critical path (top-level tasks + the slowest chunk's encode and Whisper call): "
        f"{path['critical_path_seconds']} s of a {path['execution_seconds']} s execution, "
        f"**{processing['critical_path_ratio']}x** (target {processing['target']}: {_mark(processing['met'])}). "
        f"Parallel/serial: transcription stage {processing['transcription_speedup']}x faster with MaxConcurrency 8, "
        f"whole execution {processing['total_speedup']}x.",
    ]
    return "\n".join(lines)


def search_table(search: dict[str, Any]) -> str:
    lines = [
        f"Buyer search over {search['listings']} listings, pages of {search['page_size']} (at most "
        f"{search['max_pages']} pages a search). Target: one Query and one BatchGetItem a page "
        "(the plain newest-first browse: one Query), no Scan.",
        "",
        "| search | pages | listings | Query / page | BatchGetItem / page | Scan | p50 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in search["searches"]:
        lines.append(
            f"| {row['search']} | {row['pages']} | {row['listings_returned']} | {row['queries_per_page']} | "
            f"{row['batch_gets_per_page']} | {row['scans']} | {row['p50_ms']} | {row['max_ms']} |"
        )
    return "\n".join(lines)


def ratelimit_table(limits: dict[str, Any]) -> str:
    lines = [
        f"The per-user rate limiter's cost: each route {limits['rounds']} times with the limiter on (the template's "
        f"{limits['limits']['rate_limit_reads_per_minute']} reads and "
        f"{limits['limits']['rate_limit_writes_per_minute']} changes a minute) and as many off, interleaved "
        "in one run. In-process against moto: the limiter's own work, not a network round trip.",
        "",
        "| route | DynamoDB calls off | DynamoDB calls on | p50 ms off | p50 ms on | added ms | on / off |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in limits["routes"]:
        lines.append(
            f"| `{row['route']}` | {row['dynamodb_calls_off']} | {row['dynamodb_calls_on']} | {row['p50_ms_off']} | "
            f"{row['p50_ms_on']} | {row['added_ms']} | {row['ratio']} |"
        )
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    parts = [f"# make bench ({results.get('measured_at', '')}, {results.get('machine', '')})"]
    if "cold_imports" in results:
        parts += ["## Cold start", cold_table(results["cold_imports"])]
    if "restore" in results:
        parts += ["## After a SnapStart restore", restore_table(results["restore"])]
    if "api" in results:
        parts += ["## AWS calls and warm latency per route", routes_table(results["api"])]
    if "search" in results:
        parts += ["## Searching listings", search_table(results["search"])]
    if "ratelimit" in results:
        parts += ["## The rate limiter's cost", ratelimit_table(results["ratelimit"])]
    if "processing" in results:
        parts += ["## Processing a long recording", processing_table(results["processing"])]
    return "\n\n".join(parts) + "\n"
