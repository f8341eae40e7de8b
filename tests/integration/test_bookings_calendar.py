"""The calendar read behind a booking request: one BatchGetItem for the slots in the way and the two
people, which DynamoDB may answer in parts when it throttles."""

from __future__ import annotations

import os

import pytest
from botocore.stub import Stubber

from realty.bookings import store
from realty.core import dynamo
from realty.core.aws import client
from realty.core.errors import RateLimited
from realty.users.store import user_key

STARTS = ["2027-03-02T10:00:00Z", "2027-03-02T10:15:00Z"]


def _user(user_id: str) -> dict:
    return {
        "PK": {"S": f"USER#{user_id}"},
        "SK": {"S": "PROFILE"},
        "id": {"S": user_id},
        "email": {"S": f"{user_id.lower()}@example.com"},
        "full_name": {"S": f"Person {user_id}"},
        "role": {"S": "buyer"},
        "cognito_sub": {"S": f"sub-{user_id}"},
        "created_at": {"S": "2027-03-01T09:00:00Z"},
        "updated_at": {"S": "2027-03-01T09:00:00Z"},
    }


def _slot(owner: str, owner_id: str, start: str) -> dict:
    return {
        "PK": {"S": f"SLOT#{owner.upper()}#{owner_id}"},
        "SK": {"S": start},
        "owner": {"S": owner},
        "booking_id": {"S": "B1"},
        "tour_starts_at": {"S": STARTS[0]},
        "tour_ends_at": {"S": "2027-03-02T10:30:00Z"},
    }


@pytest.fixture
def dynamodb(aws):
    stub = Stubber(client("dynamodb"))
    stub.activate()
    yield stub
    stub.deactivate()


def test_what_dynamodb_left_unprocessed_is_read_again(dynamodb, monkeypatch):
    monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
    table = os.environ["MAIN_TABLE"]
    dynamodb.add_response(
        "batch_get_item",
        {
            "Responses": {table: [_slot("property", "P1", STARTS[1]), _user("BUYER")]},
            "UnprocessedKeys": {table: {"Keys": [user_key("REALTOR")]}},
        },
    )
    dynamodb.add_response(
        "batch_get_item",
        {"Responses": {table: [_user("REALTOR")]}},
        expected_params={"RequestItems": {table: {"Keys": [user_key("REALTOR")]}}},
    )

    calendar = store.read_calendar("R1", "P1", STARTS, user_ids=("BUYER", "REALTOR"))

    assert set(calendar.users) == {"BUYER", "REALTOR"}
    assert calendar.users["REALTOR"].full_name == "Person REALTOR"
    assert [(slot["owner"], slot["SK"]) for slot in calendar.taken] == [("property", STARTS[1])]
    dynamodb.assert_no_pending_responses()


def test_a_calendar_dynamodb_keeps_refusing_is_a_429(dynamodb, monkeypatch):
    monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
    table = os.environ["MAIN_TABLE"]
    left = {table: {"Keys": [user_key("BUYER")]}}
    for _ in range(4):
        dynamodb.add_response("batch_get_item", {"Responses": {table: []}, "UnprocessedKeys": left})

    with pytest.raises(RateLimited):
        store.read_calendar("R1", "P1", STARTS, user_ids=("BUYER",))
