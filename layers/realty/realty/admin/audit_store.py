"""Queries of the audit table (written only through realty.core.audit; never updated or deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.admin.models import AuditEntry
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import from_item
from realty.core.errors import BadRequest

# Sorts after every `<created_at>#<ULID>` sort key of the same second: makes `to` inclusive.
_END_OF_SECOND = "#~"
# With an actor filter on the by-resource index, a page may take several Query calls.
MAX_QUERY_CALLS_PER_PAGE = 20
FILTERED_PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditQuery:
    actor_id: str | None = None
    resource: tuple[str, str] | None = None  # (type, id)
    start: str | None = None  # ISO, inclusive
    end: str | None = None  # ISO, inclusive

    @property
    def index(self) -> str | None:
        if self.resource:
            return "GSI2"
        return "GSI1" if self.actor_id else None

    @property
    def key_names(self) -> set[str]:
        index = self.index
        return {"PK", "SK"} | ({f"{index}PK", f"{index}SK"} if index else set())


def _request(query: AuditQuery) -> dict[str, Any]:
    index = query.index
    if query.resource:
        partition = f"RESOURCE#{query.resource[0]}#{query.resource[1]}"
    elif query.actor_id:
        partition = f"ACTOR#{query.actor_id}"
    else:
        partition = "AUDIT"
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
    """Newest first, up to `limit` entries, and the key to resume exactly after the last one."""
    if start_key is not None and set(start_key) != query.key_names:
        raise BadRequest("cursor is invalid or belongs to another query", field="cursor")
    request = _request(query)
    if start_key:
        request["ExclusiveStartKey"] = start_key
    filtered = "FilterExpression" in request
    found: list[dict[str, Any]] = []
    for _ in range(MAX_QUERY_CALLS_PER_PAGE):
        room = limit - len(found)
        request["Limit"] = FILTERED_PAGE_SIZE if filtered else room
        response = client("dynamodb").query(**request)
        items = response.get("Items") or []
        last = response.get("LastEvaluatedKey")
        if len(items) > room:
            found.extend(items[:room])
            return _entries(found), {name: found[-1][name] for name in query.key_names}
        found.extend(items)
        if not last or len(found) == limit:
            return _entries(found), last
        request["ExclusiveStartKey"] = last
    return _entries(found), request.get("ExclusiveStartKey")


def _entries(items: list[dict[str, Any]]) -> list[AuditEntry]:
    return [AuditEntry.model_validate(from_item(item)) for item in items]
