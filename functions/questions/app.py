"""Ask the tour: /api/v1/realtors/tours/{id}/questions and /api/v1/buyers/tours/{id}/questions.

A function of its own, apart from the tours function: it is the one API function that calls OpenAI,
so only it ships the SDK, reads the OpenAI secret and waits as long as an answer takes (the tours
function keeps its short timeout and cold start).
"""

from __future__ import annotations

from typing import Annotated, Any

from realty.core.api import Query, Response, create_app, make_handler, respond, respond_page
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, ListEnvelope, Resource
from realty.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from realty.questions import service
from realty.questions.models import AskRequest, QuestionAttributes

app = create_app()

One = Response[Envelope[Resource[QuestionAttributes]]]
Many = Response[ListEnvelope[Resource[QuestionAttributes]]]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=2048)]

ASK_SUMMARY = "Ask about the tour: an answer from its transcript and notes, with the moments it comes from"
LIST_SUMMARY = "My questions about the tour and their answers, newest first"


def _list(*roles: Role, tour_id: str, limit: int, cursor: str | None) -> Any:
    items, next_cursor = service.list_questions(require_role(app, *roles), tour_id, limit=limit, cursor=cursor)
    return respond_page(app, items, limit=limit, next_cursor=next_cursor)


@app.post("/api/v1/realtors/tours/<id>/questions", summary=ASK_SUMMARY, tags=["tours"], status_code=201)
def ask_realtor_tour(id: str, body: AskRequest) -> One:
    return respond(app, service.ask(require_role(app, Role.REALTOR, Role.ADMIN), id, body), status=201)


@app.get("/api/v1/realtors/tours/<id>/questions", summary=LIST_SUMMARY, tags=["tours"])
def list_realtor_questions(id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Many:
    return _list(Role.REALTOR, Role.ADMIN, tour_id=id, limit=limit, cursor=cursor)


@app.post("/api/v1/buyers/tours/<id>/questions", summary=ASK_SUMMARY, tags=["tours"], status_code=201)
def ask_buyer_tour(id: str, body: AskRequest) -> One:
    return respond(app, service.ask(require_role(app, Role.BUYER, Role.ADMIN), id, body), status=201)


@app.get("/api/v1/buyers/tours/<id>/questions", summary=LIST_SUMMARY, tags=["tours"])
def list_buyer_questions(id: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Many:
    return _list(Role.BUYER, Role.ADMIN, tour_id=id, limit=limit, cursor=cursor)


lambda_handler: Any = make_handler(app)
