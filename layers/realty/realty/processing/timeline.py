"""The meeting's own account of who was speaking when, from the media capture's meeting events.

Chime's media capture pipeline writes the meeting's events (`meeting-events/`, one JSON object per
event: `Timestamp`, `EventType`, `EventParameters`) next to the audio; the concatenation pipeline
joins them into one file under the tour's `concatenated/meeting-events/` prefix. The events read
here: `CaptureStarted` (the recording's time zero) and `ActiveSpeaker` (from then on, until the next
`ActiveSpeaker` or `CaptureEnded`, that attendee is speaking). An event names the attendee by
`AttendeeId` and, for our attendees, by `ExternalUserId` (the user id the call created it with); the
call's `realtor_attendee_id`/`buyer_attendee_id` and the tour's user ids map them to roles.

Anything unreadable is skipped: the timeline is one signal among several, never a reason to fail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from realty.processing import store
from realty.processing.models import TourView
from realty.processing.speakers import SpeakingSpan
from realty.tours.models import SpeakerRole


def parse_events(texts: Iterable[str]) -> list[dict[str, Any]]:
    """The event objects of meeting-events files: one JSON object per line, or a JSON array."""
    events: list[dict[str, Any]] = []
    for text in texts:
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                loaded = json.loads(stripped)
            except ValueError:
                continue
            events.extend(item for item in loaded if isinstance(item, dict))
            continue
        for line in stripped.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                events.append(item)
    return events


def _when(event: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(event.get("Timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


def speaking_spans(
    events: Iterable[Mapping[str, Any]],
    *,
    attendee_roles: Mapping[str, SpeakerRole],
    user_roles: Mapping[str, SpeakerRole],
) -> list[SpeakingSpan]:
    """The stretches (ms from the capture's start) in which the realtor or the buyer was the active speaker."""
    timed = sorted(((when, event) for event in events if (when := _when(event)) is not None), key=lambda p: p[0])
    if not timed:
        return []
    zero = next((when for when, event in timed if event.get("EventType") == "CaptureStarted"), timed[0][0])
    spans: list[SpeakingSpan] = []
    current: tuple[int, SpeakerRole | None] | None = None
    for when, event in timed:
        kind = event.get("EventType")
        if kind not in ("ActiveSpeaker", "CaptureEnded"):
            continue
        at = max(round((when - zero).total_seconds() * 1000), 0)
        if current is not None and current[1] is not None and at > current[0]:
            spans.append(SpeakingSpan(start_ms=current[0], end_ms=at, role=current[1]))
        if kind == "CaptureEnded":
            current = None
            continue
        parameters = event.get("EventParameters") or {}
        role = attendee_roles.get(str(parameters.get("AttendeeId") or "")) or user_roles.get(
            str(parameters.get("ExternalUserId") or "")
        )
        current = (at, role)
    return spans


def of_meeting(tour: TourView) -> list[SpeakingSpan]:
    """Who the tour's meeting reported speaking when; empty when the capture kept no events."""
    texts = store.meeting_event_texts(tour.id)
    if not texts:
        return []
    roles = {"realtor": SpeakerRole.REALTOR, "buyer": SpeakerRole.BUYER}
    attendees = {attendee: roles[side] for attendee, side in store.call_attendees(tour.id).items()}
    users = {tour.realtor_id: SpeakerRole.REALTOR, tour.buyer_id: SpeakerRole.BUYER}
    return speaking_spans(parse_events(texts), attendee_roles=attendees, user_roles=users)


def save(tour_id: str, attempt: int, spans: list[SpeakingSpan]) -> None:
    """Kept beside the attempt's chunks: PrepareAudio reads the meeting once, later steps read this."""
    store.put_json(
        store.timeline_key(tour_id, attempt),
        [{"start_ms": s.start_ms, "end_ms": s.end_ms, "role": s.role.value} for s in spans],
    )


def saved(tour_id: str, attempt: int) -> list[SpeakingSpan]:
    """The attempt's timeline (empty when PrepareAudio of an older release wrote none)."""
    found = store.get_json_if_exists(store.timeline_key(tour_id, attempt)) or []
    return [
        SpeakingSpan(start_ms=int(s["start_ms"]), end_ms=int(s["end_ms"]), role=SpeakerRole(s["role"])) for s in found
    ]
