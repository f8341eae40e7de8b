"""Buyers search listings by words of the address, city and description, sort by price or newest,
with the existing filters and cursors; the search index follows every change of a listing in the
same transaction, and a page costs one Query and one BatchGetItem, never a Scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from realty.core import clock
from realty.core.auth import Role
from testkit.api import call

BASE = {"address": "1 Main St", "city": "Austin", "price": 450000, "bedrooms": 3, "bathrooms": 2, "sqft": 1500}
BROWSE = "/api/v1/buyers/properties"


@pytest.fixture
def ticking_clock():
    moments = iter(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(seconds=n) for n in range(1_000_000))
    clock.set_clock(lambda: next(moments))
    yield
    clock.set_clock(None)


@pytest.fixture
def people(make_user):
    return {"realtor": make_user(Role.REALTOR), "buyer": make_user(Role.BUYER), "admin": make_user(Role.ADMIN)}


def create(caller, **fields) -> dict[str, Any]:
    result = call("POST", "/api/v1/realtors/properties", caller=caller, body={**BASE, **fields})
    assert result.status == 201, result.body
    return result.data


def search(caller, **query: str) -> list[str]:
    result = call("GET", BROWSE, caller=caller, query=query)
    assert result.status == 200, result.body
    return [p["id"] for p in result.data]


def walk(caller, query: dict[str, str]) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = call("GET", BROWSE, caller=caller, query={**query, **({"cursor": cursor} if cursor else {})})
        assert page.status == 200, page.body
        ids += [p["id"] for p in page.data]
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if cursor is None:
            return ids


def search_items() -> list[dict[str, Any]]:
    # Test-only inventory of the search index (request code never scans).
    return boto3.client("dynamodb", region_name="us-east-1").scan(
        TableName="realty-test-main",
        FilterExpression="begins_with(PK, :search)",
        ExpressionAttributeValues={":search": {"S": "SEARCH#"}},
    )["Items"]


def test_words_match_address_city_and_description_by_prefix(people, ticking_clock):
    realtor, buyer = people["realtor"], people["buyer"]
    cottage = create(realtor, address="12 Élan Avenue", city="Austin", description="<b>Sunny</b> cottage, new kitchen")
    loft = create(realtor, address="400 Congress Ave", city="Dallas", description="Downtown loft with a view")
    create(realtor, address="9 Hidden Way", city="Austin", description="Sunny kitchen", status="inactive")

    assert search(buyer, q="kitch") == [cottage["id"]]
    assert search(buyer, q="SUNNY kit") == [cottage["id"]]
    assert search(buyer, q="elan") == [cottage["id"]], "accents and case do not matter"
    assert search(buyer, q="dall") == [loft["id"]], "the city is searched"
    assert search(buyer, q="ave") == [loft["id"], cottage["id"]], "newest first"
    assert search(buyer, q="ave loft") == [loft["id"]], "every word must match"
    assert search(buyer, q="itchen") == [], "words match by their start only"
    assert search(buyer, q="ave", city="austin") == [cottage["id"]], "combined with the city filter"
    assert search(buyer, q="ave", bedrooms="4") == []
    assert search(buyer, q="12") == [cottage["id"]], "a short word matches as a filter"


def test_sort_by_price_either_way_with_and_without_words(people, ticking_clock):
    realtor, buyer = people["realtor"], people["buyer"]
    cheap = create(realtor, price=150000, description="garden")
    dear = create(realtor, price=900000, description="garden pool")
    middle = create(realtor, price=400000, city="Dallas", description="pool")

    assert search(buyer, sort="price_asc") == [cheap["id"], middle["id"], dear["id"]]
    assert search(buyer, sort="price_desc") == [dear["id"], middle["id"], cheap["id"]]
    assert search(buyer, sort="price_asc", city="Austin") == [cheap["id"], dear["id"]]
    assert search(buyer, q="pool", sort="price_desc") == [dear["id"], middle["id"]]
    assert search(buyer, q="pool", sort="price_asc", max_price="500000") == [middle["id"]]
    assert search(buyer, sort="newest") == [middle["id"], dear["id"], cheap["id"]]


def test_the_index_follows_edits_withdrawals_and_deletions(people, ticking_clock):
    realtor, buyer = people["realtor"], people["buyer"]
    prop = create(realtor, description="brick bungalow")
    route = f"/api/v1/realtors/properties/{prop['id']}"

    assert call("PUT", route, caller=realtor, body={"description": "stone farmhouse"}).status == 200
    assert search(buyer, q="bung") == []
    assert search(buyer, q="farm") == [prop["id"]]

    assert call("PUT", route, caller=realtor, body={"price": 99000}).status == 200
    assert search(buyer, q="farm", max_price="100000") == [prop["id"]], "the copy of the price moved too"

    assert call("PUT", route, caller=realtor, body={"status": "inactive"}).status == 200
    assert search(buyer, q="farm") == []
    assert search_items() == [], "a withdrawn listing leaves the index"

    assert call("PUT", route, caller=realtor, body={"status": "active"}).status == 200
    assert search(buyer, q="farm") == [prop["id"]]
    assert call("DELETE", route, caller=realtor).status == 200
    assert search(buyer, q="farm") == []
    assert search_items() == []


def test_a_long_description_stays_within_one_transaction(people):
    realtor, buyer = people["realtor"], people["buyer"]
    many = " ".join(f"{chr(97 + n // 26)}{chr(97 + n % 26)}word{n}" for n in range(300))
    prop = create(realtor, city="Springfield", description=many)
    # A rewrite of every search item (old ones out, new ones in) is one transaction too.
    changed = " ".join(f"{chr(97 + n // 26)}{chr(97 + n % 26)}term{n}" for n in range(300))
    result = call("PUT", f"/api/v1/realtors/properties/{prop['id']}", caller=realtor, body={"description": changed})
    assert result.status == 200, result.body
    assert search(buyer, q="aaterm0") == [prop["id"]]
    # The 300th word is beyond the terms a listing is indexed under, yet it still matches beside
    # a longer word that is indexed (the city).
    assert search(buyer, q="springfield lnterm299") == [prop["id"]]


def test_paging_a_search_returns_every_match_once_with_one_query_and_one_batch_read_per_page(
    people, ticking_clock, monkeypatch
):
    from realty.core import aws, dynamo

    monkeypatch.setattr(dynamo, "FILTERED_PAGE_SIZE", 50)
    realtor, buyer = people["realtor"], people["buyer"]
    expected = []
    for n in range(30):
        prop = create(realtor, price=100000 + n * 1000, description="pool" if n % 3 else "patio")
        if n % 3:
            expected.append(prop["id"])

    calls: list[str] = []

    def recording(service: str) -> Any:
        real = aws.client(service)
        real.meta.events.register_first(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name), unique_id="search-recorder"
        )
        return real

    monkeypatch.setattr("realty.core.dynamo.client", recording)
    monkeypatch.setattr("realty.properties.store.client", recording)
    first = call("GET", BROWSE, caller=buyer, query={"q": "pool", "sort": "price_asc", "limit": "7"})
    assert first.status == 200
    assert [c for c in calls if c not in ("UpdateItem", "GetItem")] == ["Query", "BatchGetItem"]
    assert walk(buyer, {"q": "pool", "sort": "price_asc", "limit": "7"}) == expected
    assert "Scan" not in calls


def test_a_search_whose_words_rarely_meet_takes_at_most_two_queries_a_page_and_finds_every_match(
    people, ticking_clock, monkeypatch
):
    from realty.core import aws, dynamo
    from realty.properties import store

    # Scaled down: a first read of 5 items, at most 20 a read, over 40 listings holding "pool" (the
    # query's longest word: its partition is read) of which every tenth also says "spa".
    monkeypatch.setattr(dynamo, "FILTERED_PAGE_SIZE", 5)
    monkeypatch.setattr(store, "SEARCH_MAX_READ_AHEAD", 20)
    realtor, buyer = people["realtor"], people["buyer"]
    expected = []
    for n in range(40):
        prop = create(realtor, price=100000 + n * 1000, description="pool spa" if n % 10 == 3 else "pool deck")
        if n % 10 == 3:
            expected.append(prop["id"])
    queries_per_page: list[int] = []

    def recording(service: str) -> Any:
        real = aws.client(service)
        real.meta.events.register_first(
            "before-call.dynamodb.Query",
            lambda **_: queries_per_page.__setitem__(-1, queries_per_page[-1] + 1),
            unique_id="search-query-counter",
        )
        return real

    monkeypatch.setattr("realty.core.dynamo.client", recording)
    found: list[str] = []
    cursor: str | None = None
    while True:
        queries_per_page.append(0)
        query = {"q": "pool spa", "sort": "price_asc", "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = call("GET", BROWSE, caller=buyer, query=query)
        assert page.status == 200, page.body
        found += [p["id"] for p in page.data]
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if cursor is None:
            break

    assert found == expected
    assert max(queries_per_page) == 2 and min(queries_per_page) >= 1, queries_per_page


def test_cursors_belong_to_their_search(people, ticking_clock):
    realtor, buyer = people["realtor"], people["buyer"]
    for _ in range(3):
        create(realtor, description="pool")
    first = call("GET", BROWSE, caller=buyer, query={"q": "pool", "limit": "1"})
    cursor = first.body["meta"]["pagination"]["next_cursor"]
    assert cursor
    other = call("GET", BROWSE, caller=buyer, query={"q": "pool", "sort": "price_asc", "limit": "1", "cursor": cursor})
    assert other.status == 400
    assert other.body["errors"][0]["field"] == "cursor"
    same = call("GET", BROWSE, caller=buyer, query={"q": "POOL", "limit": "1", "cursor": cursor})
    assert same.status == 200


def test_bad_search_parameters_are_4xx_naming_the_parameter(people):
    buyer = people["buyer"]
    for query, field in [
        ({"q": "!!!"}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a b c d e f g h i"}, "q"),
        ({"sort": "cheapest"}, "sort"),
    ]:
        result = call("GET", BROWSE, caller=buyer, query=query)
        assert result.status == 422, (query, result.body)
        assert result.body["errors"][0]["field"] == field, result.body
