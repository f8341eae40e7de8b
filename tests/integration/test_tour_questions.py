"""Ask the tour: POST|GET .../tours/{id}/questions through the questions function's real handler, on moto,
with OpenAI faked only at HTTP (respx) where the OpenAI path is under test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import httpx
import pytest
import respx

from realty.adapters import openai as openai_adapter
from realty.core import clock
from realty.core.config import reset_settings
from realty.core.dynamo import from_item
from realty.processing import store
from realty.processing.models import TranscriptMetadata
from testkit.api import call
from testkit.processing import OPENAI, add_note, audit_actions, chat_completion, make_pro, seed_tour, set_openai_key

SEGMENTS = [
    {"start_ms": 1_000, "end_ms": 4_000, "text": "Welcome to 12 Maple Street.", "speaker": "realtor",
     "speaker_name": "Rita Realtor"},
    {"start_ms": 5_000, "end_ms": 8_000, "text": "Is the roof new?", "speaker": "buyer", "speaker_name": "Bo Buyer"},
    {"start_ms": 9_000, "end_ms": 12_000, "text": "It was replaced in 2019.", "speaker": "realtor",
     "speaker_name": "Rita Realtor"},
    {"start_ms": 13_000, "end_ms": 17_000, "text": "The garage fits two cars.", "speaker": "realtor"},
    {"start_ms": 18_000, "end_ms": 22_000, "text": "I noticed a damp patch in the basement.", "speaker": "buyer"},
]  # fmt: skip


@pytest.fixture
def people(make_user):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    make_pro(realtor)
    return realtor, buyer


def processed_tour(realtor, buyer, *, segments=SEGMENTS) -> str:
    tour_id = seed_tour(realtor, buyer, status="processed", processing_attempt=1, with_recording=False)
    key = store.transcript_key(tour_id)
    store.put_json(
        key,
        {
            "full_text": " ".join(s["text"] for s in segments),
            "segments": segments,
            "language": "english",
            "model": "whisper-1",
            "duration_ms": 30_000,
        },
    )
    store.put_transcript_metadata(
        TranscriptMetadata(
            tour_id=tour_id,
            s3_key=key,
            duration_ms=30_000,
            segment_count=len(segments),
            word_count=30,
            model="whisper-1",
            attempt=1,
            created_at=clock.now_iso(),
        )
    )
    return tour_id


def ask(side: str, tour_id: str, caller, question: str):
    return call("POST", f"/api/v1/{side}s/tours/{tour_id}/questions", caller=caller, body={"question": question})


def question_items(tour_id: str, user_id: str) -> list[dict]:
    response = boto3.client("dynamodb").query(
        TableName=os.environ["MAIN_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"QUESTIONS#{tour_id}#{user_id}"}},
    )
    return [from_item(i) for i in response["Items"]]


def counter(user_id: str) -> int:
    day = clock.now().date().isoformat()
    item = (
        boto3.client("dynamodb")
        .get_item(TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": f"RATE#{user_id}"}, "SK": {"S": f"ask#{day}"}})
        .get("Item")
    )
    return int(item["n"]["N"]) if item else 0


# ---------------------------------------------------------------- offline answers (no OpenAI key)


def test_an_answer_cites_the_moments_it_comes_from_with_who_said_them(aws, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    result = ask("buyer", tour_id, buyer, "When was the roof replaced?")

    assert result.status == 201, result.body
    assert result.data["type"] == "tour_question"
    attributes = result.data["attributes"]
    assert attributes["discussed"] is True
    assert attributes["question"] == "When was the roof replaced?"
    assert "replaced in 2019" in attributes["answer"]
    assert attributes["model"] == "retrieval-v1"
    moments = attributes["cited_moments"]
    # The reply is the answer; the buyer's question it answers is quoted, not cited.
    assert [m["timestamp_ms"] for m in moments] == [9_000]
    assert moments[0] == {
        "timestamp_ms": 9_000,
        "end_ms": 12_000,
        "quote": "It was replaced in 2019.",
        "speaker": "realtor",
        "speaker_name": "Rita Realtor",
    }
    starts = {s["start_ms"] for s in SEGMENTS}
    assert all(m["timestamp_ms"] in starts for m in moments)
    assert result.data["relationships"]["tour"]["id"] == tour_id
    # Kept, audited with ids and sizes only (the words stay in the question's item).
    assert len(question_items(tour_id, buyer.user_id)) == 1
    assert "tour.question_asked" in audit_actions(tour_id)
    audit = boto3.client("dynamodb").query(
        TableName=os.environ["AUDIT_TABLE"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#tour#{tour_id}"}},
    )["Items"]
    assert "roof" not in json.dumps(audit)


def test_what_the_tour_never_touched_is_not_discussed(aws, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    result = ask("realtor", tour_id, realtor, "Is there a swimming pool?")

    assert result.status == 201, result.body
    attributes = result.data["attributes"]
    assert attributes["discussed"] is False
    assert attributes["answer"] == "Not discussed in this tour."
    assert attributes["cited_moments"] == []


def test_the_other_partys_private_note_is_never_used(aws, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    private = add_note(tour_id, buyer, "The furnace is ancient, budget a replacement", timestamp_ms=15_000)
    boto3.client("dynamodb").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": _note_sk(tour_id, private)}},
        UpdateExpression="SET visibility = :p",
        ExpressionAttributeValues={":p": {"S": "private"}},
    )

    realtors = ask("realtor", tour_id, realtor, "What about the furnace?")
    buyers = ask("buyer", tour_id, buyer, "What about the furnace?")

    assert realtors.status == 201 and realtors.data["attributes"]["discussed"] is False
    assert "furnace" not in realtors.data["attributes"]["answer"].lower()
    # Its author may ask about it.
    assert buyers.data["attributes"]["discussed"] is True
    assert "furnace is ancient" in buyers.data["attributes"]["answer"]


def _note_sk(tour_id: str, note_id: str) -> str:
    items = boto3.client("dynamodb").query(
        TableName=os.environ["MAIN_TABLE"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :n)",
        ExpressionAttributeValues={":pk": {"S": f"TOUR#{tour_id}"}, ":n": {"S": "NOTE#"}},
    )["Items"]
    return next(i["SK"]["S"] for i in items if i["id"]["S"] == note_id)


def test_a_shared_note_grounds_an_answer_for_both(aws, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    add_note(tour_id, realtor, "Seller will leave the washer and dryer", timestamp_ms=None)

    result = ask("buyer", tour_id, buyer, "Does the washer stay?")

    assert result.data["attributes"]["discussed"] is True
    assert "washer and dryer" in result.data["attributes"]["answer"]


# ---------------------------------------------------------------- who may ask, and when


def test_someone_elses_tour_is_not_found(aws, people, make_user):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    stranger = make_user("buyer")

    asked = ask("buyer", tour_id, stranger, "Is the roof new?")
    listed = call("GET", f"/api/v1/buyers/tours/{tour_id}/questions", caller=stranger)
    unknown = ask("buyer", "not-a-tour", buyer, "Is the roof new?")

    assert asked.status == 404 and asked.error_codes == ["NOT_FOUND"]
    assert listed.status == 404
    assert unknown.status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"question": "Is the roof new?", "tour_id": "x"},
        {"question": "no"},
        {"question": "x" * 501},
        {"question": "two\nlines"},
        {},
    ],
)
def test_a_bad_request_body_is_refused(aws, people, body):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    result = call("POST", f"/api/v1/buyers/tours/{tour_id}/questions", caller=buyer, body=body)

    assert result.status == 422, result.body
    assert result.error_codes == ["VALIDATION_ERROR"]
    assert question_items(tour_id, buyer.user_id) == []


def test_a_tour_without_a_transcript_cannot_be_asked_yet(aws, people):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1, with_recording=False)

    result = ask("buyer", tour_id, buyer, "Is the roof new?")

    assert result.status == 409
    assert result.error_codes == ["TRANSCRIPT_NOT_READY"]
    assert counter(buyer.user_id) == 0


def test_asking_needs_the_realtors_pro_plan_whoever_asks(aws, make_user):
    realtor, buyer = make_user("realtor"), make_user("buyer")  # no subscription
    tour_id = processed_tour(realtor, buyer)

    by_buyer = ask("buyer", tour_id, buyer, "Is the roof new?")
    by_realtor = ask("realtor", tour_id, realtor, "Is the roof new?")

    assert by_buyer.status == 402 and by_buyer.error_codes == ["PAYMENT_REQUIRED"]
    assert by_realtor.status == 402
    assert counter(buyer.user_id) == 0
    make_pro(realtor)
    assert ask("buyer", tour_id, buyer, "Is the roof new?").status == 201


@pytest.fixture
def two_a_day(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("ASK_DAILY_LIMIT", "2")
    reset_settings()
    yield
    reset_settings()


def test_the_daily_limit_refuses_until_midnight_utc(aws, people, two_a_day):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    other_tour = processed_tour(realtor, buyer)
    clock.set_clock(lambda: datetime(2027, 3, 2, 23, 0, 0, tzinfo=UTC))
    try:
        first = ask("buyer", tour_id, buyer, "Is the roof new?")
        second = ask("buyer", other_tour, buyer, "Is there a pool?")
        third = ask("buyer", tour_id, buyer, "How big is the garage?")
        realtors = ask("realtor", tour_id, realtor, "How big is the garage?")
        clock.set_clock(lambda: datetime(2027, 3, 3, 0, 0, 5, tzinfo=UTC))
        next_day = ask("buyer", tour_id, buyer, "How big is the garage?")
    finally:
        clock.set_clock(None)

    assert [first.status, second.status] == [201, 201]
    assert third.status == 429
    assert third.error_codes == ["QUESTION_LIMIT_REACHED"]
    assert third.headers["retry-after"] == "3600"
    assert realtors.status == 201  # a limit per user
    assert next_day.status == 201
    assert len(question_items(tour_id, buyer.user_id)) == 2


# ---------------------------------------------------------------- the list


def test_each_participant_lists_their_own_questions_newest_first_by_page(aws, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    moments = iter(datetime(2027, 3, 2, 10, minute, tzinfo=UTC) for minute in range(0, 50))
    clock.set_clock(lambda: next(moments))
    try:
        for question in ("Is the roof new?", "Is there a pool?", "How many cars fit in the garage?"):
            assert ask("buyer", tour_id, buyer, question).status == 201
        ask("realtor", tour_id, realtor, "Anything about the basement?")
    finally:
        clock.set_clock(None)

    first = call("GET", f"/api/v1/buyers/tours/{tour_id}/questions", caller=buyer, query={"limit": "2"})
    cursor = first.body["meta"]["pagination"]["next_cursor"]
    second = call(
        "GET", f"/api/v1/buyers/tours/{tour_id}/questions", caller=buyer, query={"limit": "2", "cursor": cursor}
    )
    realtors = call("GET", f"/api/v1/realtors/tours/{tour_id}/questions", caller=realtor)

    assert first.status == 200, first.body
    asked = [q["attributes"]["question"] for q in first.data + second.data]
    assert asked == ["How many cars fit in the garage?", "Is there a pool?", "Is the roof new?"]
    assert second.body["meta"]["pagination"]["next_cursor"] is None
    assert [q["attributes"]["question"] for q in realtors.data] == ["Anything about the basement?"]
    assert realtors.data[0]["attributes"]["asker_role"] == "realtor"
    assert "user_id" not in realtors.data[0]["attributes"]


# ---------------------------------------------------------------- the OpenAI path


@pytest.fixture
def openai_api(aws) -> Iterator[respx.MockRouter]:
    openai_adapter.reset()
    set_openai_key("sk-test-abc")
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
    openai_adapter.reset()


def test_the_models_citations_are_kept_only_where_the_transcript_has_them(openai_api, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    answer = {
        "discussed": True,
        "answer": "Rita said the roof was replaced in 2019.",
        "citations": [
            {"start_ms": 9_000, "quote": "replaced in 2019"},
            {"start_ms": 9_500, "quote": "made up"},  # no segment starts there: dropped
            {"start_ms": 5_000, "quote": "words nobody said"},  # a real moment, its own words quoted instead
        ],
        "notes": [7],  # no such note: ignored
    }
    route = openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion(answer)))

    result = ask("buyer", tour_id, buyer, "When was the roof replaced?")

    assert result.status == 201, result.body
    attributes = result.data["attributes"]
    assert attributes["discussed"] is True and attributes["model"] == "gpt-4o-mini"
    assert attributes["answer"] == "Rita said the roof was replaced in 2019."
    assert [(m["timestamp_ms"], m["quote"]) for m in attributes["cited_moments"]] == [
        (5_000, "Is the roof new?"),
        (9_000, "replaced in 2019"),
    ]
    sent = json.loads(route.calls.last.request.content)
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    prompt = sent["messages"][1]["content"]
    assert "[9000] Rita Realtor (realtor): It was replaced in 2019." in prompt


def test_a_model_answer_without_a_real_citation_is_not_discussed(openai_api, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    answer = {
        "discussed": True,
        "answer": "It has a pool.",
        "citations": [{"start_ms": 1, "quote": "pool"}],
        "notes": [],
    }
    openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion(answer)))

    result = ask("buyer", tour_id, buyer, "Is there a pool?")

    assert result.data["attributes"]["discussed"] is False
    assert result.data["attributes"]["answer"] == "Not discussed in this tour."


def test_the_other_partys_private_note_is_never_sent_to_the_model(openai_api, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    private = add_note(tour_id, buyer, "My budget tops out at 400k", timestamp_ms=None)
    boto3.client("dynamodb").update_item(
        TableName=os.environ["MAIN_TABLE"],
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": _note_sk(tour_id, private)}},
        UpdateExpression="SET visibility = :p",
        ExpressionAttributeValues={":p": {"S": "private"}},
    )
    add_note(tour_id, realtor, "Offer deadline Friday", timestamp_ms=None)
    answer = {"discussed": False, "answer": "", "citations": [], "notes": []}
    route = openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion(answer)))

    ask("realtor", tour_id, realtor, "What is the buyer's budget?")

    prompt = json.loads(route.calls.last.request.content)["messages"][1]["content"]
    assert "Offer deadline Friday" in prompt
    assert "400k" not in prompt


def test_an_openai_failure_is_retried_once_then_503_with_nothing_stored_or_counted(openai_api, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    route = openai_api.post("/chat/completions").mock(
        return_value=httpx.Response(503, json={"error": {"message": "overloaded", "type": "server_error"}})
    )

    result = ask("buyer", tour_id, buyer, "Is the roof new?")

    assert result.status == 503, result.body
    assert result.error_codes == ["ANSWER_UNAVAILABLE"]
    assert result.headers["retry-after"] == "30"
    assert route.call_count == 2
    assert question_items(tour_id, buyer.user_id) == []
    assert counter(buyer.user_id) == 0
    assert "tour.question_asked" not in audit_actions(tour_id)


def test_a_retried_request_that_succeeds_answers(openai_api, people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    answer = {
        "discussed": True,
        "answer": "Two cars.",
        "citations": [{"start_ms": 13_000, "quote": "two cars"}],
        "notes": [],
    }
    openai_api.post("/chat/completions").mock(
        side_effect=[
            httpx.Response(
                429, json={"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}
            ),
            httpx.Response(200, json=chat_completion(answer)),
        ]
    )

    result = ask("buyer", tour_id, buyer, "How many cars fit in the garage?")

    assert result.status == 201, result.body
    assert [m["timestamp_ms"] for m in result.data["attributes"]["cited_moments"]] == [13_000]
    assert counter(buyer.user_id) == 1
