"""Queries of the audit table (written only through realty.core.audit; never updated or deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.admin.models import AuditEntry
from realty.core import shards
from realty.core.config import get_settings
from realty.core.dynamo import from_item, index_key_names

# Sorts after every `<created_at>#<ULID>` sort key of the same second: makes `to` inclusive.
_END_OF_SECOND = "#~"


@dataclass(frozen=True)
class AuditQuery:
    actor_id: str | None = None
    resource: tuple[str, str] | None = None  # (type, id)
    start: str | None = None  # ISO, inclusive
    end: str | None = None  # ISO, inclusive

    @property
    def index(self) -> str | None:
        # A resource's history is the table's own partition; an actor's GSI1; everything, the
        # sharded feed on GSI2 (`realty.core.audit.audit_keys`).
        if self.resource:
            return None
        return "GSI1" if self.actor_id else "GSI2"

    @property
    def key_names(self) -> frozenset[str]:
        return index_key_names(self.index)


def _request(query: AuditQuery) -> dict[str, Any]:
    index = query.index
    if query.resource:
        partition = f"RESOURCE#{query.resource[0]}#{query.resource[1]}"
    elif query.actor_id:
        partition = f"ACTOR#{query.actor_id}"
    else:
        partition = "AUDIT"  # a sharded population: read across its shards (`shards.read_page`)
    pk, sk = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    condition = f"{pk} = :pk"
    values: dict[str, Any] = {":pk": {"S": partition}}
    if query.start and query.end:
        condition += f" AND {sk} BETWEEN :start AND :end"
    elif query.start:
        condition += f" AND {sk} >= :start"
    elif query.end:
        condition += f" AND {sk} <= :end"
    if query.start:
        values[":start"] = {"S": query.start}
    if query.end:
        values[":end"] = {"S": query.end + _END_OF_SECOND}
    request: dict[str, Any] = {
        "TableName": get_settings().audit_table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    if index:
        request["IndexName"] = index
    if query.resource and query.actor_id:
        request["FilterExpression"] = "actor_id = :actor"
        values[":actor"] = {"S": query.actor_id}
    return request


def query_audit(
    query: AuditQuery, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[AuditEntry], dict[str, Any] | None]:
    """Newest first, up to `limit` entries, and the key to resume exactly after the last one (with an
    actor filter on a resource's history, a page may take several Query calls: `query_page`; the
    feed of everything is one Query per shard: `shards.read_page`)."""
    items, last_key = shards.read_page(_request(query), limit=limit, start_key=start_key, key_names=query.key_names)
    return _entries(items), last_key


def _entries(items: list[dict[str, Any]]) -> list[AuditEntry]:
    return [AuditEntry.model_validate(from_item(item)) for item in items]
