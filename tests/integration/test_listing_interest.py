"""Interest per listing: what buyers liked, worried about and asked across a listing's tours."""

from __future__ import annotations

import boto3
import pytest

from realty.processing import pipeline
from realty.processing.steps import FailureInput, StepError
from testkit.api import call
from testkit.processing import seed_tour
from tests.support.bookings import new_property
from tests.support.followup import SUMMARY, finish, processed_tour, set_tour


@pytest.fixture
def listing(make_user):
    realtor = make_user("realtor")
    return realtor, new_property(realtor)


def _interest(realtor, property_id):
    found = call("GET", f"/api/v1/realtors/properties/{property_id}/interest", caller=realtor)
    assert found.status == 200, found.body
    return found.data["attributes"]


def _themes(found, kind):
    return [(t["theme"], t["count"], t["tours"]) for t in found[kind]]


def test_the_listing_shows_what_buyers_liked_and_worried_about_most_with_their_moments(listing, make_user):
    realtor, property_id = listing
    first = processed_tour(realtor, make_user("buyer"), property_id=property_id)
    second = processed_tour(
        realtor,
        make_user("buyer"),
        property_id=property_id,
        summary={**SUMMARY, "liked": ["The kitchen"], "concerns": ["Traffic noise from the main road"]},
        highlights=[(8_000, "feature", "Loves the kitchen", "What a kitchen", "buyer")],
    )

    found = _interest(realtor, property_id)

    assert (found["tours"], found["processed_tours"]) == (2, 2)
    # Most frequent first; the realtor's own pitch (the new windows) is not the buyers' interest.
    assert _themes(found, "likes") == [("kitchen", 2, 2), ("light and windows", 1, 1)]
    assert _themes(found, "concerns") == [("damp and leaks", 1, 1), ("noise", 1, 1)]
    kitchen = found["likes"][0]["moments"]
    assert {(m["tour_id"], m["timestamp_ms"]) for m in kitchen} == {(first, 12_000), (second, 8_000)}
    link = next(m["link"] for m in kitchen if m["tour_id"] == first)
    assert link == f"http://localhost:5173/tours/{first}/results?t=12000"
    damp = found["concerns"][0]["moments"][0]
    assert (damp["text"], damp["timestamp_ms"]) == ("Water stain on the basement wall", 41_000)
    # The question said in both tours is one per tour, each with its moment.
    questions = [(q["tour_id"], q["text"], q["timestamp_ms"]) for q in found["open_questions"]]
    assert sorted(questions) == sorted(
        [(first, "How old is the roof?", 55_000), (second, "How old is the roof?", None)]
    )


def test_the_realtor_marks_a_question_answered_and_a_reprocess_keeps_it(listing, make_user):
    realtor, property_id = listing
    tour_id = processed_tour(realtor, make_user("buyer"), property_id=property_id)
    [question] = _interest(realtor, property_id)["open_questions"]
    path = f"/api/v1/realtors/properties/{property_id}/interest/questions/{question['id']}"

    refused = call("PUT", path, caller=realtor, body={"answered": True, "answer": "2019"})
    answered = call("PUT", path, caller=realtor, body={"answered": True})
    assert finish(tour_id, attempt=2)["updated"] is True  # reprocessed: the same question comes back
    found = _interest(realtor, property_id)

    assert refused.status == 422
    assert answered.status == 200, answered.body
    assert answered.data["attributes"]["answered"] is True and answered.data["attributes"]["answered_at"]
    assert found["open_questions"] == [] and [q["id"] for q in found["answered_questions"]] == [question["id"]]
    assert (found["tours"], found["processed_tours"]) == (1, 1)  # replaced, not counted twice
    audit = boto3.client("dynamodb").query(
        TableName=__import__("os").environ["AUDIT_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#property#{property_id}"}},
    )["Items"]
    assert "property.question_answered" in [item["action"]["S"] for item in audit]

    reopened = call("PUT", path, caller=realtor, body={"answered": False})
    assert reopened.status == 200 and [q["id"] for q in _interest(realtor, property_id)["open_questions"]] == [
        question["id"]
    ]


def test_a_tour_whose_processing_failed_counts_but_adds_no_interest(listing, make_user):
    realtor, property_id = listing
    processed_tour(realtor, make_user("buyer"), property_id=property_id)
    failed = seed_tour(realtor, make_user("buyer"), status="processing", processing_attempt=1, with_recording=False)
    set_tour(failed, property_id=property_id)

    pipeline.mark_failed(FailureInput(tour_id=failed, attempt=1, error=StepError(Error="InvalidRecording")))
    found = _interest(realtor, property_id)

    assert (found["tours"], found["processed_tours"]) == (2, 1)
    assert sum(t["count"] for t in found["likes"]) == len(SUMMARY["liked"])


def test_only_the_listings_realtor_sees_its_interest(listing, make_user):
    realtor, property_id = listing
    processed_tour(realtor, make_user("buyer"), property_id=property_id)
    path = f"/api/v1/realtors/properties/{property_id}/interest"

    assert call("GET", path, caller=make_user("realtor")).status == 404
    assert call("GET", "/api/v1/realtors/properties/01NOSUCHPROPERTY0000000000/interest", caller=realtor).status == 404
    assert call("GET", path, caller=make_user("buyer")).status == 403
    unknown = f"{path}/questions/01NOSUCHTOUR.abc"
    assert call("PUT", unknown, caller=realtor, body={"answered": True}).status == 404


def test_a_listing_without_processed_tours_has_empty_interest(listing):
    realtor, property_id = listing

    found = _interest(realtor, property_id)

    assert found == {
        "tours": 0,
        "processed_tours": 0,
        "likes": [],
        "concerns": [],
        "open_questions": [],
        "answered_questions": [],
    }
