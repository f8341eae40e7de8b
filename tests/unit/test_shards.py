"""The merged read of a sharded population (`realty.core.shards`), against an in-memory index that
answers Query as DynamoDB does: key condition on the partition, sort-key order, Limit, resume key,
and a filter applied after the read (so a filtered call may return fewer items than it read)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from realty.core import dynamo, shards
from realty.core.dynamo import index_key_names
from realty.core.errors import BadRequest

KEYS = index_key_names("GSI4")


class ShardedIndex:
    """GSI4 partitions of typed items; records each Query's partition and the threads they ran on."""

    def __init__(self, partitions: dict[str, list[str]], *, unmatched: frozenset[str] = frozenset()) -> None:
        self.partitions = {pk: sorted(orders) for pk, orders in partitions.items()}
        self.unmatched = unmatched  # sort keys the filter refuses
        self.queries: list[str] = []
        self.threads: set[int] = set()

    def query(self, **request: Any) -> dict[str, Any]:
        pk = request["ExpressionAttributeValues"][":pk"]["S"]
        self.queries.append(pk)
        self.threads.add(threading.get_ident())
        orders = self.partitions.get(pk, [])
        if request.get("ScanIndexForward") is False:
            orders = orders[::-1]
        start = request.get("ExclusiveStartKey")
        if start:
            orders = orders[orders.index(start["GSI4SK"]["S"]) + 1 :]
        read = orders[: request["Limit"]]
        items = [_item(pk, o) for o in read if "FilterExpression" not in request or o not in self.unmatched]
        response: dict[str, Any] = {"Items": items}
        if len(read) == request["Limit"] and len(orders) > len(read):
            response["LastEvaluatedKey"] = {name: _item(pk, read[-1])[name] for name in KEYS}
        return response


def _item(pk: str, order: str) -> dict[str, Any]:
    return {"PK": {"S": f"X#{order}"}, "SK": {"S": "X"}, "GSI4PK": {"S": pk}, "GSI4SK": {"S": order}}


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(partitions: dict[str, list[str]], **options: Any) -> ShardedIndex:
        fake = ShardedIndex(partitions, **options)
        monkeypatch.setattr(dynamo, "client", lambda service: fake)
        return fake

    return install


def _request(*, newest_first: bool = True, filtered: bool = False) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": "main",
        "IndexName": "GSI4",
        "KeyConditionExpression": "GSI4PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "TOURS"}},
        "ScanIndexForward": not newest_first,
    }
    if filtered:
        request["FilterExpression"] = "wanted = :yes"
    return request


def _walk(request: dict[str, Any], limit: int) -> tuple[list[list[str]], list[int]]:
    """Every page of the list, and the Query calls each page took."""
    pages: list[list[str]] = []
    calls: list[int] = []
    cursor: dict[str, Any] | None = None
    fake = dynamo.client("dynamodb")
    while True:
        before = len(fake.queries)
        items, cursor = shards.read_page(request, limit=limit, start_key=cursor, key_names=KEYS)
        pages.append([i["GSI4SK"]["S"] for i in items])
        calls.append(len(fake.queries) - before)
        if cursor is None:
            return pages, calls


def _orders(count: int, step: int = 1, offset: int = 0) -> list[str]:
    return [f"2026-01-01T00:{(offset + n * step) // 60:02d}:{(offset + n * step) % 60:02d}Z#{n}" for n in range(count)]


def test_a_population_key_is_its_name_and_a_stable_shard_of_the_id():
    assert shards.partition("TOURS", "01HZY") == shards.partition("TOURS", "01HZY")
    assert shards.partition("TOURS", "01HZY") in shards.partitions("TOURS") == ["TOURS#0", "TOURS#1"]
    spread = {shards.shard_of(f"id-{n}") for n in range(50)}
    assert spread == {0, 1}
    with pytest.raises(ValueError, match="not a sharded population"):
        shards.partition("ACTIVE", "x")


