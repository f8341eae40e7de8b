"""The state machine with OpenAI configured: the real SDK over respx, retries, permanent failures, fallback."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from realty.processing.service import start_processing
from testkit.processing import (
    audit_actions,
    chat_completion,
    openai_error,
    seed_tour,
    tour_collection,
    tour_item,
    whisper_verbose,
)
from testkit.stepfunctions import execution_history, wait_for_execution

pytestmark = pytest.mark.slow

HIGHLIGHTS = {
    "highlights": [
        {
            "timestamp_ms": 5_000,
            "highlight_type": "price",
            "note": "Asking price is $450,000",
            "quote": "The asking price is four hundred and fifty thousand dollars.",
        },
        {
            "timestamp_ms": 36_000,
            "highlight_type": "concern",
            "note": "Past basement leak, repaired",
            "quote": "There was a small leak in the basement.",
        },
        {"timestamp_ms": 9_999_999, "highlight_type": "feature", "note": "Invented", "quote": "never said"},
    ]
}
SUMMARY = {
    "overview": "A three-bedroom house at 12 Maple Street; the buyer liked the kitchen.",
    "liked": ["Renovated kitchen", "Natural light"],
    "concerns": ["Basement leak last spring"],
    "questions_for_seller": ["What are the HOA fees?"],
    "next_steps": ["Realtor sends disclosures", "Buyer decides on an offer by Friday"],
}


def _chunk_number(request: httpx.Request) -> int:
    found = re.search(rb'filename="chunk-(\d{3})\.mp3"', request.content)
    assert found, "the chunk is uploaded as a multipart file"
    return int(found.group(1))


def _whisper(request: httpx.Request) -> httpx.Response:
    n = _chunk_number(request)
    return httpx.Response(200, json=whisper_verbose([(1.0, 4.0, f"chunk {n} first"), (5.0, 9.5, f"chunk {n} second")]))


# The realtor's draft follow-up, which the summary step asks for after the summary.
FOLLOW_UP = {"subject": "Thanks for touring 12 Maple Street", "body": "Hi Bo,\n\nThanks for your time.\n\nRita"}


def _chat(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    schema = body["response_format"]["json_schema"]["name"]
    answers = {"LlmHighlights": HIGHLIGHTS, "LlmFollowUp": FOLLOW_UP}
    return httpx.Response(200, json=chat_completion(answers.get(schema, SUMMARY)))


def _use_chunks_of(seconds: int, monkeypatch) -> None:
    from realty.core.config import reset_settings

    monkeypatch.setenv("AUDIO_CHUNK_SECONDS", str(seconds))
    reset_settings()


def test_a_rate_limited_chunk_is_retried_and_whisper_segments_are_merged_in_order(
    processing_aws, people, openai_api, outbox, monkeypatch
):
    _use_chunks_of(30, monkeypatch)
    calls = {"n": 0}

    def whisper_once_limited(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            error = openai_error(429, "rate_limit_exceeded", "Rate limit reached for whisper-1", "requests")
            return httpx.Response(429, json=error)
        return _whisper(request)

    transcriptions = openai_api.post("/audio/transcriptions").mock(side_effect=whisper_once_limited)
    chats = openai_api.post("/chat/completions").mock(side_effect=_chat)
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "SUCCEEDED", execution
    assert transcriptions.call_count == 4  # three chunks, one of them twice
    assert tour_item(tour_id)["status"] == "processed"
    request = transcriptions.calls.last.request
    assert request.headers["authorization"] == "Bearer sk-test-0123456789"
    assert b'name="model"\r\n\r\nwhisper-1' in request.content
    assert b'name="response_format"\r\n\r\nverbose_json' in request.content
    assert b"segment" in request.content
    chat_body = json.loads(chats.calls.last.request.content)
    assert chat_body["model"] == "gpt-4o-mini"
    assert chat_body["response_format"]["type"] == "json_schema"
    assert chat_body["response_format"]["json_schema"]["strict"] is True

    items = {item["SK"]: item for item in tour_collection(tour_id)}
    assert items["TRANSCRIPT"]["model"] == "whisper-1"
    assert items["TRANSCRIPT"]["language"] == "english"
    assert items["TRANSCRIPT"]["confidence_score"] == pytest.approx(0.8187, abs=1e-3)  # exp(-0.2)
    import boto3

    body = boto3.client("s3").get_object(Bucket=_bucket(), Key=items["TRANSCRIPT"]["s3_key"])["Body"].read()
    segments = json.loads(body)["segments"]
    assert [s["text"] for s in segments] == [f"chunk {n} {part}" for n in range(3) for part in ("first", "second")]
    starts = [s["start_ms"] for s in segments]
    assert starts == sorted(starts)
    offsets = sorted({s["start_ms"] - 1000 for s in segments[::2]})
    assert offsets[0] == 0 and 20_000 < offsets[1] < 40_000 and 50_000 < offsets[2] < 70_000

    highlights = sorted(
        (h["timestamp_ms"], h["highlight_type"], h["model"]) for sk, h in items.items() if sk.startswith("HIGHLIGHT#")
    )
    # The highlight at 9,999,999 ms is past the end of the recording: dropped.
    assert highlights == [(5_000, "price", "gpt-4o-mini"), (36_000, "concern", "gpt-4o-mini")]
    assert items["SUMMARY"]["model"] == "gpt-4o-mini"
    assert items["SUMMARY"]["questions_for_seller"] == ["What are the HOA fees?"]
    assert "Renovated kitchen" in outbox.to(buyer.email)[0].text
    # The model drafted the follow-up from its summary.
    assert (items["FOLLOWUP"]["subject"], items["FOLLOWUP"]["model"]) == (FOLLOW_UP["subject"], "gpt-4o-mini")


def _bucket() -> str:
    import os

    return os.environ["RECORDINGS_BUCKET"]


def test_whisper_failing_with_500s_fails_the_tour_with_a_reason_after_the_retries(
    processing_aws, people, openai_api, outbox
):
    server_error = openai_error(500, None, "The server had an error while processing your request.", "server_error")
    transcriptions = openai_api.post("/audio/transcriptions").mock(return_value=httpx.Response(500, json=server_error))
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "UpstreamRetryable"
    assert transcriptions.call_count == 3  # the first try and FAST_RETRIES' two retries
    tour = tour_item(tour_id)
    assert tour["status"] == "processing_failed"
    assert tour["processing_error"] == "OpenAI failed the transcription request (500)"
    assert "Traceback" not in tour["processing_error"]
    assert not [sk for sk in (i["SK"] for i in tour_collection(tour_id)) if sk in {"TRANSCRIPT", "SUMMARY"}]
    [failed] = outbox.to(realtor.email)
    assert failed.subject == "Tour processing failed: 12 Maple Street"
    assert "OpenAI failed the transcription request (500)" in failed.text
    assert outbox.to(buyer.email) == []
    assert audit_actions(tour_id).count("tour.processing_failed") == 1


def test_an_exhausted_openai_quota_fails_at_once_without_retrying(processing_aws, people, openai_api, outbox):
    quota = openai_error(
        429,
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota",
    )
    transcriptions = openai_api.post("/audio/transcriptions").mock(return_value=httpx.Response(429, json=quota))
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "UpstreamPermanent"
    assert transcriptions.call_count == 1
    scheduled = [e for e in execution_history(started.execution_arn) if e["type"] == "LambdaFunctionScheduled"]
    transcribe_tasks = [
        e for e in scheduled if "transcribechunk" in e["lambdaFunctionScheduledEventDetails"]["resource"]
    ]
    assert len(transcribe_tasks) == 1
    tour = tour_item(tour_id)
    assert tour["status"] == "processing_failed"
    assert "out of quota (insufficient_quota)" in tour["processing_error"]
    assert processing_aws["invoked"].count("ProcessingMarkFailedFunction") == 1


def test_when_the_llm_keeps_failing_the_rules_take_over_and_the_tour_is_processed(
    processing_aws, people, openai_api, outbox
):
    openai_api.post("/audio/transcriptions").mock(
        return_value=httpx.Response(
            200,
            # Where the sample recording's realtor and buyer say these (its voices label the lines).
            json=whisper_verbose(
                [
                    (23.6, 27.6, "The asking price is $450,000."),
                    (33.0, 39.7, "There was a small leak in the basement last spring."),
                    (52.1, 54.7, "Are there HOA fees for this property?"),
                ]
            ),
        )
    )
    overloaded = openai_error(503, None, "The engine is currently overloaded", "server_error")
    chats = openai_api.post("/chat/completions").mock(return_value=httpx.Response(503, json=overloaded))
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)

    started = start_processing(tour_id)
    execution = wait_for_execution(started.execution_arn)

    assert execution["status"] == "SUCCEEDED", execution
    assert chats.call_count == 6  # highlights and summary: three tries each, then the rules
    assert tour_item(tour_id)["status"] == "processed"
    items = {item["SK"]: item for item in tour_collection(tour_id)}
    assert items["TRANSCRIPT"]["model"] == "whisper-1"
    assert items["SUMMARY"]["model"] == "rules-v1"
    kinds = sorted(h["highlight_type"] for sk, h in items.items() if sk.startswith("HIGHLIGHT#"))
    assert kinds == ["concern", "price", "question"]
    assert {h["model"] for sk, h in items.items() if sk.startswith("HIGHLIGHT#")} == {"rules-v1"}
    # The buyer's question, attributed (the rules summary keeps only what the buyer asked).
    assert items["SUMMARY"]["questions_for_seller"] == ["Bo Buyer (buyer): Are there HOA fees for this property?"]


def test_reprocessing_replaces_the_earlier_ai_highlights_and_counts_the_attempt(
    processing_aws, people, openai_api, outbox
):
    from realty.processing.service import reprocess
    from testkit.processing import make_pro

    runs = {"n": 0}

    def chat(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["response_format"]["json_schema"]["name"] == "LlmSummary":
            return httpx.Response(200, json=chat_completion(SUMMARY))
        if body["response_format"]["json_schema"]["name"] == "LlmFollowUp":
            return httpx.Response(200, json=chat_completion(FOLLOW_UP))
        runs["n"] += 1
        note = f"run {runs['n']}"
        return httpx.Response(
            200,
            json=chat_completion(
                {"highlights": [{"timestamp_ms": 2_000, "highlight_type": "feature", "note": note, "quote": "q"}]}
            ),
        )

    openai_api.post("/audio/transcriptions").mock(side_effect=_whisper)
    openai_api.post("/chat/completions").mock(side_effect=chat)
    realtor, buyer = people
    make_pro(realtor)
    tour_id = seed_tour(realtor, buyer)
    first = start_processing(tour_id)
    assert wait_for_execution(first.execution_arn)["status"] == "SUCCEEDED"

    again = reprocess(realtor, tour_id)

    assert again.attributes.processing_attempt == 2
    assert again.attributes.status.value == "processing"
    second = f"{first.execution_arn.rsplit('-', 1)[0]}-2"
    assert wait_for_execution(second)["status"] == "SUCCEEDED"
    tour = tour_item(tour_id)
    assert tour["status"] == "processed" and tour["processing_attempt"] == 2
    notes = [h["note"] for h in tour_collection(tour_id) if h["SK"].startswith("HIGHLIGHT#")]
    assert notes == ["run 2"]
    assert audit_actions(tour_id).count("tour.processed") == 2
