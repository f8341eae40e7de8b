"""Properties through the real handler against moto: roles, ownership, validation, MLS uniqueness,
browsing with filters and cursors, deletion rules, and the audit trail of every change."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from realty.core import clock
from realty.core.auth import Role
from testkit.api import ROOT, FakeLambdaContext, call, load_function
from testkit.population import population_items

LISTING = {"address": "1 Main St", "city": "Austin", "price": 450000, "bedrooms": 3, "bathrooms": 2, "sqft": 1500}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def ticking_clock():
    """A clock one second further on at every reading: creation order is the time order."""
    moments = iter(T0 + timedelta(seconds=n) for n in range(1_000_000))
    clock.set_clock(lambda: next(moments))
    yield
    clock.set_clock(None)


def _dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def create(caller, **fields) -> dict[str, Any]:
    result = call("POST", "/api/v1/realtors/properties", caller=caller, body={**LISTING, **fields})
    assert result.status == 201, result.body
    return result.data


def property_items() -> list[dict[str, Any]]:
    return population_items("PROPERTIES")


def mls_claims() -> list[str]:
    # Test-only inventory of claim items (request code never scans).
    items = _dynamodb().scan(
        TableName="realty-test-main",
        FilterExpression="begins_with(PK, :mls)",
        ExpressionAttributeValues={":mls": {"S": "MLS#"}},
    )["Items"]
    return sorted(i["PK"]["S"] for i in items)


def audit_for(resource_id: str, resource_type: str = "property") -> list[dict[str, Any]]:
    items = _dynamodb().query(
        TableName="realty-test-audit",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#{resource_type}#{resource_id}"}},
    )["Items"]
    return [{k: v.get("S", v) for k, v in i.items()} for i in items]


def audit_count() -> int:
    return int(_dynamodb().scan(TableName="realty-test-audit", Select="COUNT")["Count"])


# ---------------------------------------------------------------- roles and ownership


@pytest.fixture
def cast(make_user):
    owner = make_user(Role.REALTOR)
    return {
        "buyer": make_user(Role.BUYER),
        "realtor": owner,
        "other_realtor": make_user(Role.REALTOR),
        "admin": make_user(Role.ADMIN),
    }


def _image_route(cast, prop_id: str) -> str:
    upload = call(
        "POST",
        f"/api/v1/realtors/properties/{prop_id}/images",
        caller=cast["realtor"],
        body={"content_type": "image/jpeg"},
    )
    assert upload.status == 201, upload.body
    return f"/api/v1/realtors/properties/{prop_id}/images/{upload.data['id']}"


# route -> expected status for buyer, owning realtor, other realtor, admin
MATRIX: list[tuple[str, str, Any, tuple[int, int, int, int]]] = [
    ("GET", "/api/v1/realtors/properties", None, (403, 200, 200, 200)),
    ("POST", "/api/v1/realtors/properties", LISTING, (403, 201, 201, 201)),
    ("GET", "/api/v1/realtors/properties/{id}", None, (403, 200, 404, 200)),
    ("PUT", "/api/v1/realtors/properties/{id}", {"price": 460000}, (403, 200, 404, 200)),
    ("DELETE", "/api/v1/realtors/properties/{id}", None, (403, 200, 404, 200)),
    ("POST", "/api/v1/realtors/properties/{id}/images", {"content_type": "image/png"}, (403, 201, 404, 201)),
    ("DELETE", "{image}", None, (403, 200, 404, 200)),
    ("GET", "/api/v1/buyers/properties", None, (200, 403, 403, 200)),
    ("GET", "/api/v1/buyers/properties/{id}", None, (200, 403, 403, 200)),
    ("GET", "/api/v1/admin/properties", None, (403, 403, 403, 200)),
    ("GET", "/api/v1/admin/properties/{id}", None, (403, 403, 403, 200)),
    ("PUT", "/api/v1/admin/properties/{id}", {"price": 470000}, (403, 403, 403, 200)),
    ("DELETE", "/api/v1/admin/properties/{id}", None, (403, 403, 403, 200)),
]


def test_role_matrix(cast):
    """Every route x buyer / owning realtor / other realtor / admin (one emulated account for all rows)."""
    for method, route, body, expected in MATRIX:
        for role, status in zip(("buyer", "realtor", "other_realtor", "admin"), expected, strict=True):
            prop = create(cast["realtor"])  # a fresh listing of the owning realtor for every caller
            path = _image_route(cast, prop["id"]) if route == "{image}" else route.replace("{id}", prop["id"])
            result = call(method, path, caller=cast[role], body=body)
            where = f"{method} {route} as {role}"
            assert result.status == status, (where, result.body)
            assert result.body["success"] is (status < 400), where
            if status >= 400:
                assert result.error_codes == ["FORBIDDEN" if status == 403 else "NOT_FOUND"], where
                # A refused call changed nothing.
                after = call("GET", f"/api/v1/realtors/properties/{prop['id']}", caller=cast["realtor"])
                assert after.status == 200, where
                assert after.data["attributes"]["price"] == LISTING["price"], where
                assert len(after.data["attributes"]["images"]) == (1 if route == "{image}" else 0), where


def test_a_realtor_lists_only_their_own_and_an_admin_lists_all(cast, ticking_clock):
    mine = [create(cast["realtor"])["id"] for _ in range(2)]
    theirs = create(cast["other_realtor"])["id"]

    listed = call("GET", "/api/v1/realtors/properties", caller=cast["realtor"])
    assert [p["id"] for p in listed.data] == mine[::-1]  # newest first
    everyone = call("GET", "/api/v1/realtors/properties", caller=cast["admin"])
    assert [p["id"] for p in everyone.data] == [theirs, *mine[::-1]]
    by_realtor = call(
        "GET", "/api/v1/admin/properties", caller=cast["admin"], query={"realtor_id": cast["realtor"].user_id}
    )
    assert [p["id"] for p in by_realtor.data] == mine[::-1]


def test_someone_elses_property_is_404_and_left_unchanged(cast):
    prop = create(cast["realtor"], mls_id="TX-100")
    other = cast["other_realtor"]
    assert call("PUT", f"/api/v1/realtors/properties/{prop['id']}", caller=other, body={"price": 1}).status == 404
    assert call("DELETE", f"/api/v1/realtors/properties/{prop['id']}", caller=other).status == 404
    image = call(
        "POST", f"/api/v1/realtors/properties/{prop['id']}/images", caller=other, body={"content_type": "image/png"}
    )
    assert image.status == 404
    again = call("GET", f"/api/v1/realtors/properties/{prop['id']}", caller=cast["realtor"])
    assert again.data["attributes"]["price"] == 450000
    assert again.data["attributes"]["images"] == []
    assert [a["action"] for a in audit_for(prop["id"])] == ["property.created"]


def test_an_unknown_property_is_404_for_everyone(cast):
    for role in ("realtor", "admin"):
        result = call("GET", "/api/v1/realtors/properties/01J0000000000000000000NONE", caller=cast[role])
        assert result.status == 404
    assert call("GET", "/api/v1/buyers/properties/01J0000000000000000000NONE", caller=cast["buyer"]).status == 404


# ---------------------------------------------------------------- create, update, delete


def test_create_update_delete_with_the_response_contract_and_audit(cast):
    realtor = cast["realtor"]
    created = call(
        "POST",
        "/api/v1/realtors/properties",
        caller=realtor,
        body={**LISTING, "mls_id": "tx-42", "description": "<p>Bright <em>corner</em> lot</p><script>x()</script>"},
    )
    assert created.status == 201
    attributes = created.data["attributes"]
    assert created.data["type"] == "property"
    assert created.data["relationships"]["realtor"] == {"id": realtor.user_id, "type": "user"}
    assert attributes["description"] == "Bright corner lot"
    assert attributes["status"] == "active"
    assert attributes["images"] == []
    assert attributes["created_at"].endswith("Z")
    assert not {"PK", "SK", "GSI1PK", "version", "entity"} & set(attributes)
    prop_id = created.data["id"]

    updated = call(
        "PUT",
        f"/api/v1/realtors/properties/{prop_id}",
        caller=realtor,
        body={"price": 425000.5, "status": "pending", "description": "<b>Price cut</b>"},
    )
    assert updated.status == 200, updated.body
    assert updated.data["attributes"]["price"] == 425000.5
    assert updated.data["attributes"]["status"] == "pending"
    assert updated.data["attributes"]["description"] == "Price cut"
    assert updated.data["attributes"]["address"] == LISTING["address"]

    # Not browsable while pending: the sparse index entries are gone.
    browse = call("GET", "/api/v1/buyers/properties", caller=cast["buyer"])
    assert browse.data == []

    deleted = call("DELETE", f"/api/v1/realtors/properties/{prop_id}", caller=realtor)
    assert deleted.status == 200
    assert deleted.data["attributes"]["deleted"] is True
    assert call("GET", f"/api/v1/realtors/properties/{prop_id}", caller=realtor).status == 404
    assert property_items() == []
    assert mls_claims() == []

    trail = sorted(audit_for(prop_id), key=lambda a: a["SK"])
    assert [a["action"] for a in trail] == ["property.created", "property.updated", "property.deleted"]
    assert {a["actor_id"] for a in trail} == {realtor.user_id}
    update_details = trail[1]["details"]["M"]
    assert sorted(f["S"] for f in update_details["changed_fields"]["L"]) == ["description", "price", "status"]
    assert update_details["status"]["M"]["to"]["S"] == "pending"


def test_an_update_that_changes_nothing_writes_nothing(cast):
    prop = create(cast["realtor"])
    result = call("PUT", f"/api/v1/realtors/properties/{prop['id']}", caller=cast["realtor"], body={"city": "Austin"})
    assert result.status == 200
    assert result.data["attributes"]["updated_at"] == prop["attributes"]["updated_at"]
    assert len(audit_for(prop["id"])) == 1


def test_an_admin_manages_any_listing_through_the_admin_routes(cast):
    prop = create(cast["realtor"])
    admin = cast["admin"]
    result = call("PUT", f"/api/v1/admin/properties/{prop['id']}", caller=admin, body={"status": "inactive"})
    assert result.status == 200
    assert result.data["attributes"]["realtor_id"] == cast["realtor"].user_id
    assert (
        call("GET", f"/api/v1/admin/properties/{prop['id']}", caller=admin).data["attributes"]["status"] == "inactive"
    )
    assert call("DELETE", f"/api/v1/admin/properties/{prop['id']}", caller=admin).status == 200
    assert [a["actor_id"] for a in audit_for(prop["id"])][-2:] == [admin.user_id, admin.user_id]


# ---------------------------------------------------------------- validation


INVALID_CREATES = [
    ({k: v for k, v in LISTING.items() if k != "address"}, "address"),
    ({**LISTING, "address": "x" * 501}, "address"),
    ({**LISTING, "address": "   "}, "address"),
    ({k: v for k, v in LISTING.items() if k != "city"}, "city"),
    ({**LISTING, "price": -1}, "price"),
    ({**LISTING, "price": 1_000_000_000}, "price"),
    ({**LISTING, "price": "cheap"}, "price"),
    ({**LISTING, "bedrooms": 51}, "bedrooms"),
    ({**LISTING, "bedrooms": -1}, "bedrooms"),
    ({**LISTING, "bathrooms": 51}, "bathrooms"),
    ({**LISTING, "sqft": 0}, "sqft"),
    ({**LISTING, "sqft": 1_000_001}, "sqft"),
    ({**LISTING, "description": "<p>" + "x" * 5001 + "</p>"}, "description"),
    ({**LISTING, "status": "demolished"}, "status"),
    ({**LISTING, "mls_id": "not an id!"}, "mls_id"),
    ({**LISTING, "realtor_id": "01J0000000000000000000FAKE"}, "realtor_id"),
]


def test_each_invalid_create_is_a_422_naming_the_field_and_writes_nothing(cast):
    for body, field in INVALID_CREATES:
        result = call("POST", "/api/v1/realtors/properties", caller=cast["realtor"], body=body)
        assert result.status == 422, (field, result.body)
        assert result.error_codes == ["VALIDATION_ERROR"]
        assert [e["field"] for e in result.body["errors"]] == [field], result.body
        assert field in result.body["errors"][0]["message"]
    assert property_items() == []
    assert mls_claims() == []
    assert audit_count() == len(cast)  # only the four users' creation


def test_invalid_updates_are_422_and_leave_the_listing_as_it_was(cast):
    prop = create(cast["realtor"], mls_id="TX-7")
    path = f"/api/v1/realtors/properties/{prop['id']}"
    for body, field in [
        ({"address": None}, "address"),
        ({"price": None}, "price"),
        ({"sqft": 0}, "sqft"),
        ({"status": "sold!"}, "status"),
        ({"images": []}, "images"),
        ({"description": "y" * 5001}, "description"),
        # JSON's true and false are not numbers (pydantic's lax int and float would read 1 and 0).
        ({"price": True}, "price"),
        ({"bedrooms": True}, "bedrooms"),
        ({"bathrooms": False}, "bathrooms"),
        ({"sqft": True}, "sqft"),
    ]:
        result = call("PUT", path, caller=cast["realtor"], body=body)
        assert result.status == 422, (field, result.body)
        assert [e["field"] for e in result.body["errors"]] == [field]
    assert call("GET", path, caller=cast["realtor"]).data == prop
    assert len(audit_for(prop["id"])) == 1


def test_a_body_that_is_not_json_is_400_and_writes_nothing(cast):
    bad_json = call("POST", "/api/v1/realtors/properties", caller=cast["realtor"], raw_body="{not json")
    assert bad_json.status == 400
    assert bad_json.error_codes == ["BAD_REQUEST"]
    assert property_items() == []


# ---------------------------------------------------------------- MLS id uniqueness


def test_an_mls_id_belongs_to_one_property_at_a_time(cast):
    realtor, other = cast["realtor"], cast["other_realtor"]
    first = create(realtor, mls_id="TX-1001")

    duplicate = call("POST", "/api/v1/realtors/properties", caller=other, body={**LISTING, "mls_id": "tx-1001"})
    assert duplicate.status == 409
    assert duplicate.error_codes == ["CONFLICT"]
    assert len(property_items()) == 1

    second = create(other, mls_id="TX-2002")
    taken = call("PUT", f"/api/v1/realtors/properties/{second['id']}", caller=other, body={"mls_id": "TX-1001"})
    assert taken.status == 409
    assert mls_claims() == ["MLS#TX-1001", "MLS#TX-2002"]

    # Moving the claim releases the old id in the same transaction.
    moved = call("PUT", f"/api/v1/realtors/properties/{first['id']}", caller=realtor, body={"mls_id": "TX-3003"})
    assert moved.status == 200
    assert mls_claims() == ["MLS#TX-2002", "MLS#TX-3003"]
    assert create(other, mls_id="TX-1001")["attributes"]["mls_id"] == "TX-1001"

    # Releasing with null, and deleting, free the id too.
    released = call("PUT", f"/api/v1/realtors/properties/{first['id']}", caller=realtor, body={"mls_id": None})
    assert released.data["attributes"]["mls_id"] is None
    assert call("DELETE", f"/api/v1/realtors/properties/{second['id']}", caller=other).status == 200
    assert mls_claims() == ["MLS#TX-1001"]
    create(realtor, mls_id="TX-2002")
    create(realtor, mls_id="TX-3003")


def test_twenty_simultaneous_creations_with_one_mls_id_make_exactly_one_property(cast, monkeypatch):
    from moto.dynamodb.responses import DynamoHandler

    from realty.core.errors import Conflict
    from realty.properties import service
    from realty.properties.models import CreatePropertyRequest

    # DynamoDB applies each request atomically; moto's in-process backend does not lock, so requests
    # are serialised here as the real service would (every other step of the 20 calls still races).
    lock = threading.Lock()
    original = DynamoHandler.call_action

    def atomic(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)
    request = CreatePropertyRequest(**LISTING, mls_id="RACE-1")
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def attempt() -> None:
        start.wait()
        try:
            service.create_property(cast["realtor"], request)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict"] * 19 + ["created"]
    assert len(property_items()) == 1
    assert mls_claims() == ["MLS#RACE-1"]
    winner = property_items()[0]["PK"]["S"].removeprefix("PROPERTY#")
    assert [a["action"] for a in audit_for(winner)] == ["property.created"]


# ---------------------------------------------------------------- deletion and bookings


def _booking(property_id: str, scheduled_at: datetime, status: str) -> None:
    booking_id = f"01JBOOKING{int(scheduled_at.timestamp()):016d}"[:26]
    when = clock.iso(scheduled_at)
    _dynamodb().put_item(
        TableName="realty-test-main",
        Item={
            "PK": {"S": f"BOOKING#{booking_id}"},
            "SK": {"S": "BOOKING"},
            "entity": {"S": "booking"},
            "GSI3PK": {"S": f"PROPERTY#{property_id}#BOOKINGS"},
            "GSI3SK": {"S": f"{when}#{booking_id}"},
            "status": {"S": status},
            "scheduled_at": {"S": when},
        },
    )


def test_a_property_with_an_upcoming_confirmed_tour_cannot_be_deleted(cast):
    now = datetime.now(UTC)
    prop = create(cast["realtor"])
    _booking(prop["id"], now - timedelta(days=1), "confirmed")  # in the past
    _booking(prop["id"], now + timedelta(days=2), "cancelled")
    path = f"/api/v1/realtors/properties/{prop['id']}"

    _booking(prop["id"], now + timedelta(days=3), "confirmed")
    refused = call("DELETE", path, caller=cast["realtor"])
    assert refused.status == 409
    assert "upcoming confirmed tours" in refused.body["errors"][0]["message"]
    assert call("GET", path, caller=cast["realtor"]).status == 200
    assert [a["action"] for a in audit_for(prop["id"])] == ["property.created"]


@pytest.mark.parametrize("when", [timedelta(days=1), timedelta(days=-1)])
def test_a_property_with_a_pending_tour_request_cannot_be_deleted(cast, when):
    # Deleted, the listing would leave the request pending for good: it could never be confirmed.
    prop = create(cast["realtor"])
    _booking(prop["id"], datetime.now(UTC) + when, "pending")
    path = f"/api/v1/realtors/properties/{prop['id']}"

    refused = call("DELETE", path, caller=cast["realtor"])

    assert refused.status == 409
    assert refused.body["errors"][0]["message"] == (
        "the property has tour requests waiting for an answer; decline them first"
    )
    assert call("GET", path, caller=cast["realtor"]).status == 200


def test_past_confirmed_and_cancelled_bookings_do_not_block_deletion(cast):
    now = datetime.now(UTC)
    prop = create(cast["realtor"])
    _booking(prop["id"], now - timedelta(hours=1), "confirmed")
    _booking(prop["id"], now + timedelta(days=2), "cancelled")
    _booking(prop["id"], now - timedelta(days=3), "declined")
    assert call("DELETE", f"/api/v1/realtors/properties/{prop['id']}", caller=cast["realtor"]).status == 200


# ---------------------------------------------------------------- buyers browsing


def test_buyers_see_active_listings_only(cast):
    buyer = cast["buyer"]
    active = create(cast["realtor"])
    hidden = {status: create(cast["realtor"], status=status)["id"] for status in ("pending", "sold", "inactive")}

    listed = call("GET", "/api/v1/buyers/properties", caller=buyer)
    assert [p["id"] for p in listed.data] == [active["id"]]
    assert listed.body["meta"]["pagination"] == {"limit": 20, "next_cursor": None}

    assert call("GET", f"/api/v1/buyers/properties/{active['id']}", caller=buyer).status == 200
    assert call("GET", f"/api/v1/buyers/properties/{hidden['inactive']}", caller=buyer).status == 404
    # Off the market but not withdrawn: a buyer who toured it can still open it.
    assert call("GET", f"/api/v1/buyers/properties/{hidden['sold']}", caller=buyer).status == 200
    assert call("GET", f"/api/v1/buyers/properties/{hidden['inactive']}", caller=cast["admin"]).status == 200


def _walk(buyer, query: dict[str, str]) -> tuple[list[str], list[str | None]]:
    ids: list[str] = []
    cursors: list[str | None] = []
    cursor: str | None = None
    while True:
        page = call(
            "GET", "/api/v1/buyers/properties", caller=buyer, query={**query, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200, page.body
        assert len(page.data) <= int(query["limit"])
        ids += [p["id"] for p in page.data]
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        cursors.append(cursor)
        if cursor is None:
            return ids, cursors
        assert len(page.data) == int(query["limit"]), "a short page must be the last one"


def test_browsing_with_filters_pages_through_every_match_newest_first(cast, ticking_clock, monkeypatch):
    from realty.core import dynamo

    # Small read-ahead pages so one result page needs several Query calls and is cut mid-page.
    monkeypatch.setattr(dynamo, "FILTERED_PAGE_SIZE", 4)
    realtor = cast["realtor"]
    expected_austin: list[str] = []
    expected_any_city: list[str] = []
    for n in range(24):
        city = "Austin" if n % 2 == 0 else "Dallas"
        price = 200_000 + 25_000 * n
        bedrooms = n % 5
        status = "inactive" if n % 7 == 3 else "active"
        prop = create(
            realtor, city=city if n % 4 else f"  {city.upper()} ", price=price, bedrooms=bedrooms, status=status
        )
        matches = status == "active" and 300_000 <= price <= 700_000 and bedrooms >= 2
        if matches and city == "Austin":
            expected_austin.append(prop["id"])
        if matches:
            expected_any_city.append(prop["id"])

    filters = {"min_price": "300000", "max_price": "700000", "bedrooms": "2", "limit": "2"}
    calls: list[str] = []
    monkeypatch.setattr(
        "realty.core.dynamo.client",
        _recording_client(calls),
    )
    ids, cursors = _walk(cast["buyer"], {**filters, "city": "austin"})
    assert ids == expected_austin[::-1]
    assert len(cursors) > 1
    assert set(calls) == {"Query"}, "browsing is served by Query on the sparse indexes, never Scan"

    everywhere, _ = _walk(cast["buyer"], {**filters, "limit": "3"})
    assert everywhere == expected_any_city[::-1]
    assert len(everywhere) > len(ids)


def _recording_client(calls: list[str]) -> Any:
    from realty.core import aws

    def client(service: str) -> Any:
        real = aws.client(service)
        real.meta.events.register_first(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name), unique_id="test-recorder"
        )
        return real

    return client


def test_cursors_are_bound_to_their_query_and_tamper_proof(cast, ticking_clock):
    for _ in range(3):
        create(cast["realtor"], city="Austin")
    buyer = cast["buyer"]
    first = call("GET", "/api/v1/buyers/properties", caller=buyer, query={"city": "Austin", "limit": "1"})
    cursor = first.body["meta"]["pagination"]["next_cursor"]
    assert cursor

    other_filter = call(
        "GET",
        "/api/v1/buyers/properties",
        caller=buyer,
        query={"city": "Austin", "limit": "1", "min_price": "1", "cursor": cursor},
    )
    assert other_filter.status == 400
    assert other_filter.body["errors"][0]["field"] == "cursor"

    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    edited = call(
        "GET", "/api/v1/buyers/properties", caller=buyer, query={"city": "Austin", "limit": "1", "cursor": tampered}
    )
    assert edited.status == 400

    realtor_list = call("GET", "/api/v1/realtors/properties", caller=cast["realtor"], query={"cursor": cursor})
    assert realtor_list.status == 400

    same = call(
        "GET", "/api/v1/buyers/properties", caller=buyer, query={"city": "AUSTIN ", "limit": "1", "cursor": cursor}
    )
    assert same.status == 200  # the same query, spelled differently, is the same scope


def test_bad_browse_parameters_are_422_naming_the_parameter(make_user):
    buyer = make_user(Role.BUYER)
    for query, field in [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"min_price": "-5"}, "min_price"),
        ({"bedrooms": "many"}, "bedrooms"),
        ({"min_price": "500000", "max_price": "100000"}, "max_price"),
    ]:
        result = call("GET", "/api/v1/buyers/properties", caller=buyer, query=query)
        assert result.status == 422, (query, result.body)
        assert result.body["errors"][0]["field"] == field


def _sample(name: str, caller, **path_ids: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / name).read_text())
    event["requestContext"]["authorizer"].update(
        user_id=caller.user_id, principalId=caller.user_id, role=caller.role.value, email=caller.email
    )
    for param, value in path_ids.items():
        event["path"] = event["path"].replace(event["pathParameters"][param], value)
        event["pathParameters"][param] = value
    return event


def test_the_sample_events_drive_the_handler(cast):
    """events/properties_*.json are real API Gateway events: create, browse, ask for an upload."""
    handler = load_function("properties").lambda_handler
    created = handler(_sample("properties_create.json", cast["realtor"]), FakeLambdaContext())
    assert created["statusCode"] == 201, created["body"]
    prop = json.loads(created["body"])["data"]
    assert prop["attributes"]["description"] == "Craftsman bungalow, renovated kitchen."

    browsed = handler(_sample("properties_browse.json", cast["buyer"]), FakeLambdaContext())
    assert browsed["statusCode"] == 200, browsed["body"]
    assert [p["id"] for p in json.loads(browsed["body"])["data"]] == [prop["id"]]

    upload = handler(_sample("properties_image_upload.json", cast["realtor"], id=prop["id"]), FakeLambdaContext())
    assert upload["statusCode"] == 201, upload["body"]
    assert json.loads(upload["body"])["data"]["attributes"]["fields"]["key"].startswith(
        f"uploads/properties/{prop['id']}/"
    )
