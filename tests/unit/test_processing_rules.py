"""The offline rules, transcript windows, merging and the failure reasons shown to realtors."""

from __future__ import annotations

import json
from itertools import pairwise

from realty.processing import highlights, offline
from realty.processing.models import ChunkTranscript, HighlightDraft, NoteView, Segment
from realty.processing.pipeline import failure_reason
from realty.processing.steps import StepError
from realty.processing.transcription import merge
from realty.processing.windows import request_timeout, windows


def _segments(*texts: str, every_ms: int = 5_000) -> list[Segment]:
    return [Segment(start_ms=i * every_ms, end_ms=i * every_ms + 4_000, text=t) for i, t in enumerate(texts)]


def test_rules_find_prices_concerns_questions_next_steps_and_features():
    found = offline.rule_highlights(
        _segments(
            "Welcome to twelve Maple Street.",
            "It has three bedrooms and two bathrooms.",
            "The asking price is $450,000.",
            "There was a small leak in the basement and the seller had it repaired.",
            "Are there HOA fees for this property?",
            "For next steps, I will send you the disclosure documents tomorrow.",
            every_ms=20_000,
        )
    )

    assert [(h.timestamp_ms, h.highlight_type.value) for h in found] == [
        (20_000, "feature"),
        (40_000, "price"),
        (60_000, "concern"),
        (80_000, "question"),
        (100_000, "next_step"),
    ]
    assert found[1].note == "Price discussed: asking price, $450,000"
    assert found[2].note.startswith("Concern raised: leak")
    assert found[3].quote == "Are there HOA fees for this property?"


def test_rules_read_unpunctuated_offline_transcripts_and_spelled_out_prices():
    found = offline.rule_highlights(
        _segments(
            "how many bedrooms does the house have",
            "the asking price is four hundred and fifty thousand dollars",
            every_ms=30_000,
        )
    )

    assert [h.highlight_type.value for h in found] == ["question", "price"]
    assert "four hundred and fifty thousand dollars" in found[1].note


def test_an_unpunctuated_question_after_a_statement_is_still_a_question():
    # pocketsphinx runs "The stairs feel steep. Is there a basement?" together, without a "?".
    assert offline.is_question("the stairs feel steep is there a basement")
    assert offline.is_question("we like it how much are the taxes")
    assert offline.is_question("the garage is big does it have storage")
    # A written sentence keeps its punctuation: a statement there stays a statement.
    assert not offline.is_question("The stairs feel steep, but there is a basement.")
    assert not offline.is_question("we can schedule a second showing")
    assert not offline.is_question("there is a basement")


def test_a_worry_without_a_listed_defect_is_a_concern():
    for said in ("I noticed the floor by the door is uneven", "the closet smells musty", "that bothers me"):
        match = offline.classify(said)
        assert match is not None and match.kind.value == "concern", said


def test_one_moment_gives_one_highlight_of_a_kind():
    found = offline.rule_highlights(_segments("I love the kitchen.", "The kitchen is great.", every_ms=3_000))

    assert len(found) == 1


def test_a_second_defect_named_moments_later_is_a_highlight_of_its_own():
    found = offline.rule_highlights(
        _segments("There is a stain on the carpet.", "And I can see water damage on the ceiling.", every_ms=8_000)
    )

    assert [h.quote for h in found] == ["There is a stain on the carpet.", "And I can see water damage on the ceiling."]


def test_overlapping_windows_quoting_one_line_give_one_highlight_and_two_lines_two():
    def concern(at: int, quote: str) -> HighlightDraft:
        return HighlightDraft(timestamp_ms=at, highlight_type="concern", note="n", quote=quote)

    same_line = [concern(20_000, "I smell mold in the basement"), concern(21_000, "mold in the basement")]
    two_lines = [concern(20_000, "I smell mold in the basement"), concern(27_000, "the window frame is rotten")]

    assert len(highlights.deduplicate(same_line)) == 1
    assert len(highlights.deduplicate(two_lines)) == 2


def test_a_notes_tag_or_else_its_text_decides_its_type():
    def kind(content: str, tag: str | None = None) -> str:
        return offline.note_type(NoteView(id="n", content=content, tag=tag)).value

    assert kind("anything", "Next Step") == "next_step"
    assert kind("water stain on the ceiling") == "concern"
    assert kind("what is the tax rate?") == "question"
    assert kind("nice porch") == "feature"


def test_extractive_summary_files_sentences_under_their_headings():
    summary = offline.rule_summary(
        _segments(
            "I love the kitchen. The living room is bright and spacious.",
            "There was a small leak in the basement.",
            "Are there HOA fees for this property?",
            "I will send you the inspection report tomorrow.",
        ),
        [NoteView(id="n1", content="Roof looks worn", tag="concern")],
        duration_ms=80_000,
    )

    assert summary.overview.startswith("A 1 minute tour. Discussed: kitchen, living room.")
    assert summary.liked == ["I love the kitchen.", "The living room is bright and spacious."]
    assert summary.concerns == ["There was a small leak in the basement.", "Roof looks worn"]
    assert summary.questions_for_seller == ["Are there HOA fees for this property?"]
    assert summary.next_steps == ["I will send you the inspection report tomorrow."]
    assert offline.rule_summary([], [], duration_ms=0).overview == "No speech was detected in the recording."


