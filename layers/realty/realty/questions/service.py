"""Ask the tour: `POST|GET .../tours/{id}/questions` for its realtor and its buyer.

A question is answered from the tour's transcript and the notes the asker may see: shared notes and
their own private ones, never the other participant's private notes (as everywhere else, a private
note is its author's alone). Asking needs a processed transcript (409 `TRANSCRIPT_NOT_READY`) and the
realtor's pro plan, as every AI output of a tour does (402), whoever asks; each user may ask
`ASK_DAILY_LIMIT` questions a UTC day (429 `QUESTION_LIMIT_REACHED`, Retry-After: the next
midnight). The counter is taken before answering and given back when no answer is stored, so a
failed answer (503 `ANSWER_UNAVAILABLE`) costs nothing.

A participant's questions are private to them: what one party wonders about is not the other's
business (a buyer asking "did they say the price is negotiable?" should not show up on the realtor's
screen). The list is theirs, newest first, one Query a page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from realty.adapters.errors import UpstreamPermanent, UpstreamRetryable
from realty.billing.entitlements import require_pro
from realty.core import actor, clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.config import get_settings
from realty.core.envelope import Relationship, Resource
from realty.core.errors import AppError, Conflict, NotFound, RateLimited
from realty.core.pagination import decode_cursor, encode_cursor
from realty.processing import store as processing_store
from realty.processing.models import NoteView, Segment, TourView, Transcript, TranscriptMetadata
from realty.questions import answering, store
from realty.questions.models import AskRequest, QuestionAttributes, StoredQuestion
from realty.tours import access
from realty.tours.models import NoteVisibility


class AnswerUnavailable(AppError):
    """The model could not answer (after a retry): nothing was stored and the question not counted."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "ANSWER_UNAVAILABLE"
    default_message = "the answer could not be written right now, nothing was counted: retry in a moment"
    retry_after = 30


def to_resource(question: StoredQuestion) -> Resource[QuestionAttributes]:
    return Resource[QuestionAttributes](
        id=question.id,
        type="tour_question",
        attributes=QuestionAttributes(
            question=question.question,
            discussed=question.discussed,
            answer=question.answer,
            cited_moments=question.cited_moments,
            model=question.model,
            asker_role=question.asker_role,
            created_at=question.created_at,
        ),
        relationships={"tour": Relationship(id=question.tour_id, type="tour")},
    )


def _visible_tour(caller: Caller, tour: TourView | None) -> TourView:
    if tour is None or not access.visible(caller, realtor_id=tour.realtor_id, buyer_id=tour.buyer_id):
        raise NotFound("no such tour")
    return tour


def _material(caller: Caller, tour_id: str) -> tuple[TourView, list[Segment], list[NoteView]]:
    """The tour, its transcript's segments and the notes the caller may see: one Query (sort keys
    NOTE# .. TRANSCRIPT, filtered to the notes, the tour and the transcript metadata) and one S3 read."""
    if not ids.is_ulid(tour_id):
        raise NotFound("no such tour")
    items = processing_store.tour_items(tour_id, low="NOTE#", high="TRANSCRIPT", only=("NOTE#", "TOUR", "TRANSCRIPT"))
    found = next((item for item in items if item.get("SK") == "TOUR"), None)
    tour = _visible_tour(caller, TourView.model_validate(found) if found else None)
    metadata = next((item for item in items if item.get("SK") == "TRANSCRIPT"), None)
    content = (
        processing_store.get_json_if_exists(TranscriptMetadata.model_validate(metadata).s3_key) if metadata else None
    )
    if content is None:
        raise Conflict(
            f"the tour has no transcript yet (it is {tour.status.value}): questions can be asked once it is processed",
            code="TRANSCRIPT_NOT_READY",
        )
    notes = sorted(
        (NoteView.model_validate(item) for item in items if str(item.get("SK", "")).startswith("NOTE#")),
        key=lambda n: (n.timestamp_ms if n.timestamp_ms is not None else -1, n.id),
    )
    visible = [n for n in notes if n.visibility is NoteVisibility.SHARED or n.user_id == caller.user_id]
    return tour, Transcript.model_validate(content).segments, visible


def _next_midnight(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def _take_question_of_the_day(user_id: str) -> str | None:
    """Count one question against the caller's UTC day; the day counted (to give it back), or None
    when questions are not limited. RateLimited (429) once the day's questions are used up."""
    limit = get_settings().ask_daily_limit
    if limit <= 0:
        return None
    now = clock.now().astimezone(UTC)
    day, midnight = now.date().isoformat(), _next_midnight(now)
    if not store.take_daily(user_id, day=day, limit=limit, day_ends=int(midnight.timestamp())):
        raise RateLimited(
            f"at most {limit} questions a day; more from midnight UTC",
            code="QUESTION_LIMIT_REACHED",
            retry_after=max(1, int((midnight - now).total_seconds())),
        )
    return day


def ask(caller: Caller, tour_id: str, request: AskRequest) -> Resource[QuestionAttributes]:
    # Answering spends OpenAI's quota before the first guarded write: a deactivated or signed-out
    # caller is refused (401) first, as every change outside DynamoDB is (realty.core.actor).
    actor.confirm()
    tour, segments, notes = _material(caller, tour_id)
    # An AI output of the tour: the realtor's plan pays for it, whoever asks (as processing does).
    require_pro(tour.realtor_id, feature="asking about a tour")
    day = _take_question_of_the_day(caller.user_id)
    try:
        try:
            answer = answering.answer(request.question, segments, notes)
        except (UpstreamRetryable, UpstreamPermanent) as error:
            raise AnswerUnavailable() from error
        question = StoredQuestion(
            **answer.model_dump(),
            id=ids.new_id(),
            tour_id=tour.id,
            user_id=caller.user_id,
            asker_role=caller.role.value,
            question=request.question,
            created_at=clock.now_iso(),
        )
        # The audit trail keeps ids and sizes; the words stay in the question's own item.
        audit = audit_action(
            actor_id=caller.user_id,
            action="tour.question_asked",
            resource_type="tour",
            resource_id=tour.id,
            details={
                "question_id": question.id,
                "question_chars": len(question.question),
                "discussed": question.discussed,
                "cited_moments": len(question.cited_moments),
                "model": question.model,
            },
        )
        store.put_question(question, audit=audit)
    except BaseException:
        if day is not None:
            store.give_back(caller.user_id, day=day)
        raise
    return to_resource(question)


def list_questions(
    caller: Caller, tour_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Resource[QuestionAttributes]], str | None]:
    """The caller's own questions about the tour, newest first (reading is never gated by the plan)."""
    tour = _visible_tour(caller, processing_store.get_tour(tour_id) if ids.is_ulid(tour_id) else None)
    scope = f"questions|{tour.id}|{caller.user_id}"
    questions, last = store.list_questions(tour.id, caller.user_id, limit=limit, start_key=decode_cursor(cursor, scope))
    return [to_resource(q) for q in questions], encode_cursor(last, scope)
