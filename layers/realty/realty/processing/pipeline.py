"""The steps of `statemachines/tour_processing.asl.json`, one function per Task.

Each step takes the (validated) Task input and returns a small JSON-able result: S3 keys and
counts, never content. A step that finds its run is no longer the tour's current attempt raises
`StaleAttempt`; `MarkFailed` then leaves the tour alone.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

from realty.adapters import openai as openai_adapter
from realty.adapters.errors import UpstreamPermanent, UpstreamRetryable
from realty.core import clock, ids
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.config import get_settings
from realty.core.metrics import count
from realty.processing import (
    audio,
    highlights,
    notifications,
    speakers,
    stills,
    store,
    summary,
    timeline,
    transcription,
)
from realty.processing.errors import (
    InvalidRecording,
    ProcessingError,
    RecordingNotFound,
    StaleAttempt,
)
from realty.processing.followup import drafts
from realty.processing.followup import interest as followup_interest
from realty.processing.models import (
    RULES_MODEL,
    ChunkTranscript,
    StoredHighlight,
    StoredSummary,
    TourView,
    Transcript,
    TranscriptMetadata,
)
from realty.processing.steps import (
    AnalysisInput,
    AudioPlan,
    ChunkRef,
    ChunkTranscriptRef,
    DownloadInput,
    ExecutionStatusChange,
    FailureInput,
    FinalizeInput,
    HighlightsResult,
    MergeInput,
    Outcome,
    PrepareInput,
    RecordingRef,
    StepError,
    StepInput,
    SummaryResult,
    TranscribeInput,
    TranscriptRef,
)
from realty.processing.windows import DEADLINE_MARGIN_SECONDS, TimeLeft
from realty.tours.models import NoteVisibility
from realty.tours.states import TourStatus

logger = Logger(child=True)

REASON_CHARS = 500
# The error names our steps raise on purpose: their message is written for the realtor.
_OWN_ERRORS = {
    cls.__name__
    for cls in (
        ProcessingError,
        UpstreamRetryable,
        UpstreamPermanent,
        RecordingNotFound,
        InvalidRecording,
        StaleAttempt,
    )
}


def _current_tour(event: StepInput) -> TourView:
    tour = store.get_tour(event.tour_id)
    if tour is None:
        raise StaleAttempt("the tour no longer exists")
    if tour.status is not TourStatus.PROCESSING or tour.processing_attempt != event.attempt:
        raise StaleAttempt(
            f"attempt {event.attempt} is no longer current (tour is {tour.status.value}, "
            f"attempt {tour.processing_attempt})"
        )
    return tour


def _scratch() -> tempfile.TemporaryDirectory[str]:
    # /tmp survives between invocations of a warm container: every step cleans up after itself.
    return tempfile.TemporaryDirectory(prefix="processing-")


# ---------------------------------------------------------------- DownloadRecording


def download_recording(event: DownloadInput) -> RecordingRef:
    """Find the tour's recording and pin the exact object version this attempt processes."""
    _current_tour(event)
    bucket = get_settings().recordings_bucket
    object_key = event.recording_key
    if object_key is None:
        item = store.get_recording_item(event.tour_id)
        if item is None or item.get("status") not in (None, "available") or not item.get("s3_key"):
            raise RecordingNotFound("the tour has no recording to process")
        bucket = str(item.get("bucket") or bucket)
        object_key = str(item["s3_key"])
    recording = store.head_recording(bucket, object_key)
    if recording is None:
        raise RecordingNotFound("the recording file is missing from storage")
    if recording.size_bytes == 0:
        raise InvalidRecording("the recording file is empty")
    limit = get_settings().max_recording_bytes
    if recording.size_bytes > limit:
        raise InvalidRecording(f"the recording is larger than {limit // (1024 * 1024)} MB")
    return recording


# ---------------------------------------------------------------- PrepareAudio


def prepare_audio(event: PrepareInput, time_left: TimeLeft) -> AudioPlan:
    """Recording -> chunks cut in silences, in S3 (`work/<tour_id>/<attempt>/chunk-NNN.mka`), and the
    meeting's speaking timeline beside them (`timeline.json`) for the transcription and the merge."""
    tour = _current_tour(event)
    settings = get_settings()
    spans = timeline.of_meeting(tour)
    timeline.save(event.tour_id, event.attempt, spans)
    with _scratch() as scratch:
        work = Path(scratch)
        suffix = Path(event.recording.key).suffix[:10] or ".bin"
        source = work / f"recording{suffix}"
        store.download_recording(event.recording, source)
        prepared = audio.prepare(
            source,
            work,
            chunk_seconds=settings.audio_chunk_seconds,
            search_seconds=settings.audio_cut_search_seconds,
            timeout=max(time_left() - DEADLINE_MARGIN_SECONDS, 1.0),
        )
        chunks = []
        for chunk in prepared.chunks:
            object_key = store.chunk_key(event.tour_id, event.attempt, chunk.index, audio.CHUNK_FORMAT)
            store.upload(chunk.path, object_key, content_type=audio.CHUNK_CONTENT_TYPE)
            chunks.append(
                ChunkRef(
                    index=chunk.index,
                    key=object_key,
                    offset_ms=chunk.offset_ms,
                    duration_ms=chunk.duration_ms,
                    size_bytes=chunk.size_bytes,
                )
            )
    logger.info("audio prepared", extra={"duration_ms": prepared.duration_ms, "chunks": len(chunks)})
    return AudioPlan(duration_ms=prepared.duration_ms, format=audio.CHUNK_FORMAT, chunks=chunks)