def test_windows_cover_every_segment_with_overlap_and_never_cut_one():
    segments = _segments(*[f"segment {i} " + "x" * 80 for i in range(40)])
    long_one = Segment(start_ms=999_000, end_ms=1_000_000, text="y" * 5_000)

    parts = windows([*segments, long_one], max_chars=1_000, overlap=2)

    assert all(sum(len(s.text) + 1 for s in part) <= 1_000 or len(part) == 1 for part in parts)
    assert parts[-1] == [long_one]
    covered = [s for part in parts for s in part]
    assert {id(s) for s in covered} == {id(s) for s in [*segments, long_one]}
    for before, after in pairwise(parts[:-1]):
        assert after[0] in before  # consecutive windows overlap
    assert parts[-2][-1] == segments[-1]  # and the oversized segment is not preceded by a redundant window
    assert windows([], max_chars=100, overlap=2) == []


def test_request_timeouts_stay_below_what_the_lambda_has_left():
    assert request_timeout(90, lambda: 600) == 90
    assert request_timeout(90, lambda: 40) == 30
    assert request_timeout(90, lambda: 3) == 5  # a floor; the task times out and the state machine decides


def test_highlights_outside_the_recording_are_dropped_and_notes_clamped():
    drafts = [
        HighlightDraft(timestamp_ms=-5, highlight_type="feature", note="before"),
        HighlightDraft(timestamp_ms=1_000, highlight_type="feature", note="inside"),
        HighlightDraft(timestamp_ms=3_000, highlight_type="feature", note="same moment"),
        HighlightDraft(timestamp_ms=90_001, highlight_type="price", note="after"),
    ]

    kept = highlights.deduplicate(highlights.within_recording(drafts, 90_000))
    notes = highlights.from_notes(
        [
            NoteView(id="a", content="late note", timestamp_ms=95_000),
            NoteView(id="b", content="no time"),
        ],
        90_000,
    )

    assert [d.note for d in kept] == ["inside"]
    assert [(n.timestamp_ms, n.source.value, n.note_id) for n in notes] == [(90_000, "note", "a")]


def test_merging_chunks_orders_them_and_keeps_times_monotonic_and_inside_the_recording():
    late = ChunkTranscript(
        index=1,
        offset_ms=600_000,
        duration_ms=300_000,
        language="english",
        model="whisper-1",
        segments=[Segment(start_ms=600_500, end_ms=905_000, text="second")],
        confidence_score=0.5,
    )
    early = ChunkTranscript(
        index=0,
        offset_ms=0,
        duration_ms=600_000,
        language="english",
        model="whisper-1",
        segments=[Segment(start_ms=1_000, end_ms=2_000, text="first")],
        confidence_score=0.8,
    )

    transcript = merge([late, early], duration_ms=900_000)

    assert transcript.full_text == "first second"
    assert [(s.start_ms, s.end_ms) for s in transcript.segments] == [(1_000, 2_000), (600_500, 900_000)]
    assert transcript.confidence_score == 0.7  # weighted by chunk duration
    assert transcript.model == "whisper-1"
    assert transcript.language == "english"


def test_failure_reasons_are_readable_and_never_a_stack_trace():
    def cause(error_type: str, message: str) -> str:
        return json.dumps({"errorType": error_type, "errorMessage": message, "stackTrace": ["File x, line 1"]})

    quota = StepError(Error="UpstreamPermanent", Cause=cause("UpstreamPermanent", "the OpenAI account is out of quota"))
    crash = StepError(Error="KeyError", Cause=cause("KeyError", "'segments' at /var/task/app.py"))
    lambda_down = StepError(Error="Lambda.ServiceException", Cause="Service: AWSLambda; Status Code: 500")

    assert failure_reason(quota) == "the OpenAI account is out of quota"
    assert failure_reason(crash) == "processing failed unexpectedly (KeyError); reprocess the tour to try again"
    assert "unavailable (Lambda.ServiceException)" in failure_reason(lambda_down)
    assert failure_reason(StepError(Error="States.Timeout")).startswith("a processing step took too long")
    assert "File x" not in failure_reason(quota) + failure_reason(crash)


def test_transient_aws_failures_inside_a_step_are_retried_and_others_are_not():
    from botocore.exceptions import ClientError, EndpointConnectionError

    from realty.adapters.errors import UpstreamRetryable
    from realty.processing.errors import retryable_aws_error

    def client_error(code: str, status: int, **extra: object) -> ClientError:
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra}, "Op")

    cancelled = client_error("TransactionCanceledException", 400, CancellationReasons=[{"Code": "ThrottlingError"}])
    for error in (
        client_error("ThrottlingException", 400),
        client_error("Whatever", 503),
        cancelled,
        EndpointConnectionError(endpoint_url="https://dynamodb"),
    ):
        assert isinstance(retryable_aws_error(error), UpstreamRetryable), error
    for error in (client_error("AccessDeniedException", 400), client_error("ValidationException", 400), KeyError()):
        assert retryable_aws_error(error) is None


def test_a_private_note_becomes_a_highlight_only_its_author_sees():
    notes = [
        NoteView(id="shared", content="Big garden", timestamp_ms=1_000, user_id="bo"),
        NoteView(id="private", content="Too pricey", timestamp_ms=2_000, user_id="bo", visibility="private"),
    ]

    drafts = highlights.from_notes(notes, duration_ms=10_000)

    assert [(d.note_id, d.private_to) for d in drafts] == [("shared", None), ("private", "bo")]
