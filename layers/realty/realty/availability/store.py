"""DynamoDB access for availability: one item per realtor, `USER#<realtor_id>` / `AVAILABILITY`,
beside the user's `PROFILE`.

The item holds the rules (once saved) and the blocks and openings as a map keyed by block id, so
whatever needs a realtor's calendar reads it with one GetItem, or inside a BatchGetItem it makes
anyway (a booking request reads it with the slots and the two people). A block is added or removed
with a single-attribute update that never races with a change of the rules; the rules are guarded
by their `version`. At most `MAX_BLOCKS` blocks keep the item far below DynamoDB's 400 KB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.availability.models import Availability, Block, StoredAvailability
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, from_item, key, transact, update_action

SK = "AVAILABILITY"
CHANGED = "the availability was changed by another request; reload it and retry"
NO_BLOCK = "no such block"


def _main() -> str:
    return get_settings().main_table


def item_key(realtor_id: str) -> dict[str, Any]:
    return key(f"USER#{realtor_id}", SK)


@dataclass(frozen=True)
class RealtorCalendar:
    """A realtor's saved rules (None: never saved, the defaults apply) and blocks, in start order."""

    rules: StoredAvailability | None
    blocks: list[Block]


def calendar_from_item(values: dict[str, Any] | None) -> RealtorCalendar:
    """The calendar from the item (plain, as `from_item` or `batch_get` give it); None: nothing saved yet."""
    if not values:
        return RealtorCalendar(rules=None, blocks=[])
    blocks = [Block.model_validate(b) for b in (values.get("blocks") or {}).values()]
    rules = StoredAvailability.model_validate(values) if values.get("configured") else None
    return RealtorCalendar(rules=rules, blocks=sorted(blocks, key=lambda b: (b.starts_at, b.id)))


def read_calendar(realtor_id: str) -> RealtorCalendar:
    """The rules and every block of a realtor: one GetItem."""
    response = client("dynamodb").get_item(TableName=_main(), Key=item_key(realtor_id), ConsistentRead=True)
    item = response.get("Item")
    return calendar_from_item(from_item(item) if item else None)


def save_rules(rules: StoredAvailability, *, previous: StoredAvailability | None, audit: dict[str, Any]) -> None:
    """Set the rules (the blocks stay) if nobody saved others since they were read."""
    values = rules.model_dump(mode="json", include={*Availability.model_fields, "realtor_id", "updated_at"})
    update = update_action(
        _main(),
        item_key(rules.realtor_id),
        set_values={**values, "entity": "availability", "configured": True, "version": rules.version},
        condition="attribute_not_exists(configured)" if previous is None else "version = :version",
        values={":version": previous.version if previous else 0},
    )
    transact(Guarded(update, CHANGED), audit)


def add_block(block: Block, *, calendar: RealtorCalendar, expired: list[str], audit: dict[str, Any]) -> None:
    """Add a block (and drop `expired` ones, long over); the first block creates the map."""
    entry = block.model_dump(mode="json")
    if not calendar.blocks:
        # The map may not exist yet: write it whole, unless another request made it meanwhile.
        update = update_action(
            _main(),
            item_key(block.realtor_id),
            set_values={"entity": "availability", "realtor_id": block.realtor_id},
            clauses=["blocks = :blocks"],
            condition="attribute_not_exists(blocks) OR size(blocks) = :zero",
            values={":blocks": {block.id: entry}, ":zero": 0},
        )
    else:
        names = {"#new": block.id} | {f"#old{n}": block_id for n, block_id in enumerate(expired)}
        update = update_action(
            _main(),
            item_key(block.realtor_id),
            clauses=["blocks.#new = :block"],
            remove=[f"blocks.#old{n}" for n in range(len(expired))],
            condition="attribute_exists(blocks)",
            names=names,
            values={":block": entry},
        )
    transact(Guarded(update, CHANGED), audit)


def remove_block(realtor_id: str, block_id: str, *, audit: dict[str, Any]) -> None:
    """Remove one of the realtor's blocks; one that is not there is a `Conflict` with `NO_BLOCK`."""
    update = update_action(
        _main(),
        item_key(realtor_id),
        remove=["blocks.#block"],
        condition="attribute_exists(blocks.#block)",
        names={"#block": block_id},
    )
    transact(Guarded(update, NO_BLOCK), audit)