# ---------------------------------------------------------------- TranscribeChunk (one Map iteration)


def transcribe_chunk(event: TranscribeInput, time_left: TimeLeft) -> ChunkTranscriptRef:
    """One chunk -> its transcript JSON next to it (`work/<tour_id>/<attempt>/chunk-NNN.json`)."""
    chunk = event.chunk
    with _scratch() as scratch:
        path = Path(scratch) / Path(chunk.key).name
        store.download(chunk.key, path)
        result = transcription.transcribe_chunk(
            path,
            index=chunk.index,
            offset_ms=chunk.offset_ms,
            duration_ms=chunk.duration_ms,
            time_left=time_left,
            timeline=timeline.saved(event.tour_id, event.attempt)
            if transcription.is_diarizing(get_settings().transcription_model) and openai_adapter.is_configured()
            else None,
        )
    object_key = store.chunk_key(event.tour_id, event.attempt, chunk.index, "json")
    store.put_json(object_key, result.model_dump(mode="json"))
    return ChunkTranscriptRef(index=chunk.index, key=object_key, segment_count=len(result.segments), model=result.model)


# ---------------------------------------------------------------- MergeTranscript


def merge_transcript(event: MergeInput) -> TranscriptRef:
    """Chunk transcripts -> `transcripts/<tour_id>/transcript.json` + the TRANSCRIPT item."""
    tour = _current_tour(event)
    chunks = [ChunkTranscript.model_validate(store.get_json(ref.key)) for ref in event.chunk_transcripts]
    transcript = transcription.merge(
        chunks,
        duration_ms=event.audio.duration_ms,
        participants=speakers.Participants(realtor_name=tour.realtor_name, buyer_name=tour.buyer_name),
        timeline=timeline.saved(event.tour_id, event.attempt),
    )
    object_key = store.transcript_key(event.tour_id)
    store.put_json(object_key, transcript.model_dump(mode="json"))
    store.put_transcript_metadata(
        TranscriptMetadata(
            tour_id=event.tour_id,
            s3_key=object_key,
            language=transcript.language,
            duration_ms=transcript.duration_ms,
            segment_count=len(transcript.segments),
            word_count=len(transcript.full_text.split()),
            model=transcript.model,
            confidence_score=transcript.confidence_score,
            attempt=event.attempt,
            created_at=clock.now_iso(),
        )
    )
    return TranscriptRef(
        key=object_key,
        duration_ms=transcript.duration_ms,
        segment_count=len(transcript.segments),
        language=transcript.language,
        model=transcript.model,
    )


# ---------------------------------------------------------------- DetectHighlights / GenerateSummary


def _use_llm(event: AnalysisInput) -> bool:
    if event.provider == "rules":
        count("ProcessingRulesFallback")
        return False
    return openai_adapter.is_configured()


def detect_highlights(event: AnalysisInput, time_left: TimeLeft) -> HighlightsResult:
    """Highlights (LLM or rules, plus the participants' notes) replace the tour's earlier ones."""
    tour = _current_tour(event)
    transcript = Transcript.model_validate(store.get_json(event.transcript.key))
    notes = store.list_notes(event.tour_id)
    drafts, model = highlights.detect(
        transcript.segments,
        notes,
        duration_ms=transcript.duration_ms,
        use_llm=_use_llm(event),
        time_left=time_left,
        participants=speakers.Participants(realtor_name=tour.realtor_name, buyer_name=tour.buyer_name),
    )
    stamp = clock.now_iso()
    stored = [
        StoredHighlight(
            **draft.model_dump(),
            id=ids.new_id(),
            tour_id=event.tour_id,
            model=model if draft.source.value == "ai" else None,
            attempt=event.attempt,
            created_at=stamp,
        )
        for draft in drafts
    ]
    stored = _with_stills(event, stored, time_left)
    removed = store.replace_highlights(event.tour_id, stored)
    logger.info("highlights stored", extra={"count": len(stored), "replaced": removed, "model": model})
    return HighlightsResult(count=len(stored), model=model)


