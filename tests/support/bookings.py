"""Helpers for the bookings, tours and reminders tests: a settable clock, an email outbox, properties
made through their real route, bookings made and confirmed through theirs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from realty.adapters import email
from realty.core import clock
from testkit.api import ApiResult, call

# Every test runs at this moment unless it moves the clock.
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def fake_clock() -> Iterator[Clock]:
    fake = Clock(START)
    clock.set_clock(fake)
    yield fake
    clock.set_clock(None)


@dataclass
class Outbox:
    sent: list[email.Email] = field(default_factory=list)
    fail: bool = False

    def __call__(self, message: email.Email) -> bool:
        if self.fail:
            # What the SES sender reports after logging and counting a failure.
            return False
        self.sent.append(message)
        return True

    def to(self, address: str) -> list[email.Email]:
        return [m for m in self.sent if address in m.to]

    def subjects(self, address: str) -> list[str]:
        return [m.subject for m in self.to(address)]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    box = Outbox()
    email.set_sender(box)
    yield box
    email.set_sender(None)
    # Every test that sends email checks this: one recipient per message, so no participant ever
    # sees another's address in the To: header.
    shared = [(m.subject, len(m.to)) for m in box.sent if len(m.to) != 1]
    assert not shared, f"emails must have exactly one recipient: {shared}"


def at(hours: float = 0, *, days: float = 0, minutes: float = 0) -> str:
    """An ISO time relative to START (tests keep slot boundaries by passing whole quarters)."""
    return clock.iso(START + timedelta(days=days, hours=hours, minutes=minutes))


def new_property(realtor: Any, **overrides: Any) -> str:
    body = {
        "address": "12 Harbour View Rd",
        "city": "Seattle",
        "price": 750000,
        "bedrooms": 3,
        "bathrooms": 2,
        "sqft": 1650,
        "description": "Bright corner house",
    }
    created = call("POST", "/api/v1/realtors/properties", caller=realtor, body={**body, **overrides})
    assert created.status == 201, created.body
    return str(created.data["id"])


def book(buyer: Any, property_id: str, scheduled_at: str, duration: int = 30, **extra: Any) -> ApiResult:
    body = {"property_id": property_id, "scheduled_at": scheduled_at, "duration_minutes": duration, **extra}
    return call("POST", "/api/v1/buyers/bookings", caller=buyer, body=body)


def booked(buyer: Any, property_id: str, scheduled_at: str, duration: int = 30) -> str:
    result = book(buyer, property_id, scheduled_at, duration)
    assert result.status == 201, result.body
    return str(result.data["id"])


def confirm(realtor: Any, booking_id: str) -> ApiResult:
    return call("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=realtor)


def confirmed(realtor: Any, booking_id: str) -> str:
    """Confirm and return the tour id."""
    result = confirm(realtor, booking_id)
    assert result.status == 200, result.body
    return str(result.data["relationships"]["tour"]["id"])


def items_under(pk: str) -> list[dict[str, Any]]:
    """Every main-table item of one partition, as stored."""
    import os

    from realty.core.dynamo import from_item

    response = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=os.environ["MAIN_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    return [from_item(i) for i in response["Items"]]


def schedules() -> dict[str, dict[str, Any]]:
    """The reminder schedules that exist now, by name, with their Input decoded."""
    import os

    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = os.environ["SCHEDULER_GROUP"]
    found: dict[str, dict[str, Any]] = {}
    for summary in scheduler.list_schedules(GroupName=group)["Schedules"]:
        schedule = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
        schedule["Input"] = json.loads(schedule["Target"]["Input"])
        found[summary["Name"]] = schedule
    return found
