"""Reading the audit trail: by actor, by resource, by time, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from realty.admin import audit_store
from realty.admin.audit_store import AuditQuery
from realty.admin.models import AuditEntry, AuditLogAttributes
from realty.core import clock
from realty.core.envelope import Resource
from realty.core.errors import ValidationFailed
from realty.core.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True)
class AuditPage:
    items: list[Resource[AuditLogAttributes]]
    next_cursor: str | None


def _moment(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return clock.iso(clock.parse_iso(value))
    except ValueError as error:
        raise ValidationFailed(
            f"{field} must be an ISO-8601 date-time, e.g. 2026-01-15T10:30:00Z", field=field
        ) from error


def to_resource(entry: AuditEntry) -> Resource[AuditLogAttributes]:
    attributes = AuditLogAttributes(**entry.model_dump(exclude={"id"}))
    return Resource[AuditLogAttributes](id=entry.id, type="audit_log", attributes=attributes)


def list_audit_logs(
    *,
    actor_id: str | None,
    resource_type: str | None,
    resource_id: str | None,
    start: str | None,
    end: str | None,
    limit: int,
    cursor: str | None,
) -> AuditPage:
    if bool(resource_type) != bool(resource_id):
        missing = "resource_id" if resource_type else "resource_type"
        raise ValidationFailed("resource_type and resource_id go together", field=missing)
    start_iso, end_iso = _moment(start, "from"), _moment(end, "to")
    if start_iso and end_iso and start_iso > end_iso:
        raise ValidationFailed("to must not be before from", field="to")
    query = AuditQuery(
        actor_id=actor_id or None,
        resource=(resource_type, resource_id) if resource_type and resource_id else None,
        start=start_iso,
        end=end_iso,
    )
    scope = f"audit|actor={query.actor_id}|resource={query.resource}|from={start_iso}|to={end_iso}"
    entries, last_key = audit_store.query_audit(query, limit=limit, start_key=decode_cursor(cursor, scope))
    return AuditPage(items=[to_resource(e) for e in entries], next_cursor=encode_cursor(last_key, scope))
