"""`make rekey`: items written before the population keys were sharded are moved onto them, so the
admin lists and the audit views find them again; idempotent and resumable (scripts/rekey.py)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from realty.core import shards
from realty.core.auth import Role
from realty.core.dynamo import from_item
from scripts import rekey
from testkit.api import call
from testkit.population import audit_feed, population_items
from tests.support.bookings import at, booked, confirmed, new_property

MAIN, AUDIT = "realty-test-main", "realty-test-audit"


def _dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def _as_before(world: dict[str, Any]) -> dict[str, int]:
    """Put every population item and audit item back the way the previous release wrote them."""
    dynamodb = _dynamodb()
    counts = {"main": 0, "audit": 0}
    for population in ("PROPERTIES", "BOOKINGS", "TOURS", "USERS"):
        attr = "GSI2PK" if population == "USERS" else "GSI4PK"
        for item in population_items(population):
            dynamodb.put_item(TableName=MAIN, Item={**item, attr: {"S": population}})
            counts["main"] += 1
    for item in audit_feed():
        dynamodb.delete_item(TableName=AUDIT, Key={"PK": item["PK"], "SK": item["SK"]})
        resource = f"RESOURCE#{item['resource_type']['S']}#{item['resource_id']['S']}"
        old = {**item, "PK": {"S": "AUDIT"}, "GSI2PK": {"S": resource}}
        dynamodb.put_item(TableName=AUDIT, Item=old)
        counts["audit"] += 1
    return counts


@pytest.fixture
def world(make_user, fake_clock):
    realtor, buyer, admin = make_user(Role.REALTOR), make_user(Role.BUYER), make_user(Role.ADMIN)
    for n in range(3):
        confirmed(realtor, booked(buyer, new_property(realtor), at(days=2 + n)))
    return {"realtor": realtor, "buyer": buyer, "admin": admin}


def _listed(admin: Any, path: str) -> int:
    page = call("GET", path, caller=admin, query={"limit": "100"})
    assert page.status == 200, page.body
    return len(page.data)


def test_rekey_moves_old_items_onto_the_sharded_keys_and_is_idempotent(world, tmp_path):
    admin = world["admin"]
    before = {path: _listed(admin, path) for path in _LISTS}
    feed_before = [i["id"]["S"] for i in audit_feed()]
    old = _as_before(world)
    assert all(_listed(admin, path) == 0 for path in _LISTS)  # what the old keys hide

    state = tmp_path / "rekey.json"
    assert rekey.rekey_main(MAIN, state=state) == old["main"] == 3 + 3 + 3 + 3
    assert rekey.rekey_audit(AUDIT) == old["audit"]

    assert {path: _listed(admin, path) for path in _LISTS} == before
    assert [i["id"]["S"] for i in audit_feed()] == feed_before
    assert not _dynamodb().query(
        TableName=AUDIT, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "AUDIT"}}
    )["Items"]
    for item in population_items("BOOKINGS"):
        assert item["GSI4PK"]["S"] == shards.partition("BOOKINGS", item["id"]["S"])
    # A booking's audit history is its own partition again, content unchanged.
    booking = from_item(population_items("BOOKINGS")[0])
    history = call(
        "GET",
        "/api/v1/admin/audit-logs",
        caller=admin,
        query={"resource_type": "booking", "resource_id": booking["id"]},
    )
    actions = [e["attributes"]["action"] for e in history.data]
    times = [e["attributes"]["created_at"] for e in history.data]
    # Newest first; a booking created and confirmed within one second may list either first.
    assert "booking.created" in actions and times == sorted(times, reverse=True)

    assert rekey.rekey_main(MAIN, state=state) == 0 and rekey.rekey_audit(AUDIT) == 0
    assert not state.exists()


def test_an_interrupted_rekey_resumes_where_it_stopped(world, tmp_path):
    old = _as_before(world)
    state = tmp_path / "rekey.json"

    first = rekey.rekey_main(MAIN, state=state, page_size=5, max_pages=1)
    assert state.exists()
    moved = rekey.rekey_audit(AUDIT, per_transaction=4, max_batches=1)
    assert moved == 4

    rest = rekey.rekey_main(MAIN, state=state, page_size=5)
    assert first + rest == old["main"]
    assert rekey.rekey_audit(AUDIT, per_transaction=4) == old["audit"] - 4
    assert all(_listed(world["admin"], path) > 0 for path in _LISTS)


def test_an_item_saved_meanwhile_keeps_the_key_its_save_wrote(world, tmp_path):
    [item, *_] = population_items("TOURS")
    _as_before(world)
    fresh = shards.partition("TOURS", item["id"]["S"])
    _dynamodb().put_item(TableName=MAIN, Item={**item, "GSI4PK": {"S": fresh}, "status": {"S": "cancelled"}})

    rekey.rekey_main(MAIN, state=tmp_path / "rekey.json")

    stored = _dynamodb().get_item(TableName=MAIN, Key={"PK": item["PK"], "SK": item["SK"]})["Item"]
    assert stored["GSI4PK"]["S"] == fresh and stored["status"]["S"] == "cancelled"


_LISTS = ("/api/v1/admin/properties", "/api/v1/admin/bookings", "/api/v1/admin/tours", "/api/v1/admin/users")
