"""The OpenAI adapter: the real `openai` SDK over respx, with OpenAI's real response and error shapes."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from realty.adapters import openai as openai_adapter
from realty.adapters.errors import UpstreamPermanent, UpstreamRetryable
from realty.processing.models import LlmHighlights, LlmSummary
from testkit.processing import FIXTURE, OPENAI, chat_completion, openai_error, set_openai_key, whisper_verbose


@pytest.fixture
def openai_api(aws) -> Iterator[respx.MockRouter]:
    openai_adapter.reset()
    set_openai_key("sk-test-abc")
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
    openai_adapter.reset()


def test_the_placeholder_key_means_not_configured(aws):
    openai_adapter.reset()
    # As deployed, the secret holds the template's placeholder until an operator stores a key.
    assert openai_adapter.api_key() is None
    assert openai_adapter.is_configured() is False
    set_openai_key("sk-live-123")
    assert openai_adapter.api_key() == "sk-live-123"
    openai_adapter.reset()


def test_whisper_verbose_json_is_read_into_segments(openai_api):
    route = openai_api.post("/audio/transcriptions").mock(
        return_value=httpx.Response(
            200, json=whisper_verbose([(0.0, 3.2, "Welcome to the tour."), (3.4, 7.9, "Thanks.")])
        )
    )

    result = openai_adapter.transcribe(FIXTURE, timeout=30)

    assert result.language == "english"
    assert result.duration == 7.9
    assert [(s.start, s.end, s.text) for s in result.segments] == [
        (0.0, 3.2, " Welcome to the tour."),
        (3.4, 7.9, " Thanks."),
    ]
    assert result.segments[0].avg_logprob == -0.2
    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer sk-test-abc"
    assert b'filename="sample_tour.mp3"' in sent.content
    assert b'name="timestamp_granularities[]"\r\n\r\nsegment' in sent.content


@pytest.mark.parametrize(
    ("status", "body", "expected", "message"),
    [
        (
            429,
            openai_error(429, "insufficient_quota", "You exceeded your current quota", "insufficient_quota"),
            UpstreamPermanent,
            "out of quota",
        ),
        (429, openai_error(429, "rate_limit_exceeded", "Rate limit reached", "requests"), UpstreamRetryable, "(429)"),
        (500, openai_error(500, None, "The server had an error", "server_error"), UpstreamRetryable, "(500)"),
        (503, openai_error(503, None, "overloaded", "server_error"), UpstreamRetryable, "(503)"),
        (
            401,
            openai_error(401, "invalid_api_key", "Incorrect API key provided", "invalid_request_error"),
            UpstreamPermanent,
            "refused the API key",
        ),
        (
            400,
            openai_error(400, None, "Invalid file format.", "invalid_request_error"),
            UpstreamPermanent,
            "Invalid file format.",
        ),
    ],
)
def test_failures_become_retryable_or_permanent_and_the_sdk_never_retries_itself(
    openai_api, status, body, expected, message
):
    route = openai_api.post("/audio/transcriptions").mock(return_value=httpx.Response(status, json=body))

    with pytest.raises(expected) as raised:
        openai_adapter.transcribe(FIXTURE, timeout=30)

    assert message in str(raised.value)
    assert route.call_count == 1  # max_retries=0: the state machine is the retry layer


def test_a_timeout_is_retryable(openai_api):
    openai_api.post("/audio/transcriptions").mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(UpstreamRetryable, match="did not answer"):
        openai_adapter.transcribe(FIXTURE, timeout=1)


def test_structured_outputs_are_parsed_into_the_pydantic_schema(openai_api):
    answer = {
        "overview": "A bright three-bedroom house.",
        "liked": ["kitchen"],
        "concerns": [],
        "questions_for_seller": ["HOA fees?"],
        "next_steps": [],
    }
    route = openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion(answer)))

    parsed = openai_adapter.parse(system="sys", user="[0] hello", schema=LlmSummary, model="gpt-4o-mini", timeout=30)

    assert isinstance(parsed, LlmSummary)
    assert parsed.questions_for_seller == ["HOA fees?"]
    sent = json.loads(route.calls.last.request.content)
    assert sent["model"] == "gpt-4o-mini"
    assert sent["temperature"] == 0
    assert sent["messages"][0] == {"role": "system", "content": "sys"}
    schema = sent["response_format"]["json_schema"]
    assert schema["name"] == "LlmSummary" and schema["strict"] is True
    assert set(schema["schema"]["required"]) == set(answer)


def test_a_refusal_is_permanent(openai_api):
    refusal = chat_completion({"highlights": []})
    refusal["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=refusal))

    with pytest.raises(UpstreamPermanent, match="declined"):
        openai_adapter.parse(system="s", user="u", schema=LlmHighlights, model="gpt-4o-mini", timeout=30)


def test_without_a_key_nothing_is_sent(aws):
    openai_adapter.reset()
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        route = router.post("/audio/transcriptions")
        with pytest.raises(UpstreamPermanent, match="not configured"):
            openai_adapter.transcribe(Path(FIXTURE), timeout=5)
    assert route.call_count == 0


def test_a_chunk_goes_to_whisper_as_mono_16_khz_mp3_with_its_segments_shifted(openai_api, tmp_path):
    from realty.processing import audio, transcription

    route = openai_api.post("/audio/transcriptions").mock(
        return_value=httpx.Response(200, json=whisper_verbose([(1.0, 4.5, "The kitchen was redone last year.")]))
    )
    [chunk, *_] = audio.prepare(FIXTURE, tmp_path / "work", chunk_seconds=30, search_seconds=30, timeout=60).chunks

    result = transcription.transcribe_chunk(
        chunk.path, index=0, offset_ms=600_000, duration_ms=30_000, time_left=lambda: 60
    )

    uploaded = _uploaded_file(route.calls.last.request, tmp_path / "uploaded")
    assert uploaded.name == "chunk-000.mp3"
    probe = subprocess.run([audio.ffmpeg_exe(), "-hide_banner", "-i", str(uploaded)], capture_output=True, text=True)
    assert "Audio: mp3" in probe.stderr and "16000 Hz, mono" in probe.stderr
    assert [(s.start_ms, s.end_ms, s.text) for s in result.segments] == [
        (601_000, 604_500, "The kitchen was redone last year.")
    ]


def test_a_chunk_already_named_like_its_upload_survives_its_encoding(openai_api, tmp_path):
    from realty.processing import transcription

    route = openai_api.post("/audio/transcriptions").mock(return_value=httpx.Response(200, json=whisper_verbose([])))
    # What an older release's PrepareAudio left for this TranscribeChunk while the stack updated.
    chunk = tmp_path / "chunk-002.mp3"
    chunk.write_bytes(FIXTURE.read_bytes())

    transcription.transcribe_chunk(chunk, index=2, offset_ms=0, duration_ms=79_800, time_left=lambda: 60)

    assert _uploaded_file(route.calls.last.request, tmp_path / "uploaded").name == "chunk-002.mp3"
    assert chunk.read_bytes() == FIXTURE.read_bytes()


def _uploaded_file(request: httpx.Request, folder: Path) -> Path:
    """The audio file part of a transcription request, written out under the name it was sent as."""
    for part in request.content.split(b"\r\n--"):
        head, _, body = part.partition(b"\r\n\r\n")
        found = re.search(rb'name="file"; filename="([^"]+)"', head)
        if found:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / found.group(1).decode()
            target.write_bytes(body)
            return target
    raise AssertionError("no file in the request")
