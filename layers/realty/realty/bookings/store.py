"""DynamoDB access for bookings, their slot items and sent-reminder markers.

Every booking write is one TransactWriteItems with its audit item. The booking is replaced whole
(its GSI keys follow `scheduled_at`) on condition that its `version` and `status` are what the
service read, so two changes of one booking never both win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from realty.bookings.models import Booking
from realty.core import shards
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import (
    Guarded,
    batch_get,
    from_item,
    index_key_names,
    key,
    to_item,
    transact,
    update_action,
)
from realty.tours.states import TourStatus

if TYPE_CHECKING:
    from realty.tours.models import Call, Tour
    from realty.users.models import User

CHANGED = "the booking was changed by another request; reload it and retry"


def booking_item(booking: Booking) -> dict[str, Any]:
    order = f"{booking.scheduled_at}#{booking.id}"
    return {
        "PK": f"BOOKING#{booking.id}",
        "SK": "BOOKING",
        "GSI1PK": f"BUYER#{booking.buyer_id}#BOOKINGS",
        "GSI1SK": order,
        "GSI2PK": f"REALTOR#{booking.realtor_id}#BOOKINGS",
        "GSI2SK": order,
        "GSI3PK": f"PROPERTY#{booking.property_id}#BOOKINGS",
        "GSI3SK": order,
        "GSI4PK": shards.partition("BOOKINGS", booking.id),
        "GSI4SK": f"{booking.created_at}#{booking.id}",
        "entity": "booking",
        **booking.model_dump(mode="json"),
    }


@dataclass(frozen=True)
class Slot:
    """One 15-minute slot a confirmed tour occupies, for its realtor or its property.

    The slot remembers the whole tour it belongs to, so a conflict can say which tour is in the way.
    """

    owner: str  # "realtor" | "property"
    owner_id: str
    start: str
    booking_id: str
    tour_id: str
    tour_starts_at: str
    tour_ends_at: str
    expires_at: int

    @property
    def pk(self) -> str:
        return f"SLOT#{self.owner.upper()}#{self.owner_id}"

    def item(self) -> dict[str, Any]:
        return {
            "PK": self.pk,
            "SK": self.start,
            "entity": "slot",
            "owner": self.owner,
            "owner_id": self.owner_id,
            "booking_id": self.booking_id,
            "tour_id": self.tour_id,
            "tour_starts_at": self.tour_starts_at,
            "tour_ends_at": self.tour_ends_at,
            "expires_at": self.expires_at,
        }


def _main() -> str:
    return get_settings().main_table


def _put_booking(booking: Booking, *, previous: Booking | None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": _main(), "Item": to_item(booking_item(booking))}
    if previous is None:
        put["ConditionExpression"] = "attribute_not_exists(PK)"
    else:
        put["ConditionExpression"] = "version = :version AND #status = :status"
        put["ExpressionAttributeNames"] = {"#status": "status"}
        put["ExpressionAttributeValues"] = {
            ":version": {"N": str(previous.version)},
            ":status": {"S": previous.status.value},
        }
    return {"Put": put}


def _release_slot(slot: Slot) -> dict[str, Any]:
    """Delete a slot of this booking's tour. A slot already gone is fine: DynamoDB's TTL removes slot
    items a day after their tour, and the booking of a tour nobody started must still be cancellable."""
    return {
        "Delete": {
            "TableName": _main(),
            "Key": key(slot.pk, slot.start),
            "ConditionExpression": "attribute_not_exists(PK) OR booking_id = :booking",
            "ExpressionAttributeValues": {":booking": {"S": slot.booking_id}},
        }
    }


# ---------------------------------------------------------------- reads


def get_booking(booking_id: str) -> Booking | None:
    response = client("dynamodb").get_item(TableName=_main(), Key=key(f"BOOKING#{booking_id}", "BOOKING"))
    item = response.get("Item")
    return Booking.model_validate(from_item(item)) if item else None


@dataclass(frozen=True)
class CalendarRead:
    """Slots already held at the times asked for (realtor's first, then the property's, in time
    order), and the user records asked for alongside, by id (a missing one is absent)."""

    taken: list[dict[str, Any]]
    users: dict[str, User]
    # The realtor's availability item (`realty.availability.store`), when asked for; None if none saved.
    availability: dict[str, Any] | None = None
    # With it, the users' notification preferences items (`realty.users.preferences`), by user id.
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_calendar(
    realtor_id: str,
    property_id: str,
    starts: list[str],
    *,
    user_ids: tuple[str, ...] = (),
    availability: bool = False,
) -> CalendarRead:
    """The realtor's and the property's slot items at these 15-minute starts, these users and (with
    `availability`) the realtor's availability item: one BatchGetItem.

    Slot starts are on 15-minute boundaries (the request models refuse anything else), so the
    exact keys of the slots a tour would occupy find every confirmed tour in its way.
    """
    # Imported on use: the calls function uses this store too and has no other need for users.
    from realty.availability import store as availability_store
    from realty.users import store as users_store
    from realty.users.models import User

    owners = (("REALTOR", realtor_id), ("PROPERTY", property_id))
    keys = [key(f"SLOT#{owner}#{owner_id}", start) for owner, owner_id in owners for start in starts]
    keys += [users_store.user_key(user_id) for user_id in dict.fromkeys(user_ids)]
    if availability:
        keys.append(availability_store.item_key(realtor_id))
        keys += [users_store.preferences_key(user_id) for user_id in dict.fromkeys(user_ids)]
    found = batch_get(_main(), keys)
    order = {f"SLOT#{owner}#{owner_id}": rank for rank, (owner, owner_id) in enumerate(owners)}
    taken = sorted((i for i in found if i["PK"] in order), key=lambda i: (order[i["PK"]], i["SK"]))
    users = {str(i["id"]): User.model_validate(i) for i in found if i.get("SK") == "PROFILE"}
    rules = next((i for i in found if i.get("SK") == availability_store.SK), None)
    wishes = {str(i["PK"]).removeprefix("USER#"): i for i in found if i.get("SK") == users_store.NOTIFICATIONS_SK}
    return CalendarRead(taken=taken, users=users, availability=rules, preferences=wishes)


@dataclass(frozen=True)
class BookingQuery:
    index: str
    pk: str
    status: str | None
    lower: str | None
    upper: str | None
    by_schedule: bool
    limit: int
    start_key: dict[str, Any] | None


def list_bookings(query: BookingQuery) -> tuple[list[Booking], dict[str, Any] | None]:
    """A page of GSI1/2/3 by scheduled_at (soonest first; bounds in the key condition) or GSI4 by
    creation (newest first; the same bounds as a filter), read as every list is (`query_page`)."""
    names: dict[str, str] = {"#pk": f"{query.index}PK"}
    values: dict[str, Any] = {":pk": {"S": query.pk}}
    key_condition = "#pk = :pk"
    filters: list[str] = []
    if query.by_schedule and (query.lower or query.upper):
        names["#sk"] = f"{query.index}SK"
        if query.lower and query.upper:
            key_condition += " AND #sk BETWEEN :lower AND :upper"
        elif query.lower:
            key_condition += " AND #sk >= :lower"
        else:
            key_condition += " AND #sk <= :upper"
    elif query.lower or query.upper:
        # GSI1SK is `<scheduled_at>#<id>` on every booking: the same bounds work as a filter.
        if query.lower:
            filters.append("GSI1SK >= :lower")
        if query.upper:
            filters.append("GSI1SK <= :upper")
    if query.lower:
        values[":lower"] = {"S": query.lower}
    if query.upper:
        values[":upper"] = {"S": query.upper}
    if query.status:
        names["#status"] = "status"
        values[":status"] = {"S": query.status}
        filters.append("#status = :status")
    request: dict[str, Any] = {
        "TableName": _main(),
        "IndexName": query.index,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": query.by_schedule,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    items, last_key = shards.read_page(
        request, limit=query.limit, start_key=query.start_key, key_names=index_key_names(query.index)
    )
    return [Booking.model_validate(from_item(i)) for i in items], last_key


def realtor_bookings_between(realtor_id: str, lower: str, upper: str, *, statuses: tuple[str, ...]) -> list[Booking]:
    """The realtor's bookings in these statuses starting in [lower, upper]: one Query of GSI2 (every
    page of it; a realtor's two weeks fit in one), the statuses as a filter."""
    values: dict[str, Any] = {
        ":pk": {"S": f"REALTOR#{realtor_id}#BOOKINGS"},
        ":lower": {"S": lower},
        ":upper": {"S": upper + "#~"},
    }
    names = {"#status": "status"}
    placeholders = []
    for index, status in enumerate(statuses):
        values[f":s{index}"] = {"S": status}
        placeholders.append(f":s{index}")
    request: dict[str, Any] = {
        "TableName": _main(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK BETWEEN :lower AND :upper",
        "FilterExpression": f"#status IN ({', '.join(placeholders)})",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    found: list[Booking] = []
    while True:
        response = client("dynamodb").query(**request)
        found += [Booking.model_validate(from_item(i)) for i in response.get("Items") or []]
        if not response.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# ---------------------------------------------------------------- writes


def create_booking(booking: Booking, *, audit: dict[str, Any]) -> None:
    transact(Guarded(_put_booking(booking, previous=None), "this booking already exists"), audit)


def confirm_booking(
    confirmed: Booking,
    *,
    previous: Booking | None,
    tour: Tour,
    call: Call,
    slots: list[Slot],
    audit: dict[str, Any],
    release_slots: list[Slot] | None = None,
    cancel_tour: tuple[str, TourStatus, str] | None = None,
) -> None:
    """Booking confirmed, tour and call created and every slot claimed, or nothing at all.

    Each slot is a Put conditioned on `attribute_not_exists(PK)`: a slot another confirmed tour of
    the realtor or the property holds cancels the whole transaction, which is what makes two
    overlapping confirmations impossible even when they race. A confirmed booking moved to a new
    time (an accepted proposal) also frees its old slots and cancels its old tour here; a slot both
    times share is one Put that may replace this booking's own item (a transaction touches an item
    once).
    """
    # The tours store (and its models) only where a booking touches its tour: reads never do.
    from realty.tours import store as tours_store

    property_check = {
        "ConditionCheck": {
            "TableName": _main(),
            "Key": key(f"PROPERTY#{confirmed.property_id}", "PROPERTY"),
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":active": {"S": "active"}},
        }
    }
    claimed = {(slot.pk, slot.start) for slot in slots}
    kept = {(slot.pk, slot.start) for slot in release_slots or []} & claimed
    slot_puts = []
    for slot in slots:
        put: dict[str, Any] = {
            "TableName": _main(),
            "Item": to_item(slot.item()),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        if (slot.pk, slot.start) in kept:
            put["ConditionExpression"] = "attribute_not_exists(PK) OR booking_id = :booking"
            put["ExpressionAttributeValues"] = {":booking": {"S": slot.booking_id}}
        slot_puts.append(Guarded({"Put": put}, f"the {slot.owner} already has a tour at {slot.start}"))
    releases = [
        Guarded(_release_slot(slot), CHANGED) for slot in release_slots or [] if (slot.pk, slot.start) not in kept
    ]
    cancels = []
    if cancel_tour is not None:
        tour_id, current, stamp = cancel_tour
        cancel = tours_store.status_action(
            tour_id, expected=current, target=TourStatus.CANCELLED, stamp=stamp, stamp_attribute="cancelled_at"
        )
        cancels.append(Guarded(cancel, "the tour has just started; it can no longer be changed"))
    transact(
        Guarded(_put_booking(confirmed, previous=previous), CHANGED),
        Guarded(property_check, "the property is no longer open for tours"),
        *releases,
        *cancels,
        *tours_store.create_actions(tour, call),
        *slot_puts,
        audit,
    )


def save_booking(
    updated: Booking,
    *,
    previous: Booking,
    audit: dict[str, Any],
    release_slots: list[Slot] | None = None,
    cancel_tour: tuple[str, TourStatus, str] | None = None,
) -> None:
    """Replace the booking; with `release_slots`/`cancel_tour` (tour id, its current status, stamp),
    free the slots of its confirmed tour and cancel that tour in the same transaction."""
    actions: list[dict[str, Any] | Guarded] = [Guarded(_put_booking(updated, previous=previous), CHANGED)]
    actions += [Guarded(_release_slot(slot), CHANGED) for slot in release_slots or []]
    if cancel_tour is not None:
        from realty.tours import store as tours_store

        tour_id, current, stamp = cancel_tour
        cancel = tours_store.status_action(
            tour_id, expected=current, target=TourStatus.CANCELLED, stamp=stamp, stamp_attribute="cancelled_at"
        )
        actions.append(Guarded(cancel, "the tour has just started; it can no longer be changed"))
    transact(*actions, audit)


def complete_action(booking: Booking, *, stamp: str) -> dict[str, Any]:
    """Update a confirmed booking to completed (for a tour's completion transaction)."""
    return update_action(
        _main(),
        key(f"BOOKING#{booking.id}", "BOOKING"),
        set_values={"status": "completed", "updated_at": stamp},
        clauses=["version = version + :one"],
        condition="version = :version AND #status = :confirmed",
        names={"#status": "status"},
        values={":confirmed": "confirmed", ":one": 1, ":version": booking.version},
    )


def missed_action(booking: Booking, *, stamp: str) -> dict[str, Any]:
    """Update a confirmed booking to missed (its tour was never started), if it still holds that tour."""
    return update_action(
        _main(),
        key(f"BOOKING#{booking.id}", "BOOKING"),
        set_values={"status": "missed", "updated_at": stamp},
        clauses=["version = version + :one"],
        condition="version = :version AND #status = :confirmed AND tour_id = :tour",
        names={"#status": "status"},
        values={":confirmed": "confirmed", ":one": 1, ":version": booking.version, ":tour": booking.tour_id},
    )
