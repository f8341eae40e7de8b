"""Interest per listing: across a listing's tours, what buyers liked and worried about most and the
questions for the seller still open, each linked to its moments.

When a tour is processed, its part is written beside the listing (`PROPERTY#<id>` / `INTEREST#<tour_id>`:
the buyer's likes, concerns and questions from the highlights the realtor did not say, and the
summary's items no highlight already covers); a read is then one Query of the listing's collection,
combined here by theme. Nothing is counted at read time from the tours themselves.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from realty.core import clock
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.envelope import Relationship, Resource
from realty.core.errors import NotFound
from realty.processing.followup import store
from realty.processing.followup.models import (
    AnswerQuestionRequest,
    InterestAttributes,
    InterestEntry,
    InterestQuestion,
    Moment,
    StoredInterest,
    Theme,
)
from realty.processing.followup.moments import STOPWORDS, best_moment, from_buyer_side, moment_link

if TYPE_CHECKING:  # the properties function reads interest without importing processing or tours
    from realty.processing.models import SummaryContent, TourView
    from realty.tours.models import Highlight

logger = Logger(child=True)

MOMENTS_PER_THEME = 10
ENTRY_CHARS = 300

# Themes buyers' reactions fall under, most specific first: the first whose words a sentence uses names it.
THEMES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(keywords.split()))
    for name, keywords in (
        ("damp and leaks", "damp water leak leaks leaking stain stains moisture mold mould flood"),
        ("roof", "roof roofs gutter gutters"),
        ("heating and cooling", "heating heater boiler furnace hvac cooling insulation drafty"),
        ("noise", "noise noisy loud traffic"),
        ("price", "price priced pricing cost costs expensive cheap offer budget tax taxes fee fees hoa"),
        (
            "kitchen",
            "kitchen kitchens cook cooking appliance appliances counter countertop countertops island oven pantry",
        ),
        ("bathrooms", "bathroom bathrooms bath shower toilet tub"),
        ("bedrooms", "bedroom bedrooms"),
        ("garden and outdoor space", "garden gardens yard backyard patio deck balcony lawn outdoor terrace pool"),
        ("light and windows", "light bright sunny sunlight sun window windows"),
        ("space and layout", "space spacious layout open room rooms size sqft square ceiling ceilings"),
        ("basement and storage", "basement storage closet closets attic cellar"),
        ("parking and garage", "parking garage driveway car"),
        ("floors", "floor floors flooring hardwood carpet tile tiles"),
        ("location", "location neighborhood neighbourhood area street school schools commute transport shops park"),
        (
            "condition and repairs",
            "repair repairs renovation renovate renovated crack cracks damage condition maintenance paint",
        ),
        ("view", "view views"),
    )
)
_WORD = re.compile(r"[a-z][a-z']+")


def theme_of(text: str) -> str:
    """The theme a buyer's sentence is about; else its first telling word."""
    found = _WORD.findall(text.lower())
    present = set(found)
    for name, keywords in THEMES:
        if present & keywords:
            return name
    return next((word for word in found if word not in STOPWORDS and len(word) > 3), "other")


