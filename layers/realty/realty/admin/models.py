from __future__ import annotations

from typing import Any

from realty.core.models import Model


class AuditEntry(Model):
    """An audit item as stored (keys dropped)."""

    id: str
    actor_id: str
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any] = {}
    created_at: str


class AuditLogAttributes(Model):
    actor_id: str
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any]
    created_at: str
