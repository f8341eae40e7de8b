"""What the API shows of a processed tour: transcript, highlights, summary.

Each read is one DynamoDB Query over the tour's item collection, bounded by sort key so that it
returns the tour item (for the participant check and the status) and the artifact's items and
nothing else; the transcript read adds one S3 GetObject for the full text, returned inline.

While a tour has not been processed, these routes answer 200 with `status` (the tour's status:
scheduled, completed, processing, processing_failed...) and null content, so an app can poll one
URL. During a reprocess the previous results stay readable next to `status: processing`. The
realtor (and admins) also see `processing_error` when processing failed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from realty.core.auth import Caller, Role
from realty.core.envelope import Relationship, Resource
from realty.core.errors import NotFound
from realty.processing import store
from realty.processing.models import (
    HighlightAttributes,
    HighlightsAttributes,
    StoredHighlight,
    StoredSummary,
    SummaryAttributes,
    TourView,
    Transcript,
    TranscriptAttributes,
    TranscriptMetadata,
)
from realty.tours import access
from realty.tours import store as tours_store

logger = Logger(child=True)


def _participant_tour(caller: Caller, items: list[dict[str, Any]]) -> TourView:
    """The tour if the caller may see it from their side (realtor or buyer route), else 404."""
    tour_item = next((item for item in items if item.get("SK") == "TOUR"), None)
    tour = TourView.model_validate(tour_item) if tour_item else None
    if tour is None or not access.visible(caller, realtor_id=tour.realtor_id, buyer_id=tour.buyer_id):
        raise NotFound("no such tour")
    return tour


def _error_for(caller: Caller, tour: TourView) -> str | None:
    return tour.processing_error if caller.role in (Role.ADMIN, Role.REALTOR) else None


def _relationships(tour_id: str) -> dict[str, Relationship | list[Relationship] | None]:
    return {"tour": Relationship(id=tour_id, type="tour")}


def get_transcript(caller: Caller, tour_id: str) -> Resource[TranscriptAttributes]:
    # Sort keys TOUR .. TRANSCRIPT hold exactly the tour and its transcript metadata.
    items = store.tour_items(tour_id, low="TOUR", high="TRANSCRIPT")
    tour = _participant_tour(caller, items)
    attributes = TranscriptAttributes(status=tour.status, processing_error=_error_for(caller, tour))
    found = next((item for item in items if item.get("SK") == "TRANSCRIPT"), None)
    if found is not None:
        metadata = TranscriptMetadata.model_validate(found)
        content = store.get_json_if_exists(metadata.s3_key)
        if content is None:
            logger.warning("transcript metadata without its S3 object", extra={"tour_id": tour_id})
        else:
            transcript = Transcript.model_validate(content)
            attributes = TranscriptAttributes(
                status=tour.status,
                processing_error=_error_for(caller, tour),
                language=metadata.language,
                duration_ms=metadata.duration_ms,
                segment_count=metadata.segment_count,
                model=metadata.model,
                confidence_score=metadata.confidence_score,
                full_text=transcript.full_text,
                segments=transcript.segments,
                created_at=metadata.created_at,
            )
    return Resource[TranscriptAttributes](
        id=tour_id, type="transcript", attributes=attributes, relationships=_relationships(tour_id)
    )


def get_highlights(caller: Caller, tour_id: str) -> Resource[HighlightsAttributes]:
    # HIGHLIGHT# .. TOUR also spans notes, the recording and the summary: filtered out by the Query.
    items = store.tour_items(tour_id, low="HIGHLIGHT#", high="TOUR", only=("HIGHLIGHT#", "TOUR"))
    tour = _participant_tour(caller, items)
    stored = sorted(
        (StoredHighlight.model_validate(item) for item in items if str(item.get("SK", "")).startswith("HIGHLIGHT#")),
        key=lambda h: (h.timestamp_ms, h.id),
    )
    processed_once = bool(stored) or tour.processed_at is not None
    model = next((h.model for h in stored if h.model), None)
    attributes = HighlightsAttributes(
        status=tour.status,
        processing_error=_error_for(caller, tour),
        model=model,
        # A private note's highlight is its author's alone.
        highlights=[
            HighlightAttributes.of(h, image_url=tours_store.still_url(h))
            for h in stored
            if h.visible_to(caller.user_id)
        ]
        if processed_once
        else None,
    )
    return Resource[HighlightsAttributes](
        id=tour_id, type="highlights", attributes=attributes, relationships=_relationships(tour_id)
    )


def get_summary(caller: Caller, tour_id: str) -> Resource[SummaryAttributes]:
    # Sort keys SUMMARY .. TOUR hold exactly the summary and the tour.
    items = store.tour_items(tour_id, low="SUMMARY", high="TOUR")
    tour = _participant_tour(caller, items)
    found = next((item for item in items if item.get("SK") == "SUMMARY"), None)
    if found is None:
        attributes = SummaryAttributes(status=tour.status, processing_error=_error_for(caller, tour))
    else:
        stored = StoredSummary.model_validate(found)
        attributes = SummaryAttributes(
            status=tour.status,
            processing_error=_error_for(caller, tour),
            model=stored.model,
            overview=stored.overview,
            liked=stored.liked,
            concerns=stored.concerns,
            questions_for_seller=stored.questions_for_seller,
            next_steps=stored.next_steps,
            created_at=stored.created_at,
        )
    return Resource[SummaryAttributes](
        id=tour_id, type="summary", attributes=attributes, relationships=_relationships(tour_id)
    )