def _with_stills(event: AnalysisInput, found: list[StoredHighlight], time_left: TimeLeft) -> list[StoredHighlight]:
    """Each highlight with a still of the tour's video at its moment (`image_key`), when the recording
    has a video. Taken here, where the highlights are made, so the rules fallback gets them too."""
    item = store.get_recording_item(event.tour_id)
    video_key = str(item.get("video_key") or "") if item else ""
    if not found or not video_key or item is None:
        return found
    bucket = str(item.get("bucket") or get_settings().recordings_bucket)
    # Stills are a picture beside the highlights, never a reason to lose them: any failure here (the
    # video unreadable, S3 refusing) leaves the highlights without stills and the tour goes on.
    try:
        return _taken_stills(event, found, RecordingRef(bucket=bucket, key=video_key, size_bytes=0), time_left)
    except Exception:
        logger.exception("stills not taken", extra={"tour_id": event.tour_id})
        count("HighlightStillsFailed")
        return found


def _taken_stills(
    event: AnalysisInput, found: list[StoredHighlight], video_ref: RecordingRef, time_left: TimeLeft
) -> list[StoredHighlight]:
    taken: list[StoredHighlight] = []
    with _scratch() as scratch:
        work = Path(scratch)
        video = work / "video.mp4"
        store.download_recording(video_ref, video)
        for highlight in found:
            left = time_left() - DEADLINE_MARGIN_SECONDS
            still = None
            if left > 1:
                out = work / f"{highlight.id}.jpg"
                still = stills.take_still(
                    video, highlight.timestamp_ms, out, timeout=min(stills.STILL_TIMEOUT_SECONDS, left)
                )
            if still is None:
                taken.append(highlight)
                continue
            object_key = store.still_key(event.tour_id, event.attempt, highlight.id)
            store.upload(still, object_key, content_type=stills.STILL_CONTENT_TYPE)
            taken.append(highlight.model_copy(update={"image_key": object_key}))
    count("HighlightStills", sum(1 for h in taken if h.image_key))
    return taken


def generate_summary(event: AnalysisInput, time_left: TimeLeft) -> SummaryResult:
    tour = _current_tour(event)
    transcript = Transcript.model_validate(store.get_json(event.transcript.key))
    # Both participants read the summary: a private note never feeds it.
    notes = [n for n in store.list_notes(event.tour_id) if n.visibility is NoteVisibility.SHARED]
    content, model = summary.summarize(
        transcript.segments,
        notes,
        duration_ms=transcript.duration_ms,
        use_llm=_use_llm(event),
        time_left=time_left,
    )
    store.put_summary(
        StoredSummary(
            **content.model_dump(),
            tour_id=event.tour_id,
            model=model,
            attempt=event.attempt,
            created_at=clock.now_iso(),
        )
    )
    # The draft follow-up is written from the summary here, where OpenAI is called (capped, retried,
    # with the step's time), rather than at Finalize, whose failure would fail a processed tour.
    # The rules fallback gets the template's draft.
    drafts.write_draft(tour, content, attempt=event.attempt, use_llm=model != RULES_MODEL, time_left=time_left)
    return SummaryResult(model=model)


# ---------------------------------------------------------------- Finalize / MarkFailed


def finalize(event: FinalizeInput) -> Outcome:
    """`processing -> processed`, then tell the participants.

    Before the tour moves, the listing's interest is written from this run's summary and highlights,
    and the follow-up draft too if the summary step left none for this run (both idempotent), so a
    retried Finalize writes them again rather than losing them; a draft the realtor edited or sent is
    left alone. No model is called here: the summary step drafted the follow-up.
    """
    tour = store.get_tour(event.tour_id)
    # FOLLOWUP .. TOUR spans notes and the recording too: the filter keeps the draft, highlights and summary.
    items = store.tour_items(event.tour_id, low="FOLLOWUP", high="TOUR", only=("FOLLOWUP", "HIGHLIGHT#", "SUMMARY"))
    content = next((StoredSummary.model_validate(i) for i in items if i.get("SK") == "SUMMARY"), None)
    found = [StoredHighlight.model_validate(i) for i in items if str(i.get("SK", "")).startswith("HIGHLIGHT#")]
    draft = next((i for i in items if i.get("SK") == "FOLLOWUP"), None)
    draft_ready = False
    if tour is not None and tour.status is TourStatus.PROCESSING and tour.processing_attempt == event.attempt:
        followup_interest.record_processed(tour, found, content)
        draft_ready = drafts.ensure_draft(tour, content, draft, attempt=event.attempt)
    updated = store.finish_processing(
        event.tour_id,
        attempt=event.attempt,
        target=TourStatus.PROCESSED,
        stamp=clock.now_iso(),
        audit=audit_action(
            actor_id=SYSTEM_ACTOR,
            action="tour.processed",
            resource_type="tour",
            resource_id=event.tour_id,
            details={
                "attempt": event.attempt,
                "highlights": event.highlights.count if event.highlights else None,
                "highlights_model": event.highlights.model if event.highlights else None,
                "summary_model": event.summary.model if event.summary else None,
            },
        ),
    )
    if not updated or tour is None:
        logger.info("stale attempt finished, tour left alone", extra={"attempt": event.attempt})
        return Outcome(updated=False)
    count("ToursProcessed")
    notifications.summary_ready(tour, content, found, draft_ready=draft_ready)
    return Outcome(status=TourStatus.PROCESSED, updated=True)


