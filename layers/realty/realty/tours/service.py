"""Tour rules: its details from one Query, the lists, notes.

A tour is visible to its realtor, its buyer and admins; anyone else gets a 404. That rule is
`realty.tours.access.visible`, which every route under a tour applies to what it read: here
`get_tour_for(caller, tour_id)` (details and notes, from the whole item collection); the calls
capability (start, end, record, recording) and processing (transcript, highlights, summary,
reprocess) read only the items they need and check them with the same function. An admin's
changes to a tour (cancel, close) reach into bookings and calls, so they live in `realty.admin.tours`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.envelope import Relationship, Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed
from realty.core.pagination import decode_cursor, encode_cursor
from realty.properties.summary import PropertySummary
from realty.tours import access, store
from realty.tours.access import Scope
from realty.tours.models import (
    MAX_NOTES_PER_TOUR,
    Highlight,
    HighlightSource,
    NoteVisibility,
    Tour,
    TourCollection,
    TourNote,
    note_highlight_text,
)
from realty.tours.schemas import (
    CallAttributes,
    CreateNoteRequest,
    HighlightAttributes,
    NoteAttributes,
    NoteItem,
    TourAttributes,
    TourDetailAttributes,
    UpdateNoteRequest,
)
from realty.tours.states import TourStatus
from realty.users import people

# ---------------------------------------------------------------- responses


def _relationships(tour: Tour) -> dict[str, Relationship | list[Relationship] | None]:
    return {
        "property": Relationship(id=tour.property_id, type="property"),
        "booking": Relationship(id=tour.booking_id, type="booking"),
        "call": Relationship(id=tour.call_id, type="call"),
        "realtor": Relationship(id=tour.realtor_id, type="user"),
        "buyer": Relationship(id=tour.buyer_id, type="user"),
    }


def _attributes(tour: Tour, viewer: Caller) -> dict[str, Any]:
    """The tour as `viewer` sees it: both people by name, contact details as `people` allows (a tour
    exists only once its booking is confirmed)."""
    return {
        **people.participants(tour, viewer.user_id, viewer_is_admin=viewer.is_admin, confirmed=True),
        "status": tour.status,
        "scheduled_at": tour.scheduled_at,
        "ends_at": tour.ends_at,
        "duration_minutes": tour.duration_minutes,
        "started_at": tour.started_at,
        "ended_at": tour.ended_at,
        "property": PropertySummary(id=tour.property_id, address=tour.property_address, city=tour.property_city),
        "created_at": tour.created_at,
        "updated_at": tour.updated_at,
    }


def to_resource(tour: Tour, viewer: Caller) -> Resource[TourAttributes]:
    return Resource[TourAttributes](
        id=tour.id,
        type="tour",
        attributes=TourAttributes(**_attributes(tour, viewer)),
        relationships=_relationships(tour),
    )


def _note_attributes(note: TourNote) -> dict[str, Any]:
    return {
        "user_id": note.user_id,
        "author_role": note.author_role,
        "content": note.content,
        "tag": note.tag,
        "timestamp_ms": note.timestamp_ms,
        "visibility": note.visibility,
        "created_at": note.created_at,
        "updated_at": note.updated_at,
    }


def note_resource(note: TourNote) -> Resource[NoteAttributes]:
    return Resource[NoteAttributes](
        id=note.id,
        type="tour_note",
        attributes=NoteAttributes(**_note_attributes(note)),
        relationships={"tour": Relationship(id=note.tour_id, type="tour")},
    )


def to_detail(collection: TourCollection, viewer: Caller) -> Resource[TourDetailAttributes]:
    """The tour as `viewer_id` sees it: private notes, and the highlights made of them, only its author's."""
    call = collection.call
    attributes = TourDetailAttributes(
        **_attributes(collection.tour, viewer),
        call=CallAttributes(
            id=call.id,
            status=call.status,
            recording_status=call.recording_status,
            started_at=call.started_at,
            ended_at=call.ended_at,
        )
        if call
        else None,
        notes=[NoteItem(id=n.id, **_note_attributes(n)) for n in collection.notes if n.visible_to(viewer.user_id)],
        highlights=[
            HighlightAttributes.of(h, image_url=store.still_url(h))
            for h in sorted(collection.highlights, key=lambda h: (h.timestamp_ms, h.id))
            if h.visible_to(viewer.user_id)
        ],
    )
    return Resource[TourDetailAttributes](
        id=collection.tour.id, type="tour", attributes=attributes, relationships=_relationships(collection.tour)
    )


# ---------------------------------------------------------------- access


def get_tour_for(caller: Caller, tour_id: str) -> TourCollection:
    """The tour's whole item collection (one Query), if the caller may see the tour; else 404."""
    collection = store.get_collection(tour_id) if ids.is_ulid(tour_id) else None
    if collection is None or not access.visible(
        caller, realtor_id=collection.tour.realtor_id, buyer_id=collection.tour.buyer_id
    ):
        raise NotFound("no such tour")
    return collection


# ---------------------------------------------------------------- reads


def get_tour(caller: Caller, tour_id: str) -> Resource[TourDetailAttributes]:
    return to_detail(get_tour_for(caller, tour_id), caller)


