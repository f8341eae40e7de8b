"""The scale model: docs/scale.md is what the script produces, and its thresholds follow the figures."""

from __future__ import annotations

import math

import pytest

from tools import scale_model


def test_the_document_is_what_the_script_produces() -> None:
    # Re-run, not re-written: a changed parameter without `--write` fails here.
    assert scale_model.SCALE_DOC.read_text(encoding="utf-8") == scale_model.render()
    assert scale_model.main(["--check"]) == 0


def _limit(name: str) -> scale_model.Limit:
    return next(limit for limit in scale_model.LIMITS if limit.name == name)


def test_one_partition_of_browse_reads_is_met_at_75x() -> None:
    # 20 browse req/s, half without a city, 4 RCU a page: 40 RCU/s against 3,000 per partition.
    name = "DynamoDB partition reads: GSI3 `ACTIVE`, uncached (BrowseCacheSeconds=0)"
    assert scale_model.breaks_at(_limit(name)) == pytest.approx(75)


def test_the_browse_cache_moves_active_reads_to_312x() -> None:
    # 2.4 properties instances at 1x, each reading 10 page shapes once per 10 s, 4 RCU a page: 9.6 RCU/s.
    cached = _limit("DynamoDB partition reads: GSI3 `ACTIVE`, BrowseCacheSeconds=10")
    assert cached.demand() == pytest.approx(9.6)
    assert scale_model.breaks_at(cached) == pytest.approx(3000 / 9.6)


def test_sharded_population_writes_follow_the_shard_count() -> None:
    from realty.core import shards

    assert scale_model.TEMPLATE["population_shards"] == shards.SHARDS
    feed = _limit("DynamoDB partition writes: audit feed GSI2 `AUDIT#<shard>`")
    # Was one base-table partition at 2 WCU a change (353x): 1 WCU on the GSI over 2 shards is 4x that.
    assert scale_model.breaks_at(feed) == pytest.approx(4 * 1000 / (scale_model.mutations_per_second_at_peak() * 2))
    assert math.isinf(
        scale_model.breaks_at(_limit("DynamoDB partition writes: audit `RESOURCE#<type>#<id>` (one tour)"))
    )


def test_chime_meetings_are_met_at_12_5x_and_attendees_never() -> None:
    assert scale_model.breaks_at(_limit("Chime SDK active meetings")) == pytest.approx(250 / 20)
    assert math.isinf(scale_model.breaks_at(_limit("Chime SDK attendees per meeting")))


def test_a_threshold_follows_its_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    raised = scale_model.Quota(1000, "active meetings", "https://example.com", "read", True)
    monkeypatch.setitem(scale_model.QUOTAS, "chime_active_meetings", raised)
    assert scale_model.breaks_at(_limit("Chime SDK active meetings")) == pytest.approx(50)
    assert "Chime SDK active meetings | 1,000 active meetings" in scale_model.render()


def test_every_quota_names_its_source_and_every_multiple_is_costed() -> None:
    for quota in scale_model.QUOTAS.values():
        assert quota.status in {"read", "confirm"}
        assert quota.source
    costs = [scale_model.monthly_cost(m) for m in scale_model.MULTIPLES]
    assert costs == sorted(costs) and costs[0] > 0
