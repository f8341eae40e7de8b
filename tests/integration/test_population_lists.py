"""Population lists across their shards (`realty.core.shards`): the admin lists of listings,
bookings, tours and users, and the audit feed, walked to the end through the API. Every page is
newest first, nothing is missing or repeated, and a page costs at most two Queries (one per shard).
Also: the keys are written sharded, and the browse page cache (BROWSE_CACHE_SECONDS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from bench.aws_calls import counting, dynamodb_operations
from realty.core import audit, clock, ids, shards
from realty.core.auth import Role
from realty.core.config import reset_settings
from realty.core.dynamo import from_item, to_item
from testkit.api import call
from testkit.population import population_items
from tests.support.bookings import at, booked, confirmed, new_property

MANY = 23  # more than four pages of 5, over both shards


def _put(item: dict[str, Any], table: str = "realty-test-main") -> None:
    boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=table, Item=to_item(item))


def _copies(model: Any, item_of: Any, fake_clock: Any) -> list[str]:
    """MANY copies of a stored item under new ids, a second apart: the ids, oldest first."""
    made = []
    for _ in range(MANY):
        fake_clock.advance(seconds=1)
        copy = model.model_copy(update={"id": ids.new_id(), "created_at": clock.now_iso()})
        _put(item_of(copy))
        made.append(copy.id)
    return made


def _walk(path: str, caller: Any, query: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a list, page by page (limit 5), and the Queries each page took."""
    seen: list[dict[str, Any]] = []
    queries: list[int] = []
    cursor = None
    while True:
        params = {"limit": "5", **(query or {}), **({"cursor": cursor} if cursor else {})}
        with counting() as log:
            page = call("GET", path, caller=caller, query=params)
        assert page.status == 200, page.body
        queries.append(dynamodb_operations(log.calls)["Query"])
        seen += page.data
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            return seen, queries


def _assert_newest_first_and_complete(seen: list[dict[str, Any]], expected: set[str]) -> None:
    listed = [item["id"] for item in seen]
    assert len(listed) == len(set(listed)), "an item was listed twice"
    assert set(listed) == expected
    stamps = [(item["attributes"]["created_at"], item["id"]) for item in seen]
    assert stamps == sorted(stamps, reverse=True)


@pytest.fixture
def world(make_user, fake_clock):
    realtor = make_user(Role.REALTOR)
    buyer = make_user(Role.BUYER)
    admin = make_user(Role.ADMIN)
    property_id = new_property(realtor)
    booking_id = booked(buyer, property_id, at(days=2))
    confirmed(realtor, booking_id)
    return {"realtor": realtor, "buyer": buyer, "admin": admin, "property": property_id, "booking": booking_id}


def test_every_population_key_is_written_in_one_of_two_shards(world):
    for population in ("PROPERTIES", "BOOKINGS", "TOURS"):
        [item] = population_items(population)
        assert item["GSI4PK"]["S"] == shards.partition(population, item["id"]["S"])
    users = population_items("USERS")
    assert {u["GSI2PK"]["S"] for u in users} <= set(shards.partitions("USERS")) and len(users) == 3
    feed = population_items("AUDIT", audit=True)
    assert feed and all(i["GSI2PK"]["S"] == shards.partition("AUDIT", i["id"]["S"]) for i in feed)
    # The audit table's own key is the changed resource: its history is one partition.
    assert all(i["PK"]["S"] == f"RESOURCE#{i['resource_type']['S']}#{i['resource_id']['S']}" for i in feed)


def test_admin_listings_walk_both_shards_in_order(world, fake_clock):
    from realty.properties.store import property_from_item, property_item

    [stored] = population_items("PROPERTIES")
    made = _copies(property_from_item(stored), property_item, fake_clock)

    seen, queries = _walk("/api/v1/admin/properties", world["admin"])

    _assert_newest_first_and_complete(seen, {world["property"], *made})
    assert max(queries) <= 2
    assert {shards.shard_of(i) for i in made} == {0, 1}


def test_admin_bookings_walk_both_shards_in_order(world, fake_clock):
    from realty.bookings.models import Booking
    from realty.bookings.store import booking_item

    [stored] = population_items("BOOKINGS")
    made = _copies(Booking.model_validate(from_item(stored)), booking_item, fake_clock)

    seen, queries = _walk("/api/v1/admin/bookings", world["admin"])
    _assert_newest_first_and_complete(seen, {world["booking"], *made})
    assert max(queries) <= 2

    # A filter still gives every match, in order, across both shards.
    confirmed_only, _ = _walk("/api/v1/admin/bookings", world["admin"], {"status": "confirmed"})
    _assert_newest_first_and_complete(confirmed_only, {world["booking"], *made})


