"""Tours and their notes: /api/v1/realtors/tours*, /api/v1/buyers/tours* and /api/v1/admin/tours*."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from realty.admin.models import AdminUpdateTourRequest
from realty.core import snapstart
from realty.core.api import Query, Response, create_app, make_handler, respond, respond_page
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, ListEnvelope, Resource
from realty.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from realty.processing.followup import service as followup
from realty.processing.followup.models import FollowUpAttributes, UpdateFollowUpRequest
from realty.processing.models import (
    HighlightsAttributes,
    ProcessingAttributes,
    SummaryAttributes,
    TranscriptAttributes,
)
from realty.tours import service
from realty.tours.access import Scope
from realty.tours.models import MAX_NOTES_PER_TOUR
from realty.tours.schemas import (
    CreateNoteRequest,
    NoteAttributes,
    TourAttributes,
    TourDetailAttributes,
    UpdateNoteRequest,
)
from realty.tours.states import TourStatus

app = create_app()
# Imported by their routes (below), and before a SnapStart snapshot so no restored copy pays them.
snapstart.import_before_snapshot("realty.admin.tours", "realty.processing.artifacts", "realty.processing.service")

Detail = Response[Envelope[Resource[TourDetailAttributes]]]
One = Response[Envelope[Resource[TourAttributes]]]
Many = Response[ListEnvelope[Resource[TourAttributes]]]
Note = Response[Envelope[Resource[NoteAttributes]]]
Notes = Response[ListEnvelope[Resource[NoteAttributes]]]

When = Annotated[
    Literal["upcoming", "past"] | None,
    Query(description="upcoming: not over yet, soonest first; past: over, most recent first"),
]
Status = Annotated[TourStatus | None, Query()]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=2048)]


def _list(
    scope: Scope, *roles: Role, when: str | None, status: TourStatus | None, limit: int, cursor: str | None
) -> Any:
    caller = require_role(app, *roles)
    items, next_cursor = service.list_tours(caller, scope=scope, when=when, status=status, limit=limit, cursor=cursor)
    return respond_page(app, items, limit=limit, next_cursor=next_cursor)


def _notes(*roles: Role, tour_id: str) -> Any:
    notes = service.list_notes(require_role(app, *roles), tour_id)
    return respond_page(app, notes, limit=MAX_NOTES_PER_TOUR, next_cursor=None)


# ---------------------------------------------------------------- realtors


@app.get("/api/v1/realtors/tours", summary="My tours", tags=["tours"])
def list_realtor_tours(
    when: When = None, status: Status = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.REALTOR, Role.REALTOR, Role.ADMIN, when=when, status=status, limit=limit, cursor=cursor)


@app.get("/api/v1/realtors/tours/<id>", summary="A tour with its call, notes and highlights", tags=["tours"])
def get_realtor_tour(id: str) -> Detail:
    return respond(app, service.get_tour(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.get("/api/v1/realtors/tours/<id>/notes", summary="The tour's notes, oldest first", tags=["tours"])
def list_realtor_notes(id: str) -> Notes:
    return _notes(Role.REALTOR, Role.ADMIN, tour_id=id)


@app.post("/api/v1/realtors/tours/<id>/notes", summary="Add a note to the tour", tags=["tours"], status_code=201)
def add_realtor_note(id: str, body: CreateNoteRequest) -> Note:
    return respond(app, service.add_note(require_role(app, Role.REALTOR, Role.ADMIN), id, body), status=201)


@app.put(
    "/api/v1/realtors/tours/<id>/notes/<note_id>",
    summary="Edit my note (its text, tag, time or who sees it)",
    tags=["tours"],
)
def update_realtor_note(id: str, note_id: str, body: UpdateNoteRequest) -> Note:
    return respond(app, service.update_note(require_role(app, Role.REALTOR, Role.ADMIN), id, note_id, body))


@app.delete("/api/v1/realtors/tours/<id>/notes/<note_id>", summary="Delete my note", tags=["tours"])
def delete_realtor_note(id: str, note_id: str) -> Note:
    return respond(app, service.delete_note(require_role(app, Role.REALTOR, Role.ADMIN), id, note_id))


# ---------------------------------------------------------------- buyers


@app.get("/api/v1/buyers/tours", summary="My tours", tags=["tours"])
def list_buyer_tours(
    when: When = None, status: Status = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.BUYER, Role.BUYER, Role.ADMIN, when=when, status=status, limit=limit, cursor=cursor)


@app.get("/api/v1/buyers/tours/<id>", summary="A tour with its call, notes and highlights", tags=["tours"])
def get_buyer_tour(id: str) -> Detail:
    return respond(app, service.get_tour(require_role(app, Role.BUYER, Role.ADMIN), id))


@app.get("/api/v1/buyers/tours/<id>/notes", summary="The tour's notes, oldest first", tags=["tours"])
def list_buyer_notes(id: str) -> Notes:
    return _notes(Role.BUYER, Role.ADMIN, tour_id=id)


@app.post("/api/v1/buyers/tours/<id>/notes", summary="Add a note to the tour", tags=["tours"], status_code=201)
def add_buyer_note(id: str, body: CreateNoteRequest) -> Note:
    return respond(app, service.add_note(require_role(app, Role.BUYER, Role.ADMIN), id, body), status=201)


@app.put(
    "/api/v1/buyers/tours/<id>/notes/<note_id>",
    summary="Edit my note (its text, tag, time or who sees it)",
    tags=["tours"],
)
def update_buyer_note(id: str, note_id: str, body: UpdateNoteRequest) -> Note:
    return respond(app, service.update_note(require_role(app, Role.BUYER, Role.ADMIN), id, note_id, body))


@app.delete("/api/v1/buyers/tours/<id>/notes/<note_id>", summary="Delete my note", tags=["tours"])
def delete_buyer_note(id: str, note_id: str) -> Note:
    return respond(app, service.delete_note(require_role(app, Role.BUYER, Role.ADMIN), id, note_id))


# ---------------------------------------------------------------- admins


@app.get("/api/v1/admin/tours", summary="Every tour, newest first", tags=["admin"])
def list_all_tours(
    when: When = None, status: Status = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.ADMIN, Role.ADMIN, when=when, status=status, limit=limit, cursor=cursor)


@app.get("/api/v1/admin/tours/<id>", summary="Any tour with its call, notes and highlights", tags=["admin"])
def get_any_tour(id: str) -> Detail:
    return respond(app, service.get_tour(require_role(app, Role.ADMIN), id))


@app.put(
    "/api/v1/admin/tours/<id>",
    summary="Move a tour (its booking moves), cancel it (with its booking) or close a tour that never ended",
    tags=["admin"],
)
def update_any_tour(id: str, body: AdminUpdateTourRequest) -> One:
    from realty.admin import tours as admin_tours

    return respond(app, admin_tours.update_tour(require_role(app, Role.ADMIN), id, body))


@app.delete("/api/v1/admin/tours/<id>", summary="Cancel a tour (with its booking)", tags=["admin"])
def cancel_any_tour(id: str) -> One:
    from realty.admin import tours as admin_tours

    return respond(app, admin_tours.cancel_tour(require_role(app, Role.ADMIN), id))


# ---------------------------------------------------------------- processing results (realty.processing)
# While a tour is not processed these answer 200 with its `status` and null content (see
# realty/processing/artifacts.py); the transcript's full text is read from S3 and returned inline.
# The processing service and artifacts, like the admin's tour changes above, are imported by the
# routes that use them: most requests of this function are about tours and notes (cold start).

Transcript = Response[Envelope[Resource[TranscriptAttributes]]]
Highlights = Response[Envelope[Resource[HighlightsAttributes]]]
Summary = Response[Envelope[Resource[SummaryAttributes]]]


@app.post(
    "/api/v1/realtors/tours/<id>/reprocess",
    summary="Run transcription, highlights and summary again (a processed or failed tour)",
    tags=["tours"],
    status_code=202,
)
def reprocess_tour(id: str) -> Response[Envelope[Resource[ProcessingAttributes]]]:
    from realty.processing import service as processing

    return respond(app, processing.reprocess(require_role(app, Role.REALTOR, Role.ADMIN), id), status=202)


@app.get("/api/v1/realtors/tours/<id>/transcript", summary="The tour's transcript", tags=["tours"])
def get_realtor_transcript(id: str) -> Transcript:
    from realty.processing import artifacts

    return respond(app, artifacts.get_transcript(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.get("/api/v1/realtors/tours/<id>/highlights", summary="The tour's highlights, in time order", tags=["tours"])
def get_realtor_highlights(id: str) -> Highlights:
    from realty.processing import artifacts

    return respond(app, artifacts.get_highlights(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.get("/api/v1/realtors/tours/<id>/summary", summary="The tour's summary", tags=["tours"])
def get_realtor_summary(id: str) -> Summary:
    from realty.processing import artifacts

    return respond(app, artifacts.get_summary(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.get("/api/v1/buyers/tours/<id>/transcript", summary="The tour's transcript", tags=["tours"])
def get_buyer_transcript(id: str) -> Transcript:
    from realty.processing import artifacts

    return respond(app, artifacts.get_transcript(require_role(app, Role.BUYER, Role.ADMIN), id))


@app.get("/api/v1/buyers/tours/<id>/highlights", summary="The tour's highlights, in time order", tags=["tours"])
def get_buyer_highlights(id: str) -> Highlights:
    from realty.processing import artifacts

    return respond(app, artifacts.get_highlights(require_role(app, Role.BUYER, Role.ADMIN), id))


@app.get("/api/v1/buyers/tours/<id>/summary", summary="The tour's summary", tags=["tours"])
def get_buyer_summary(id: str) -> Summary:
    from realty.processing import artifacts

    return respond(app, artifacts.get_summary(require_role(app, Role.BUYER, Role.ADMIN), id))


# ---------------------------------------------------------------- the follow-up (realty.processing.followup)
# Drafted when processing finishes; the realtor edits it until sending it to the buyer, once.

FollowUp = Response[Envelope[Resource[FollowUpAttributes]]]


@app.get("/api/v1/realtors/tours/<id>/follow-up", summary="The draft follow-up to the buyer", tags=["tours"])
def get_realtor_follow_up(id: str) -> FollowUp:
    return respond(app, followup.get_follow_up(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.put(
    "/api/v1/realtors/tours/<id>/follow-up",
    summary="Edit the draft follow-up (subject, body) until it is sent",
    tags=["tours"],
)
def update_realtor_follow_up(id: str, body: UpdateFollowUpRequest) -> FollowUp:
    return respond(app, followup.update_follow_up(require_role(app, Role.REALTOR, Role.ADMIN), id, body))


@app.post(
    "/api/v1/realtors/tours/<id>/follow-up/send",
    summary="Send the follow-up to the buyer by email (once)",
    tags=["tours"],
)
def send_realtor_follow_up(id: str) -> FollowUp:
    return respond(app, followup.send_follow_up(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.get("/api/v1/buyers/tours/<id>/follow-up", summary="The realtor's follow-up, once sent", tags=["tours"])
def get_buyer_follow_up(id: str) -> FollowUp:
    return respond(app, followup.get_sent_follow_up(require_role(app, Role.BUYER, Role.ADMIN), id))


lambda_handler: Any = make_handler(app)
