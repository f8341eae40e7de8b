"""Concurrent confirmations: the slot items make overlapping confirmed tours impossible.

Ten threads confirm ten overlapping bookings at the same moment against the emulator. Each thread
reads its booking and the free calendar before any of them writes, so only the transaction's
`attribute_not_exists` conditions can keep them apart.

moto applies a TransactWriteItems by snapshotting whole tables and restoring them on failure,
without a lock: two threads interleaving in it can lose each other's writes, which DynamoDB never
does. The `atomic_transactions` fixture gives moto DynamoDB's atomicity (one transaction at a time,
reads never see half of one), so these tests exercise our conditions rather than the emulator's race.
The threads call the service directly: Powertools' resolver keeps the current request on the
(module-level) app, so one handler module cannot serve two threads at once in-process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from realty.core.auth import Caller, Role
from realty.core.errors import Conflict
from testkit.population import population_items
from tests.support.bookings import at, booked, items_under, new_property

THREADS = 10


@pytest.fixture
def atomic_transactions() -> Iterator[None]:
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    originals = {name: getattr(DynamoDBBackend, name) for name in ("transact_write_items", "get_item", "query")}

    def locked(method: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(self, *args, **kwargs)

        return run

    for name, method in originals.items():
        setattr(DynamoDBBackend, name, locked(method))
    yield
    for name, method in originals.items():
        setattr(DynamoDBBackend, name, method)


def _race(caller: Caller, booking_ids: list[str]) -> dict[str, Any]:
    """Confirm every booking in its own thread, all released at once; booking id -> tour id or Conflict."""
    from realty.bookings import service

    start = threading.Barrier(len(booking_ids))
    outcomes: dict[str, Any] = {}

    def confirm(booking_id: str) -> None:
        start.wait()
        try:
            result = service.confirm_booking(caller, booking_id)
            outcomes[booking_id] = result.relationships["tour"].id  # type: ignore[union-attr]
        except Conflict as conflict:
            outcomes[booking_id] = conflict
        except Exception as error:  # pragma: no cover - reported by the assertion below
            outcomes[booking_id] = error

    threads = [threading.Thread(target=confirm, args=(b,)) for b in booking_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _all_tours() -> list[dict[str, Any]]:
    from realty.core.dynamo import from_item

    return [from_item(i) for i in population_items("TOURS")]


def _booking(booking_id: str) -> dict[str, Any]:
    [item] = items_under(f"BOOKING#{booking_id}")
    return item


def _assert_exactly_one_winner(outcomes: dict[str, Any], owner: str) -> str:
    winners = [b for b, outcome in outcomes.items() if isinstance(outcome, str)]
    losers = {b: outcome for b, outcome in outcomes.items() if not isinstance(outcome, str)}
    assert len(outcomes) == THREADS
    assert len(winners) == 1, outcomes
    for outcome in losers.values():
        assert isinstance(outcome, Conflict), outcome
        assert outcome.status == 409
        assert outcome.message.startswith(f"the {owner} already has a tour 2027-03-03T15:"), outcome.message
    [winner] = winners
    tours = _all_tours()
    assert [t["id"] for t in tours] == [outcomes[winner]]
    collection = {i["SK"] for i in items_under(f"TOUR#{outcomes[winner]}")}
    assert collection == {"TOUR", "CALL"}
    for loser in losers:
        booking = _booking(loser)
        assert booking["status"] == "pending" and "tour_id" not in booking
    assert _booking(winner)["status"] == "confirmed"
    return winner


def test_ten_confirmations_for_one_realtor_one_wins(make_user, fake_clock, outbox, atomic_transactions):
    realtor = make_user("realtor")
    buyer = make_user("buyer")
    # Different properties, overlapping times: only the realtor's calendar is shared.
    starts = [at(days=2, hours=6, minutes=15 * (n % 3)) for n in range(THREADS)]
    booking_ids = [booked(buyer, new_property(realtor, address=f"{n} Oak St"), starts[n], 60) for n in range(THREADS)]

    winner = _assert_exactly_one_winner(_race(realtor, booking_ids), "realtor")

    slots = items_under(f"SLOT#REALTOR#{realtor.user_id}")
    assert {s["booking_id"] for s in slots} == {winner}
    assert len(slots) == 4
    won = _booking(winner)
    assert slots[0]["SK"] == won["scheduled_at"]
    property_slots = items_under(f"SLOT#PROPERTY#{won['property_id']}")
    assert len(property_slots) == 4
    for booking_id in booking_ids:
        if booking_id != winner:
            assert items_under(f"SLOT#PROPERTY#{_booking(booking_id)['property_id']}") == []


def test_ten_confirmations_for_one_property_one_wins(make_user, fake_clock, outbox, atomic_transactions):
    """A listing that changed hands: its old realtor's bookings and the new one's never share a calendar,
    the property's own slots still keep its tours apart."""
    realtor = make_user("realtor")
    property_id = new_property(realtor)
    buyers = [make_user("buyer") for _ in range(THREADS)]
    booking_ids = [
        booked(buyers[n], property_id, at(days=2, hours=6, minutes=15 * (n % 2)), 30) for n in range(THREADS)
    ]
    table = boto3.client("dynamodb", region_name="us-east-1")
    for n, booking_id in enumerate(booking_ids):
        table.update_item(
            TableName=os.environ["MAIN_TABLE"],
            Key={"PK": {"S": f"BOOKING#{booking_id}"}, "SK": {"S": "BOOKING"}},
            UpdateExpression="SET realtor_id = :r",
            ExpressionAttributeValues={":r": {"S": f"01JREALTOR{n:016d}"}},
        )
    admin = make_user(Role.ADMIN)

    winner = _assert_exactly_one_winner(_race(admin, booking_ids), "property")

    slots = items_under(f"SLOT#PROPERTY#{property_id}")
    assert {s["booking_id"] for s in slots} == {winner}
    assert len(slots) == 2