def test_admin_tours_walk_both_shards_in_order(world, fake_clock):
    from realty.tours.models import Tour
    from realty.tours.store import tour_item

    [stored] = population_items("TOURS")
    made = _copies(Tour.model_validate(from_item(stored)), tour_item, fake_clock)

    seen, queries = _walk("/api/v1/admin/tours", world["admin"])

    _assert_newest_first_and_complete(seen, {stored["id"]["S"], *made})
    assert max(queries) <= 2


def test_admin_users_walk_both_shards_in_order(world, make_user, fake_clock):
    everyone = {world[name].user_id for name in ("realtor", "buyer", "admin")}
    for n in range(MANY):
        fake_clock.advance(seconds=1)
        everyone.add(make_user(Role.BUYER if n % 2 else Role.REALTOR).user_id)

    seen, queries = _walk("/api/v1/admin/users", world["admin"])

    _assert_newest_first_and_complete(seen, everyone)
    assert max(queries) <= 2


def test_the_audit_feed_walks_both_shards_newest_first(world, fake_clock):
    for n in range(MANY):
        fake_clock.advance(seconds=1)
        audit.record(actor_id=world["admin"].user_id, action="test.touched", resource_type="thing", resource_id=f"t{n}")
    expected = {i["id"]["S"] for i in population_items("AUDIT", audit=True)}

    seen, queries = _walk("/api/v1/admin/audit-logs", world["admin"])

    _assert_newest_first_and_complete(seen, expected)
    assert max(queries) <= 2
    # A window of the feed is a sort-key range on both shards.
    start = (clock.now() - timedelta(seconds=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent, _ = _walk("/api/v1/admin/audit-logs", world["admin"], {"from": start})
    assert [i["attributes"]["resource_id"] for i in recent] == [f"t{n}" for n in range(MANY - 1, MANY - 11, -1)]
    # One resource's history is its own partition: one Query.
    history, queries = _walk(
        "/api/v1/admin/audit-logs", world["admin"], {"resource_type": "thing", "resource_id": "t3"}
    )
    assert [i["attributes"]["action"] for i in history] == ["test.touched"] and queries == [1]


@pytest.fixture
def browse_cache(monkeypatch):
    from realty.properties import service

    monkeypatch.setenv("BROWSE_CACHE_SECONDS", "10")
    reset_settings()
    service._BROWSE_PAGES.clear()
    yield service._BROWSE_PAGES
    service._BROWSE_PAGES.clear()
    monkeypatch.delenv("BROWSE_CACHE_SECONDS")
    reset_settings()


def test_a_browse_page_is_read_once_for_every_buyer_for_a_few_seconds(
    world, make_user, browse_cache, monkeypatch, fake_clock
):
    from realty.core import instance_cache

    now = [1000.0]
    monkeypatch.setattr(instance_cache.time, "monotonic", lambda: now[0])
    other_buyer = make_user(Role.BUYER)
    browse = "/api/v1/buyers/properties"

    with counting() as log:
        first = call("GET", browse, caller=world["buyer"])
        second = call("GET", browse, caller=other_buyer)
    assert first.status == second.status == 200
    assert first.data == second.data and [p["id"] for p in first.data] == [world["property"]]
    assert dynamodb_operations(log.calls)["Query"] == 1

    fake_clock.advance(seconds=1)  # strictly newer, so first in browse
    newer = new_property(world["realtor"])
    assert [p["id"] for p in call("GET", browse, caller=world["buyer"]).data] == [world["property"]]
    now[0] += 10  # the page expires: the new listing shows
    assert [p["id"] for p in call("GET", browse, caller=world["buyer"]).data] == [newer, world["property"]]

    # Admins see every image of a listing: their page is never the shared one.
    with counting() as log:
        assert call("GET", browse, caller=world["admin"]).status == 200
    assert dynamodb_operations(log.calls)["Query"] == 1


def test_without_the_setting_every_browse_reads_the_table(world):
    with counting() as log:
        for _ in range(2):
            assert call("GET", "/api/v1/buyers/properties", caller=world["buyer"]).status == 200
    assert dynamodb_operations(log.calls)["Query"] == 2
