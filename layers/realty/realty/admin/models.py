from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from realty.bookings.times import DurationMinutes, ScheduledAt
from realty.core.models import Model
from realty.core.types import Omittable


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


class AdminUpdateTourRequest(Model):
    """What an admin may do to a tour directly: move it (its booking moves, as when its parties move it),
    cancel it, or close one that never ended. A new time and a status go in separate requests."""

    # An empty object is refused: the contract says so.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    status: Omittable[Literal["cancelled", "completed"]] = Field(
        default=None, description="cancel the tour (with its booking) or close a tour that never ended; sent alone"
    )
    scheduled_at: Omittable[ScheduledAt] = Field(
        default=None,
        description="move a scheduled tour: its booking is rescheduled and confirmed again (slots and conflicts "
        "checked as for its parties); the answer is the new tour, the old one is cancelled",
    )
    duration_minutes: Omittable[DurationMinutes] = Field(default=None, description="a new length (with a move)")
