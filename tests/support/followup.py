"""A tour finished by processing (its summary and highlights stored, then Finalize run), for the follow-up
and listing-interest tests."""

from __future__ import annotations

import os
from typing import Any

import boto3

from realty.core import clock, ids
from realty.processing import pipeline, store
from realty.processing.models import StoredHighlight, StoredSummary
from realty.processing.steps import FinalizeInput
from testkit.processing import seed_tour

SUMMARY = {
    "overview": "A calm tour of a bright family house.",
    "liked": ["The big kitchen island", "Morning light in the living room"],
    "concerns": ["A water stain on the basement wall"],
    "questions_for_seller": ["How old is the roof?"],
    "next_steps": ["Send the disclosure documents"],
}
# (ms, type, note, quote, speaker)
HIGHLIGHTS = [
    (12_000, "feature", "The buyer loves the kitchen island", "I love this kitchen island", "buyer"),
    (30_000, "feature", "The realtor points out the new windows", "These windows are brand new", "realtor"),
    (41_000, "concern", "Water stain on the basement wall", "Is that a water stain?", "buyer"),
    (55_000, "question", "How old is the roof?", "How old is the roof?", None),
]


def set_tour(tour_id: str, **values: Any) -> None:
    names = {f"#k{i}": k for i, k in enumerate(values)}
    boto3.client("dynamodb").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(values))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={
            f":v{i}": ({"N": str(v)} if isinstance(v, int) else {"S": str(v)}) for i, v in enumerate(values.values())
        },
    )


def finish(
    tour_id: str,
    *,
    attempt: int = 1,
    summary: dict[str, Any] | None = None,
    highlights: list[tuple[int, str, str, str, str | None]] | None = None,
    summary_model: str = "rules-v1",
) -> dict[str, Any]:
    """Store this run's summary and highlights, then run Finalize as the state machine would."""
    set_tour(tour_id, status="processing", processing_attempt=attempt)
    stamp = clock.now_iso()
    store.put_summary(
        StoredSummary(**(summary or SUMMARY), tour_id=tour_id, model=summary_model, attempt=attempt, created_at=stamp)
    )
    store.replace_highlights(
        tour_id,
        [
            StoredHighlight(
                id=ids.new_id(),
                tour_id=tour_id,
                timestamp_ms=ms,
                highlight_type=kind,
                note=note,
                quote=quote,
                speaker=speaker,
                attempt=attempt,
                created_at=stamp,
            )
            for ms, kind, note, quote, speaker in (HIGHLIGHTS if highlights is None else highlights)
        ],
    )
    return pipeline.finalize(FinalizeInput(tour_id=tour_id, attempt=attempt)).model_dump(mode="json")


def processed_tour(realtor: Any, buyer: Any, *, property_id: str | None = None, **finish_args: Any) -> str:
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1, with_recording=False)
    if property_id:
        set_tour(tour_id, property_id=property_id)
    assert finish(tour_id, **finish_args)["updated"] is True
    return tour_id
