"""Speaker labels end to end: the committed two-voice sample offline, the diarizing model through the
real SDK over respx, and the Chime meeting's events read from the recordings bucket."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
import respx

from realty.adapters import openai as openai_adapter
from realty.core.config import reset_settings
from realty.processing import offline, speakers, store, timeline, transcription
from realty.processing.models import SpeakerRole
from testkit.processing import FIXTURE, OPENAI, diarized_json, seed_tour, set_openai_key, whisper_verbose
from tools.eval import speaker_accuracy

TURNS = json.loads((Path(FIXTURE).parent / "sample_tour.turns.json").read_text())


@pytest.mark.slow
def test_the_offline_labelling_gives_most_words_of_the_sample_tour_their_speaker():
    chunk = offline.transcribe(FIXTURE, index=0, offset_ms=0, duration_ms=80_000, timeout=120)

    transcript = transcription.merge(
        [chunk],
        duration_ms=80_000,
        participants=speakers.Participants(realtor_name=TURNS["realtor"], buyer_name=TURNS["buyer"]),
    )

    scored = speaker_accuracy(transcript.segments, TURNS["turns"])
    assert scored["accuracy"] >= 0.9, scored
    first = transcript.segments[0]
    assert (first.speaker, first.speaker_name, first.speaker_method) == (SpeakerRole.REALTOR, "Riley", "voice")


@pytest.fixture
def diarizing(aws, monkeypatch) -> Iterator[respx.MockRouter]:
    monkeypatch.setenv("TRANSCRIPTION_MODEL", "gpt-4o-transcribe-diarize")
    reset_settings()
    openai_adapter.reset()
    set_openai_key("sk-test-abc")
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
    openai_adapter.reset()
    reset_settings()


def test_the_diarizing_model_gets_reference_clips_where_the_meeting_shows_each_speaking(diarizing, tmp_path):
    route = diarizing.post("/audio/transcriptions").mock(
        return_value=httpx.Response(
            200,
            json=diarized_json(
                [(0.0, 4.8, "Welcome to twelve Maple Street.", "realtor"), (5.9, 11.1, "How many bedrooms?", "buyer")]
            ),
        )
    )
    chunk = tmp_path / "chunk-000.mp3"
    chunk.write_bytes(FIXTURE.read_bytes())
    # The chunk starts 60 s into the tour: the timeline is in recording time.
    spans = [
        speakers.SpeakingSpan(start_ms=60_000, end_ms=64_800, role=SpeakerRole.REALTOR),
        speakers.SpeakingSpan(start_ms=65_900, end_ms=71_100, role=SpeakerRole.BUYER),
    ]

    result = transcription.transcribe_chunk(
        chunk, index=1, offset_ms=60_000, duration_ms=80_000, time_left=lambda: 300.0, timeline=spans
    )
    merged = transcription.merge([result], duration_ms=140_000)

    sent = route.calls.last.request.content
    assert b'name="model"\r\n\r\ngpt-4o-transcribe-diarize' in sent
    assert b'name="response_format"\r\n\r\ndiarized_json' in sent
    assert b'name="chunking_strategy"\r\n\r\nauto' in sent
    assert sent.count(b'name="known_speaker_names[]"') == 2
    assert b"\r\n\r\nbuyer\r\n" in sent and b"\r\n\r\nrealtor\r\n" in sent
    assert sent.count(b"data:audio/mpeg;base64,") == 2
    assert [(s.start_ms, s.speaker, s.speaker_method) for s in merged.segments] == [
        (60_000, SpeakerRole.REALTOR, "diarization"),
        (65_900, SpeakerRole.BUYER, "diarization"),
    ]
    assert merged.model == "gpt-4o-transcribe-diarize"


@pytest.fixture
def whisper(aws) -> Iterator[respx.MockRouter]:
    openai_adapter.reset()
    set_openai_key("sk-test-abc")
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
    openai_adapter.reset()


def test_whisper_segments_are_told_apart_by_voice_too(whisper, tmp_path):
    """whisper-1 names no speaker: the chunk's own audio gives each segment its pitch, and the two voices
    of the sample take their roles by what each says."""
    whisper.post("/audio/transcriptions").mock(
        return_value=httpx.Response(
            200, json=whisper_verbose([(t["start_ms"] / 1000, t["end_ms"] / 1000, t["text"]) for t in TURNS["turns"]])
        )
    )
    chunk = tmp_path / "chunk-000.mp3"
    chunk.write_bytes(FIXTURE.read_bytes())

    result = transcription.transcribe_chunk(chunk, index=0, offset_ms=0, duration_ms=80_000, time_left=lambda: 300.0)
    merged = transcription.merge([result], duration_ms=80_000)

    assert len(result.pitch_hz) == len(TURNS["turns"]) and all(result.pitch_hz)
    assert speaker_accuracy(merged.segments, TURNS["turns"])["accuracy"] == 1.0
    assert {s.speaker_method for s in merged.segments} == {"voice"}


def test_without_a_timeline_the_diarizers_letters_are_mapped_by_what_is_said(diarizing, tmp_path):
    diarizing.post("/audio/transcriptions").mock(
        return_value=httpx.Response(
            200,
            json=diarized_json(
                [
                    (0.0, 3.0, "Welcome, let me show you the kitchen.", "A"),
                    (3.5, 6.0, "Do you know how old the roof is?", "B"),
                    (6.5, 8.0, "Sure.", "A"),
                ]
            ),
        )
    )
    chunk = tmp_path / "chunk-000.mp3"
    chunk.write_bytes(FIXTURE.read_bytes())

    result = transcription.transcribe_chunk(chunk, index=0, offset_ms=0, duration_ms=80_000, time_left=lambda: 300.0)

    sent = diarizing.calls.last.request.content
    assert b"known_speaker_names" not in sent
    assert result.speaker_labels == ["A", "B", "A"]
    merged = transcription.merge([result], duration_ms=80_000)
    assert [s.speaker for s in merged.segments] == ["realtor", "buyer", "realtor"]


def test_the_meeting_events_of_the_concatenation_map_to_the_tours_people(aws, make_user):
    realtor, buyer = make_user("realtor"), make_user("buyer")
    tour_id = seed_tour(realtor, buyer)
    boto3.client("dynamodb").put_item(
        TableName=os.environ["MAIN_TABLE"],
        Item={
            "PK": {"S": f"TOUR#{tour_id}"},
            "SK": {"S": "CALL"},
            "realtor_attendee_id": {"S": "att-realtor"},
            "buyer_attendee_id": {"S": "att-buyer"},
        },
    )

    def event(second: int, kind: str, **parameters: str) -> dict:
        return {"Timestamp": f"2027-03-01T10:00:0{second}.000Z", "EventType": kind, "EventParameters": parameters}

    events = [
        event(0, "CaptureStarted"),
        event(1, "ActiveSpeaker", AttendeeId="att-realtor"),
        event(6, "ActiveSpeaker", AttendeeId="att-buyer"),
        event(9, "CaptureEnded"),
    ]
    boto3.client("s3").put_object(
        Bucket=os.environ["RECORDINGS_BUCKET"],
        Key=f"recordings/{tour_id}/concatenated/meeting-events/pipeline.txt",
        Body="\n".join(json.dumps(e) for e in events).encode(),
    )

    tour = store.get_tour(tour_id)
    assert tour is not None
    spans = timeline.of_meeting(tour)
    timeline.save(tour_id, 1, spans)

    assert (
        timeline.saved(tour_id, 1)
        == spans
        == [
            speakers.SpeakingSpan(start_ms=1_000, end_ms=6_000, role=SpeakerRole.REALTOR),
            speakers.SpeakingSpan(start_ms=6_000, end_ms=9_000, role=SpeakerRole.BUYER),
        ]
    )
    assert timeline.saved(tour_id, 2) == []  # an attempt of an older release: no timeline, no failure
