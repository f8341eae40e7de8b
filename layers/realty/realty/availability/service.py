"""A realtor's availability: reading and saving the rules, blocks and openings.

Only the realtor edits their own availability (admins have none); every change is one transaction
with its audit item. Bookings read it (`realty.bookings.free`) through the store.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from realty.availability import store
from realty.availability.models import (
    MAX_BLOCKS,
    Availability,
    AvailabilityAttributes,
    Block,
    BlockAttributes,
    CreateBlockRequest,
    PutAvailabilityRequest,
    StoredAvailability,
)
from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.config import get_settings
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed
from realty.core.metrics import count

# A block stays in the calendar this long after it ends (the next new block clears it out).
BLOCK_KEPT_AFTER_END = timedelta(days=1)


def rules_of(calendar: store.RealtorCalendar) -> Availability:
    """The saved rules, or the defaults for a realtor who never saved any."""
    return calendar.rules or Availability()


def _resource(realtor_id: str, calendar: store.RealtorCalendar) -> Resource[AvailabilityAttributes]:
    rules = rules_of(calendar)
    attributes = AvailabilityAttributes(
        **rules.model_dump(include=set(Availability.model_fields)),
        configured=calendar.rules is not None,
        updated_at=calendar.rules.updated_at if calendar.rules else None,
    )
    return Resource[AvailabilityAttributes](id=realtor_id, type="availability", attributes=attributes)


def _block_resource(block: Block) -> Resource[BlockAttributes]:
    attributes = BlockAttributes(**block.model_dump(include=set(BlockAttributes.model_fields)))
    return Resource[BlockAttributes](id=block.id, type="availability_block", attributes=attributes)


def _audit(caller: Caller, action: str, resource_type: str, resource_id: str, **details: Any) -> dict[str, Any]:
    return audit_action(
        actor_id=caller.user_id, action=action, resource_type=resource_type, resource_id=resource_id, details=details
    )


def get_availability(caller: Caller) -> Resource[AvailabilityAttributes]:
    return _resource(caller.user_id, store.read_calendar(caller.user_id))


def put_availability(caller: Caller, request: PutAvailabilityRequest) -> Resource[AvailabilityAttributes]:
    limit = get_settings().booking_max_days_ahead
    if request.horizon_days > limit:
        raise ValidationFailed(f"horizon_days must be at most {limit}", field="horizon_days")
    calendar = store.read_calendar(caller.user_id)
    previous = calendar.rules
    rules = StoredAvailability(
        **request.model_dump(),
        realtor_id=caller.user_id,
        version=previous.version + 1 if previous else 0,
        updated_at=clock.now_iso(),
    )
    fields = sorted(request.model_fields_set)
    audit = _audit(caller, "availability.updated", "availability", caller.user_id, fields=fields)
    store.save_rules(rules, previous=previous, audit=audit)
    count("AvailabilityUpdated")
    return _resource(caller.user_id, store.RealtorCalendar(rules=rules, blocks=calendar.blocks))


def list_blocks(caller: Caller) -> list[Resource[BlockAttributes]]:
    """Every block and opening not yet over, soonest first."""
    now = clock.now_iso()
    return [_block_resource(b) for b in store.read_calendar(caller.user_id).blocks if b.ends_at > now]


def create_block(caller: Caller, request: CreateBlockRequest) -> Resource[BlockAttributes]:
    if request.ends_at <= clock.now():
        raise ValidationFailed("ends_at must be in the future", field="ends_at")
    calendar = store.read_calendar(caller.user_id)
    # Blocks over for a day change no free time: each new block clears them out of the item.
    stale = clock.iso(clock.now() - BLOCK_KEPT_AFTER_END)
    expired = [b.id for b in calendar.blocks if b.ends_at < stale]
    if len(calendar.blocks) - len(expired) >= MAX_BLOCKS:
        raise Conflict(f"a realtor holds at most {MAX_BLOCKS} blocks and openings; delete some first")
    block = Block(
        id=ids.new_id(),
        realtor_id=caller.user_id,
        kind=request.kind,
        starts_at=clock.iso(request.starts_at),
        ends_at=clock.iso(request.ends_at),
        reason=request.reason,
        created_at=clock.now_iso(),
    )
    audit = _audit(
        caller,
        f"availability.{block.kind.value}_created",
        "availability_block",
        block.id,
        starts_at=block.starts_at,
        ends_at=block.ends_at,
    )
    store.add_block(block, calendar=calendar, expired=expired, audit=audit)
    return _block_resource(block)


def delete_block(caller: Caller, block_id: str) -> Resource[BlockAttributes]:
    """Remove one of the caller's blocks; anyone else's (or none) is a 404."""
    block = next((b for b in store.read_calendar(caller.user_id).blocks if b.id == block_id), None)
    if block is None:
        raise NotFound("no such block")
    audit = _audit(caller, f"availability.{block.kind.value}_deleted", "availability_block", block.id)
    try:
        store.remove_block(caller.user_id, block.id, audit=audit)
    except Conflict as error:
        raise NotFound("no such block") from error  # deleted by a concurrent request
    return _block_resource(block)