def list_tours(
    caller: Caller,
    *,
    scope: Scope,
    when: str | None,
    status: TourStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Resource[TourAttributes]], str | None]:
    """`scope`: `buyer` (GSI1, my tours), `realtor` (GSI2, my tours) or `admin` (GSI4, all tours)."""
    if scope is Scope.ADMIN:
        index, pk = "GSI4", "TOURS"
    elif scope is Scope.REALTOR:
        index, pk = "GSI2", f"REALTOR#{caller.user_id}#TOURS"
    else:
        index, pk = "GSI1", f"BUYER#{caller.user_id}#TOURS"
    key_scope = f"tours|{scope}|{caller.user_id}|{when}|{status}"
    now = clock.now()
    query = store.TourQuery(
        index=index,
        pk=pk,
        when=when,
        status=status,
        now=clock.iso(now),
        earliest_running_start=clock.iso(now - timedelta(minutes=store.LONGEST_TOUR_MINUTES)),
        limit=limit,
        start_key=decode_cursor(cursor, key_scope),
    )
    tours, last_key = store.list_tours(query)
    return [to_resource(t, caller) for t in tours], encode_cursor(last_key, key_scope)


def list_notes(caller: Caller, tour_id: str) -> list[Resource[NoteAttributes]]:
    """The tour's notes the caller may see, oldest first (a tour holds at most MAX_NOTES_PER_TOUR)."""
    return [note_resource(n) for n in get_tour_for(caller, tour_id).notes if n.visible_to(caller.user_id)]


# ---------------------------------------------------------------- writes


def add_note(caller: Caller, tour_id: str, request: CreateNoteRequest) -> Resource[NoteAttributes]:
    collection = get_tour_for(caller, tour_id)
    if collection.tour.status is TourStatus.CANCELLED:
        raise Conflict("the tour was cancelled; notes can no longer be added")
    if len(collection.notes) >= MAX_NOTES_PER_TOUR:
        raise Conflict(f"a tour holds at most {MAX_NOTES_PER_TOUR} notes")
    note = TourNote(
        id=ids.new_id(),
        tour_id=collection.tour.id,
        user_id=caller.user_id,
        author_role=caller.role.value,
        content=request.content,
        tag=request.tag,
        timestamp_ms=request.timestamp_ms,
        visibility=request.visibility,
        created_at=clock.now_iso(),
    )
    audit = audit_action(
        actor_id=caller.user_id,
        action="tour.note_added",
        resource_type="tour",
        resource_id=collection.tour.id,
        details={"note_id": note.id, "visibility": note.visibility.value},
    )
    store.add_note(note, audit=audit)
    return note_resource(note)


def _own_note(caller: Caller, tour_id: str, note_id: str) -> tuple[TourCollection, TourNote]:
    """The caller's own note of a tour they may see; anyone else's note (even a shared one) is a 404."""
    collection = get_tour_for(caller, tour_id)
    note = next((n for n in collection.notes if n.id == note_id and n.user_id == caller.user_id), None)
    if note is None:
        raise NotFound("no such note")
    return collection, note


def _made_from(collection: TourCollection, note: TourNote) -> list[Highlight]:
    return [h for h in collection.highlights if h.source is HighlightSource.NOTE and h.note_id == note.id]


def update_note(caller: Caller, tour_id: str, note_id: str, request: UpdateNoteRequest) -> Resource[NoteAttributes]:
    """The author changes their note; the highlight processing made of it follows (text, time, who sees it)."""
    collection, note = _own_note(caller, tour_id, note_id)
    changes = request.changes()
    if not changes:
        raise ValidationFailed("give at least one of content, tag, timestamp_ms, visibility")
    stamp = clock.now_iso()
    updated = note.model_copy(update={**request.model_dump(include=set(changes)), "updated_at": stamp})
    highlight_changes: dict[str, Any] = {
        "note": note_highlight_text(updated.content),
        "private_to": updated.user_id if updated.visibility is NoteVisibility.PRIVATE else None,
    }
    if updated.timestamp_ms is not None and updated.timestamp_ms != note.timestamp_ms:
        # The still was taken at the old moment; reprocessing takes a new one.
        highlight_changes |= {"timestamp_ms": updated.timestamp_ms, "image_key": None}
    derived = _made_from(collection, note)
    # The audit names what changed, not the words: a private note stays its author's, even from admins.
    details: dict[str, Any] = {"note_id": note.id, "fields": sorted(changes)}
    if "visibility" in changes:
        details |= {"before": {"visibility": note.visibility.value}, "after": {"visibility": changes["visibility"]}}
    audit = audit_action(
        actor_id=caller.user_id,
        action="tour.note_updated",
        resource_type="tour",
        resource_id=collection.tour.id,
        details=details,
    )
    # An untimed note is not a moment of the tour: its highlight goes, as processing would make none.
    timed = updated.timestamp_ms is not None
    store.update_note(
        note,
        {**changes, "updated_at": stamp},
        highlights=derived if timed else [],
        highlight_changes=highlight_changes,
        dropped=[] if timed else derived,
        audit=audit,
    )
    return note_resource(updated)


def delete_note(caller: Caller, tour_id: str, note_id: str) -> Resource[NoteAttributes]:
    """The author deletes their note, and the highlight processing made of it."""
    collection, note = _own_note(caller, tour_id, note_id)
    audit = audit_action(
        actor_id=caller.user_id,
        action="tour.note_deleted",
        resource_type="tour",
        resource_id=collection.tour.id,
        details={"note_id": note.id, "visibility": note.visibility.value},
    )
    store.delete_note(note, highlights=_made_from(collection, note), audit=audit)
    return note_resource(note)