def question_key(text: str) -> str:
    """A question's stable id within its tour (a reprocess that finds the same question keeps its mark)."""
    return hashlib.sha256(" ".join(_WORD.findall(text.lower())).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- written when a tour is processed


def _entries(highlights: Sequence[Highlight], kind: str, summary_items: Iterable[str]) -> list[InterestEntry]:
    own = [h for h in highlights if h.highlight_type.value == kind]
    found = [InterestEntry(text=(h.note or h.quote)[:ENTRY_CHARS], timestamp_ms=h.timestamp_ms) for h in own]
    for item in summary_items:
        if best_moment(item, own) is not None:
            continue  # a highlight of the buyer's already says it, with its moment
        moment = best_moment(item, highlights)
        found.append(InterestEntry(text=item[:ENTRY_CHARS], timestamp_ms=moment.timestamp_ms if moment else None))
    return found


def tour_interest(
    tour: TourView, highlights: Sequence[Highlight], summary: SummaryContent | None
) -> StoredInterest | None:
    """The tour's part of its listing's interest (None for a tour without a listing)."""
    if not tour.property_id:
        return None
    # The buyer's side of the tour: shared moments the realtor did not say (a private note is its author's).
    buyer_side = [h for h in highlights if h.private_to is None and from_buyer_side(h)]
    return StoredInterest(
        property_id=tour.property_id,
        tour_id=tour.id,
        processed=True,
        scheduled_at=tour.scheduled_at,
        buyer_name=tour.buyer_name,
        likes=_entries(buyer_side, "feature", summary.liked if summary else []),
        concerns=_entries(buyer_side, "concern", summary.concerns if summary else []),
        questions=_entries(buyer_side, "question", summary.questions_for_seller if summary else []),
        updated_at=clock.now_iso(),
    )


def record_processed(tour: TourView, highlights: Sequence[Highlight], summary: SummaryContent | None) -> bool:
    interest = tour_interest(tour, highlights, summary)
    if interest is None:
        return False
    store.put_interest(interest)
    return True


def record_failed(tour: TourView) -> None:
    """A tour whose processing failed counts as a tour (not processed); a processed part is kept.
    Never raises: the tour's failure is recorded and told whatever happens here."""
    if not tour.property_id:
        return
    try:
        store.put_interest_stub(
            StoredInterest(
                property_id=tour.property_id,
                tour_id=tour.id,
                scheduled_at=tour.scheduled_at,
                updated_at=clock.now_iso(),
            )
        )
    except Exception:
        logger.exception("listing interest not recorded for the failed tour")


# ---------------------------------------------------------------- the realtor's read


def _listing_parts(caller: Caller, property_id: str) -> list[StoredInterest]:
    listing, parts = store.listing_interest(property_id)
    if listing is None or (not caller.is_admin and listing.get("realtor_id") != caller.user_id):
        raise NotFound("no such property")
    return parts


def _themes(parts: Sequence[StoredInterest], pick: str) -> list[Theme]:
    grouped: dict[str, list[Moment]] = defaultdict(list)
    for part in parts:
        for entry in getattr(part, pick):
            grouped[theme_of(entry.text)].append(
                Moment(
                    tour_id=part.tour_id,
                    timestamp_ms=entry.timestamp_ms,
                    link=moment_link(part.tour_id, entry.timestamp_ms),
                    text=entry.text,
                    scheduled_at=part.scheduled_at,
                )
            )
    themes = [
        Theme(
            theme=name,
            count=len(moments),
            tours=len({m.tour_id for m in moments}),
            moments=sorted(moments, key=lambda m: m.scheduled_at or "", reverse=True)[:MOMENTS_PER_THEME],
        )
        for name, moments in grouped.items()
    ]
    return sorted(themes, key=lambda t: (-t.count, -t.tours, t.theme))


def _questions(parts: Sequence[StoredInterest]) -> list[InterestQuestion]:
    found: dict[str, InterestQuestion] = {}
    for part in parts:
        for entry in part.questions:
            key = question_key(entry.text)
            mark = part.answered.get(key)
            found.setdefault(
                f"{part.tour_id}.{key}",
                InterestQuestion(
                    id=f"{part.tour_id}.{key}",
                    text=entry.text,
                    tour_id=part.tour_id,
                    timestamp_ms=entry.timestamp_ms,
                    link=moment_link(part.tour_id, entry.timestamp_ms),
                    scheduled_at=part.scheduled_at,
                    answered=mark is not None,
                    answered_at=mark.get("answered_at") if mark else None,
                ),
            )
    return sorted(found.values(), key=lambda q: (q.scheduled_at or "", q.timestamp_ms or 0), reverse=True)


def _attributes(parts: Sequence[StoredInterest]) -> InterestAttributes:
    processed = [p for p in parts if p.processed]
    questions = _questions(processed)
    return InterestAttributes(
        tours=len(parts),
        processed_tours=len(processed),
        likes=_themes(processed, "likes"),
        concerns=_themes(processed, "concerns"),
        open_questions=[q for q in questions if not q.answered],
        answered_questions=[q for q in questions if q.answered],
    )


def get_interest(caller: Caller, property_id: str) -> Resource[InterestAttributes]:
    return Resource[InterestAttributes](
        id=property_id,
        type="listing_interest",
        attributes=_attributes(_listing_parts(caller, property_id)),
        relationships={"property": Relationship(id=property_id, type="property")},
    )


def answer_question(
    caller: Caller, property_id: str, question_id: str, request: AnswerQuestionRequest
) -> Resource[InterestQuestion]:
    """Mark a buyer's question answered (or open again); audited."""
    parts = _listing_parts(caller, property_id)
    tour_id, _, key = question_id.partition(".")
    part = next((p for p in parts if p.tour_id == tour_id and p.processed), None)
    if part is None or not any(question_key(e.text) == key for e in part.questions):
        raise NotFound("no such question")
    stamp = clock.now_iso()
    mark = {"answered_at": stamp, "answered_by": caller.user_id} if request.answered else None
    audit = audit_action(
        actor_id=caller.user_id,
        action="property.question_answered" if request.answered else "property.question_reopened",
        resource_type="property",
        resource_id=property_id,
        details={"tour_id": tour_id, "question": key},
    )
    store.set_answered(property_id, tour_id, key, mark, audit=audit)
    answered = {**part.answered}
    if mark is None:
        answered.pop(key, None)
    else:
        answered[key] = mark
    [question] = [q for q in _questions([part.model_copy(update={"answered": answered})]) if q.id == question_id]
    return Resource[InterestQuestion](
        id=question_id,
        type="interest_question",
        attributes=question,
        relationships={
            "property": Relationship(id=property_id, type="property"),
            "tour": Relationship(id=tour_id, type="tour"),
        },
    )