def test_pages_of_two_shards_come_merged_newest_first_without_gaps_or_repeats(index):
    everything = _orders(23, step=7)
    index({"TOURS#0": everything[0::3], "TOURS#1": [o for n, o in enumerate(everything) if n % 3]})

    pages, calls = _walk(_request(), limit=5)

    walked = [order for page in pages for order in page]
    assert walked == sorted(everything, reverse=True)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert max(calls) <= 2  # one Query per shard a page


def test_oldest_first_resumes_each_shard_where_the_page_left_it(index):
    # Uneven: one shard holds nearly everything, the other two items at the very end.
    index({"TOURS#0": _orders(11), "TOURS#1": _orders(2, offset=500)})

    pages, _ = _walk(_request(newest_first=False), limit=4)

    walked = [order for page in pages for order in page]
    assert walked == sorted(_orders(11) + _orders(2, offset=500))
    assert len(walked) == len(set(walked)) == 13


def test_an_empty_shard_is_read_once_and_then_left_alone(index):
    fake = index({"TOURS#0": _orders(6), "TOURS#1": []})

    pages, calls = _walk(_request(), limit=4)

    assert pages == [sorted(_orders(6), reverse=True)[:4], sorted(_orders(6), reverse=True)[4:]]
    assert fake.queries.count("TOURS#1") == 1
    assert calls == [2, 1]


def test_every_shard_empty_is_one_empty_page_without_a_cursor(index):
    index({})
    assert shards.read_page(_request(), limit=10, start_key=None, key_names=KEYS) == ([], None)


def test_the_shards_are_queried_concurrently(index):
    fake = index({"TOURS#0": _orders(3), "TOURS#1": _orders(3, offset=1)})
    shards.read_page(_request(), limit=10, start_key=None, key_names=KEYS)
    assert sorted(fake.queries) == ["TOURS#0", "TOURS#1"]
    assert threading.get_ident() not in fake.threads


def test_a_filtered_list_stays_ordered_and_complete(index):
    everything = _orders(40, step=3)
    unmatched = frozenset(everything[n] for n in range(0, 40, 4))
    index({"TOURS#0": everything[:25], "TOURS#1": everything[25:]}, unmatched=unmatched)

    pages, _ = _walk(_request(filtered=True), limit=6)

    walked = [order for page in pages for order in page]
    assert walked == sorted(set(everything) - unmatched, reverse=True)


def test_a_shard_cut_short_by_the_call_cap_holds_back_what_sorts_after_where_it_stopped(index, monkeypatch):
    # Shard 0's filter refuses its whole first read; with a cap of one call a page it stops short.
    monkeypatch.setattr(dynamo, "MAX_QUERY_CALLS_PER_PAGE", 1)
    monkeypatch.setattr(dynamo, "FILTERED_PAGE_SIZE", 3)
    newest = sorted(_orders(6, offset=100), reverse=True)
    index(
        {"TOURS#0": newest, "TOURS#1": _orders(4)},
        unmatched=frozenset(newest[:3]),
    )

    pages, _ = _walk(_request(filtered=True), limit=3)

    walked = [order for page in pages for order in page]
    assert walked == sorted(newest[3:] + _orders(4), reverse=True)


def test_a_plain_partition_is_one_ordinary_query(index):
    fake = index({"REALTOR#r1#TOURS": _orders(3)})
    request = _request()
    request["ExpressionAttributeValues"] = {":pk": {"S": "REALTOR#r1#TOURS"}}

    items, cursor = shards.read_page(request, limit=10, start_key=None, key_names=KEYS)

    assert len(items) == 3 and cursor is None and fake.queries == ["REALTOR#r1#TOURS"]


@pytest.mark.parametrize(
    "cursor",
    [
        {"GSI4PK": {"S": "TOURS"}, "GSI4SK": {"S": "x"}, "PK": {"S": "x"}, "SK": {"S": "x"}},
        {"shards": [None]},
        {"shards": [None, {"PK": {"S": "x"}}]},
        {"shards": [None, "somewhere"]},
    ],
)
def test_a_cursor_not_of_this_sharded_list_is_refused(index, cursor):
    index({})
    with pytest.raises(BadRequest) as raised:
        shards.read_page(_request(), limit=10, start_key=cursor, key_names=KEYS)
    assert raised.value.field == "cursor"
