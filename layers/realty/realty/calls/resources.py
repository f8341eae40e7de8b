"""The call as the API shows it: its detail attributes and relationships, and the start answer."""

from __future__ import annotations

from typing import Any

from realty.calls.models import CallDetailAttributes, CallState, ChimeMeeting, StartAttributes
from realty.core.envelope import Relationship, Resource
from realty.tours.models import RecordingStatus
from realty.users import people


def recording_status(call: CallState) -> RecordingStatus | None:
    """The call's `recording_status` as a status; None when there is none."""
    # A `model_copy(update=...)` skips validation, so the field may hold the plain stored string.
    return RecordingStatus(call.recording_status) if call.recording_status else None


def detail_fields(call: CallState) -> dict[str, Any]:
    return {
        "status": call.status,
        "recording_status": recording_status(call),
        "recording_consent": call.recording_consent,
        "scheduled_at": call.scheduled_at,
        "duration_minutes": call.duration_minutes,
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        # Who is in the call; how to reach them is on the tour (`realty.users.people`).
        **{side: people.person(call, side, email=False, phone=False) for side in people.SIDES},
    }


def relationships(call: CallState) -> dict[str, Relationship | list[Relationship] | None]:
    return {
        "tour": Relationship(id=call.tour_id, type="tour"),
        "property": Relationship(id=call.property_id, type="property"),
    }


def call_resource(call: CallState) -> Resource[CallDetailAttributes]:
    return Resource[CallDetailAttributes](
        id=call.id,
        type="call",
        attributes=CallDetailAttributes(**detail_fields(call)),
        relationships=relationships(call),
    )


def start_resource(call: CallState) -> Resource[StartAttributes]:
    meeting = ChimeMeeting.model_validate(call.chime_meeting)
    return Resource[StartAttributes](
        id=call.id,
        type="call",
        attributes=StartAttributes(**detail_fields(call), meeting=meeting),
        relationships=relationships(call),
    )