def failure_reason(error: StepError) -> str:
    """A sentence for the realtor from the Catch's `{Error, Cause}`, never a stack trace."""
    name = error.Error or "Unknown"
    message = ""
    try:
        cause = json.loads(error.Cause) if error.Cause else {}
    except ValueError:
        cause = {}
    if isinstance(cause, dict):
        name = str(cause.get("errorType") or name)
        message = str(cause.get("errorMessage") or "")
    if name in _OWN_ERRORS and message:
        reason = message
    elif name.startswith("Lambda.") or name in {"ClientError", "EndpointConnectionError"}:
        reason = f"the processing service was unavailable ({name}); reprocess the tour to try again"
    elif name in {"States.Timeout", "Sandbox.Timedout"}:
        reason = "a processing step took too long; reprocess the tour to try again"
    elif name == "Execution.TimedOut":
        reason = "processing took longer than allowed; reprocess the tour to try again"
    elif name == "Execution.Aborted":
        reason = "processing was stopped; reprocess the tour to try again"
    else:
        reason = f"processing failed unexpectedly ({name}); reprocess the tour to try again"
    return reason[:REASON_CHARS]


# What an execution that stopped without reaching MarkFailed reports as its error.
_STOPPED_EXECUTION_ERRORS = {"TIMED_OUT": "Execution.TimedOut", "ABORTED": "Execution.Aborted"}


def failure_input(event: dict[str, Any]) -> FailureInput:
    """MarkFailed's input: the state machine's Catch sends `{tour_id, attempt, error}`; EventBridge
    sends the execution's status change when the execution itself failed, timed out or was aborted
    (no Catch ran: `TimeoutSeconds`, a StopExecution, or MarkFailed failing after its retries).

    The tour and attempt come from the execution's input, or else from its name `<tour_id>-<attempt>`.
    """
    if event.get("source") != "aws.states":
        return FailureInput.model_validate(event)
    detail = ExecutionStatusChange.model_validate(event).detail
    run: dict[str, Any] = {}
    with suppress(ValueError):
        loaded = json.loads(detail.input) if detail.input else {}
        run = loaded if isinstance(loaded, dict) else {}
    if not run.get("tour_id") or not run.get("attempt"):
        tour_id, _, attempt = detail.name.rpartition("-")
        run = {"tour_id": tour_id, "attempt": attempt}
    error = StepError(Error=detail.error or _STOPPED_EXECUTION_ERRORS.get(detail.status, ""), Cause=detail.cause or "")
    return FailureInput(tour_id=run["tour_id"], attempt=run["attempt"], error=error)


def mark_failed(event: FailureInput) -> Outcome:
    """`processing -> processing_failed` with a readable reason, then tell the realtor.

    Idempotent per attempt: the update is conditioned on the tour still processing this attempt, so
    the Catch's call and EventBridge's event for the same failed run change the tour and email once.
    """
    reason = failure_reason(event.error)
    tour = store.get_tour(event.tour_id)
    updated = store.finish_processing(
        event.tour_id,
        attempt=event.attempt,
        target=TourStatus.PROCESSING_FAILED,
        stamp=clock.now_iso(),
        reason=reason,
        audit=audit_action(
            actor_id=SYSTEM_ACTOR,
            action="tour.processing_failed",
            resource_type="tour",
            resource_id=event.tour_id,
            details={"attempt": event.attempt, "error": event.error.Error, "reason": reason},
        ),
    )
    if not updated or tour is None:
        logger.info("stale attempt failed, tour left alone", extra={"attempt": event.attempt})
        return Outcome(updated=False)
    count("TourProcessingFailed")
    followup_interest.record_failed(tour)
    logger.warning("tour processing failed", extra={"error": event.error.Error, "reason": reason})
    notifications.processing_failed(tour, reason)
    return Outcome(status=TourStatus.PROCESSING_FAILED, updated=True)
