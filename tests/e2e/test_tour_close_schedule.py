"""The local stack end to end: confirming a tour puts its close schedule, and when Scheduler fires it
the meeting events function (the tour closer) receives it. Fired early here (the real grace period is
half an hour past the tour), so the closer must leave the tour as it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LocalStackProcess
from tests.e2e.test_local_emulation import eventually
from tests.e2e.test_local_stack import login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _find_schedule(scheduler: Any, name: str) -> dict[str, Any] | None:
    for group in scheduler.list_schedule_groups()["ScheduleGroups"]:
        names = {s["Name"] for s in scheduler.list_schedules(GroupName=group["Name"])["Schedules"]}
        if name in names:
            found: dict[str, Any] = scheduler.get_schedule(GroupName=group["Name"], Name=name)
            return found
    return None


def test_a_confirmed_tours_close_schedule_reaches_the_tour_closer(local_stack: LocalStackProcess) -> None:
    realtor = login(local_stack, "realtor@example.com")["access_token"]
    buyer = login(local_stack, "buyer@example.com")["access_token"]
    listing = {
        "address": "5 Closing Ct",
        "city": "Seattle",
        "price": 500000,
        "bedrooms": 2,
        "bathrooms": 1,
        "sqft": 900,
        "description": "Closes on time",
    }
    created = local_stack.request("POST", "/api/v1/realtors/properties", listing, token=realtor)
    assert created.status == 201, created.body
    when = (datetime.now(UTC) + timedelta(days=4)).replace(hour=11, minute=0, second=0, microsecond=0)
    request = {
        "property_id": created.json["data"]["id"],
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_minutes": 30,
    }
    booked = local_stack.request("POST", "/api/v1/buyers/bookings", request, token=buyer)
    assert booked.status == 201, booked.body
    booking_id = booked.json["data"]["id"]
    confirmed = local_stack.request("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", token=realtor)
    assert confirmed.status == 200, confirmed.body
    tour_id = confirmed.json["data"]["relationships"]["tour"]["id"]

    scheduler = local_stack.aws("scheduler")
    name = f"tour-close-{booking_id}"
    schedule = _find_schedule(scheduler, name)
    assert schedule is not None, "confirming puts the close schedule"
    closes_at = when + timedelta(minutes=30 + 30)
    assert schedule["ScheduleExpression"] == f"at({closes_at:%Y-%m-%dT%H:%M:%S})"
    assert schedule["Target"]["Arn"].endswith(":function:MeetingEventsFunction")
    assert json.loads(schedule["Target"]["Input"]) == {
        "action": "close_tour",
        "booking_id": booking_id,
        "tour_id": tour_id,
    }

    # Make it due now, as Scheduler would at its time; the local poller fires it into the function.
    due = datetime.now(UTC) - timedelta(seconds=1)
    scheduler.update_schedule(
        Name=name,
        GroupName=schedule["GroupName"],
        ScheduleExpression=f"at({due:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=schedule["Target"],
        ActionAfterCompletion="DELETE",
    )
    eventually(lambda: _find_schedule(scheduler, name) is None, timeout=30)

    log = local_stack.log.read_text()
    assert f"{name} fired -> {schedule['Target']['Arn']}" in log
    assert f"schedule {name}: target" not in log  # neither "failed" nor "not emulated locally"
    # The closer's own log line: it ran, and left a tour whose time has not come as it is.
    compact = log.replace(" ", "")
    assert f'"booking_id":"{booking_id}","outcome":"stale"' in compact
    tour = local_stack.request("GET", f"/api/v1/buyers/tours/{tour_id}", token=buyer)
    assert tour.status == 200, tour.body
    assert tour.json["data"]["attributes"]["status"] == "scheduled"  # early: left as it is