def test_back_to_back_tours_both_confirm(make_user, fake_clock, outbox, atomic_transactions):
    realtor = make_user("realtor")
    property_id = new_property(realtor)
    first = booked(make_user("buyer"), property_id, at(days=2, hours=6), 30)
    second = booked(make_user("buyer"), property_id, at(days=2, hours=6, minutes=30), 45)
    outcomes = _race(realtor, [first, second])

    assert all(isinstance(o, str) for o in outcomes.values()), outcomes
    realtor_slots = [s["SK"][11:16] for s in items_under(f"SLOT#REALTOR#{realtor.user_id}")]
    assert realtor_slots == ["15:00", "15:15", "15:30", "15:45", "16:00"]
    assert len(items_under(f"SLOT#PROPERTY#{property_id}")) == 5
    assert len(_all_tours()) == 2


def test_twenty_buyers_on_one_auto_confirmed_slot_make_exactly_one_tour(
    make_user, fake_clock, outbox, atomic_transactions
):
    from realty.bookings import service
    from realty.bookings.models import CreateBookingRequest
    from testkit.api import call

    realtor = make_user("realtor")
    listing = new_property(realtor)
    changed = call(
        "PUT", f"/api/v1/realtors/properties/{listing}", caller=realtor, body={"schedule": {"auto_confirm": True}}
    )
    assert changed.status == 200, changed.body
    buyers = [make_user("buyer", email=f"buyer{n}@example.com") for n in range(20)]
    request = CreateBookingRequest.model_validate({"property_id": listing, "scheduled_at": at(days=2, hours=6)})
    start = threading.Barrier(len(buyers))
    outcomes: dict[str, Any] = {}

    def request_tour(buyer: Caller) -> None:
        start.wait()
        try:
            outcomes[buyer.user_id] = service.create_booking(buyer, request)
        except Conflict as conflict:
            outcomes[buyer.user_id] = conflict

    threads = [threading.Thread(target=request_tour, args=(b,)) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    winners = [o for o in outcomes.values() if not isinstance(o, Conflict)]
    losers = [o for o in outcomes.values() if isinstance(o, Conflict)]
    assert len(outcomes) == 20 and len(winners) == 1, outcomes
    assert winners[0].attributes.status == "confirmed"
    assert all(c.code == "SLOT_TAKEN" for c in losers), [c.message for c in losers]
    tours = _all_tours()
    assert [t["id"] for t in tours] == [winners[0].relationships["tour"].id]
    # Nothing of the losers was written: no booking, no slot of theirs.
    bookings = call("GET", "/api/v1/realtors/bookings", caller=realtor).data
    assert [b["id"] for b in bookings] == [winners[0].id]
    slot_owners = {i["booking_id"] for i in items_under(f"SLOT#REALTOR#{realtor.user_id}")}
    assert slot_owners == {winners[0].id}
