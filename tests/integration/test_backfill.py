"""`make backfill`: listings saved before search get their search items, and bookings, tours, calls
and listings saved before participant copies get them; a second run does nothing, and a run
interrupted after any page continues where it stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.backfill import backfill
from testkit.api import call
from tests.support.bookings import at, booked, confirmed, new_property

COPIES = ("buyer_name", "buyer_email", "realtor_name", "realtor_email", "buyer_avatar_key", "realtor_avatar_key")


def _table() -> str:
    from realty.core.config import get_settings

    return get_settings().main_table


def _all_items() -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    return [i for page in dynamodb.get_paginator("scan").paginate(TableName=_table()) for i in page["Items"]]


def _make_it_old() -> None:
    """What a stage saved before search and copies existed: no search items, no names on anything."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for item in _all_items():
        if item["PK"]["S"].startswith("SEARCH#"):
            dynamodb.delete_item(TableName=_table(), Key={"PK": item["PK"], "SK": item["SK"]})
        elif item.get("entity", {}).get("S") in ("booking", "tour", "call", "property"):
            dynamodb.update_item(
                TableName=_table(),
                Key={"PK": item["PK"], "SK": item["SK"]},
                UpdateExpression="REMOVE " + ", ".join(COPIES),
            )


@pytest.fixture
def old_stage(make_user, fake_clock) -> dict[str, Any]:
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email="bo@example.com", full_name="Bo Buyer")
    listings = [new_property(realtor, description=f"Sunny craftsman number{n}") for n in range(5)]
    booking_id = booked(buyer, listings[0], at(days=2), 30)
    tour_id = confirmed(realtor, booking_id)
    _make_it_old()
    return {"realtor": realtor, "buyer": buyer, "listings": listings, "booking": booking_id, "tour": tour_id}


def _search(caller: Any, q: str) -> list[str]:
    result = call("GET", "/api/v1/buyers/properties", caller=caller, query={"q": q})
    assert result.status == 200, result.body
    return [p["id"] for p in result.data]


def test_a_backfill_indexes_old_listings_and_names_the_people_on_old_items_once(old_stage, tmp_path: Path):
    buyer, realtor = old_stage["buyer"], old_stage["realtor"]
    assert _search(buyer, "craftsman") == []
    before = call("GET", f"/api/v1/realtors/bookings/{old_stage['booking']}", caller=realtor).data["attributes"]
    assert before["buyer"]["name"] is None

    report = backfill(state_path=tmp_path / "state.json", page=3)

    assert report.listings_indexed == 5
    assert sorted(_search(buyer, "craftsman")) == sorted(old_stage["listings"])
    assert _search(buyer, "number3") == [old_stage["listings"][3]]
    booking = call("GET", f"/api/v1/realtors/bookings/{old_stage['booking']}", caller=realtor).data["attributes"]
    assert (booking["buyer"]["name"], booking["buyer"]["email"]) == ("Bo Buyer", "bo@example.com")
    tour = call("GET", f"/api/v1/buyers/tours/{old_stage['tour']}", caller=buyer).data["attributes"]
    assert tour["realtor"]["name"] == "Rita Realtor"
    listing = call("GET", f"/api/v1/buyers/properties/{old_stage['listings'][1]}", caller=buyer).data["attributes"]
    assert listing["realtor"]["name"] == "Rita Realtor"
    assert not (tmp_path / "state.json").exists()

    again = backfill(state_path=tmp_path / "state.json", page=3)
    assert (again.listings_indexed, again.listings_already_indexed) == (0, 5)
    assert (again.participants_refreshed, again.items_refreshed) == (0, 0)


def test_an_interrupted_backfill_continues_from_its_last_page(old_stage, tmp_path: Path):
    state = tmp_path / "state.json"
    pages = 0

    def stop_after_two_pages() -> None:
        nonlocal pages
        pages += 1
        if pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill(state_path=state, page=2, after_page=stop_after_two_pages)
    assert state.exists()
    first_run = sum(1 for i in _all_items() if i["PK"]["S"] == "SEARCH#ALL")
    assert 0 < first_run < 5

    report = backfill(state_path=state, page=2)

    assert report.listings_indexed == 5 - first_run and report.listings_already_indexed == 0
    assert sorted(_search(old_stage["buyer"], "craftsman")) == sorted(old_stage["listings"])
    assert report.participants_refreshed == 2
    assert not state.exists()
