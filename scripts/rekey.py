"""Move the items of a deployed stage written before the population keys were sharded onto them.

    make rekey STACK=realtyforyou-prod [REGION=eu-west-1]

Run once, right after deploying the release that shards them (docs/data-model.md): until it has run,
the admin lists and the audit feed do not show what was written before, and `make email-index` finds
only users saved since. Safe to run again (it finds nothing left to do) and to interrupt: it keeps
its place in a state file and resumes from there.

- Main table: listings, bookings and tours whose GSI4PK is still `PROPERTIES`/`BOOKINGS`/`TOURS`, and
  users whose GSI2PK is still `USERS`, get `<NAME>#<shard>` (`realty.core.shards.partition`): a
  Scan (offline, never on a request path) a page at a time, each item an UpdateItem conditioned on
  the old value, so an item saved meanwhile (which wrote the new key itself) is left alone.
- Audit table: the items still in the old `AUDIT` partition are written again under their new keys
  (`realty.core.audit.audit_keys`: `RESOURCE#<type>#<id>` on the table, `AUDIT#<shard>` on GSI2) and
  the old copies deleted, each pair in one transaction (an item is never lost or doubled, and its
  content is unchanged). A Query of that one partition: what is done leaves it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Old value -> (key attribute, population).
_MAIN_KEYS = {
    ("GSI4PK", "PROPERTIES"): "PROPERTIES",
    ("GSI4PK", "BOOKINGS"): "BOOKINGS",
    ("GSI4PK", "TOURS"): "TOURS",
    ("GSI2PK", "USERS"): "USERS",
}
PAGE_SIZE = 200
# Put + Delete per audit item: 50 items fill DynamoDB's 100 actions of a transaction.
AUDIT_ITEMS_PER_TRANSACTION = 50


def rekey_main(
    table: str, *, state: Path | None = None, page_size: int = PAGE_SIZE, max_pages: int | None = None
) -> int:
    """Re-key the main table's population items; how many were changed. With `state`, the Scan's
    place is kept there after each page (and removed at the end), so an interrupted run resumes."""
    from botocore.exceptions import ClientError

    from realty.core import shards
    from realty.core.aws import client

    dynamodb = client("dynamodb")
    names = {f"#{attr}": attr for attr, _ in _MAIN_KEYS} | {"#id": "id"}
    values = {f":{old.lower()}": {"S": old} for _, old in _MAIN_KEYS}
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": " OR ".join(f"#{attr} = :{old.lower()}" for attr, old in _MAIN_KEYS),
        "ProjectionExpression": "PK, SK, #id, #GSI4PK, #GSI2PK",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "Limit": page_size,
    }
    start = _load(state)
    if start:
        request["ExclusiveStartKey"] = start
    changed = pages = 0
    while max_pages is None or pages < max_pages:
        response = dynamodb.scan(**request)
        pages += 1
        for item in response.get("Items", []):
            for (attr, old), population in _MAIN_KEYS.items():
                if item.get(attr, {}).get("S") != old:
                    continue
                new = shards.partition(population, item["id"]["S"])
                try:
                    dynamodb.update_item(
                        TableName=table,
                        Key={"PK": item["PK"], "SK": item["SK"]},
                        UpdateExpression="SET #key = :new",
                        ConditionExpression="#key = :old",
                        ExpressionAttributeNames={"#key": attr},
                        ExpressionAttributeValues={":new": {"S": new}, ":old": {"S": old}},
                    )
                    changed += 1
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                        raise
        last = response.get("LastEvaluatedKey")
        if not last:
            _save(state, None)
            return changed
        request["ExclusiveStartKey"] = last
        _save(state, last)
    return changed


def rekey_audit(
    table: str, *, per_transaction: int = AUDIT_ITEMS_PER_TRANSACTION, max_batches: int | None = None
) -> int:
    """Move the audit items of the old `AUDIT` partition to their new keys; how many were moved."""
    from realty.core.audit import audit_keys
    from realty.core.aws import client
    from realty.core.dynamo import from_item, send_transaction, to_item

    dynamodb = client("dynamodb")
    moved = batches = 0
    while max_batches is None or batches < max_batches:
        response = dynamodb.query(
            TableName=table,
            KeyConditionExpression="PK = :old",
            ExpressionAttributeValues={":old": {"S": "AUDIT"}},
            Limit=per_transaction,
        )
        items = response.get("Items", [])
        if not items:
            return moved
        actions: list[dict[str, Any]] = []
        for typed in items:
            item = from_item(typed)
            keys = audit_keys(item["id"], item["actor_id"], item["resource_type"], item["resource_id"], item["SK"])
            actions.append({"Put": {"TableName": table, "Item": to_item({**item, **keys})}})
            actions.append({"Delete": {"TableName": table, "Key": {"PK": typed["PK"], "SK": typed["SK"]}}})
        send_transaction(actions)
        moved += len(items)
        batches += 1
    return moved


def _load(state: Path | None) -> dict[str, Any] | None:
    if state is None or not state.exists():
        return None
    return json.loads(state.read_text()) or None


def _save(state: Path | None, key: dict[str, Any] | None) -> None:
    if state is None:
        return
    if key is None:
        state.unlink(missing_ok=True)
        return
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(key))


def main(argv: list[str] | None = None, *, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--state-dir", default=".local", help="where an interrupted run keeps its place")
    args = parser.parse_args(argv)
    from scripts.first_admin import FirstAdminError, use_stack  # the Makefile puts the root on PYTHONPATH

    try:
        outputs = use_stack(args.stack_name, args.region)
    except FirstAdminError as error:
        print(f"rekey: {error}", file=sys.stderr)
        return 1
    state = Path(args.state_dir) / f"rekey-{args.stack_name}.json"
    say(f"{rekey_main(outputs['MainTableName'], state=state)} listings, bookings, tours and users re-keyed")
    say(f"{rekey_audit(outputs['AuditTableName'])} audit items moved to their resource's partition")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
