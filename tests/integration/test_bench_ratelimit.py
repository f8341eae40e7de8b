"""`make bench`'s ratelimit section: the same routes with the limiter on and off in one run; the
limiter is exactly one UpdateItem more per request, and its cost is reported as time and ratio."""

from __future__ import annotations

import os

from bench import ratelimit, report


def test_the_limiter_adds_one_update_item_per_request_and_the_section_reports_its_cost():
    before = {name: os.environ.get(name) for name in ratelimit.LIMITS}

    result = ratelimit.run(rounds=4)

    rows = {row["route"]: row for row in result["routes"]}
    assert set(rows) == {"GET /api/v1/auth/me", "PUT /api/v1/auth/me"}
    for route, row in rows.items():
        assert row["requests"] == 4
        assert "UpdateItem" not in row["dynamodb_calls_off"], route
        assert row["dynamodb_calls_on"] == ", ".join(
            sorted([*row["dynamodb_calls_off"].split(", "), "UpdateItem 1"])
        ), route
        assert row["p50_ms_on"] > 0 and row["p50_ms_off"] > 0 and row["ratio"] > 0
    assert rows["GET /api/v1/auth/me"]["dynamodb_calls_off"] == "GetItem 1"
    assert {name: os.environ.get(name) for name in ratelimit.LIMITS} == before  # the limits are put back
    table = report.ratelimit_table(result)
    assert "| `GET /api/v1/auth/me` | GetItem 1 | GetItem 1, UpdateItem 1 |" in table
