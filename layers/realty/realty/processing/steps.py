"""What the tour-processing state machine's steps pass each other, and the failure events it emits.

State machine steps pass only references (S3 keys, counts) between each other; transcripts and
other content stay in S3 and DynamoDB (a state is limited to 256 KB). Kept apart from
`realty.processing.models` so the API functions returning processing's responses do not build
these classes at import (each costs a fraction of a millisecond, even deferred).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from realty.core.models import Model
from realty.tours.states import TourStatus


class StepInput(Model):
    model_config = ConfigDict(extra="ignore")

    tour_id: str = Field(min_length=1, max_length=64)
    attempt: int = Field(ge=1)


class DownloadInput(StepInput):
    recording_key: str | None = Field(default=None, description="overrides the tour's recording item")


class RecordingRef(Model):
    """The exact object version this attempt processes (the bucket is versioned)."""

    bucket: str
    key: str
    version_id: str | None = None
    size_bytes: int
    content_type: str | None = None


class PrepareInput(StepInput):
    recording: RecordingRef


class ChunkRef(Model):
    """One audio chunk in S3 and where it sits in the recording."""

    index: int
    key: str
    offset_ms: int
    duration_ms: int
    size_bytes: int


class AudioPlan(Model):
    duration_ms: int
    format: str
    chunks: list[ChunkRef]


class TranscribeInput(StepInput):
    chunk: ChunkRef


class ChunkTranscriptRef(Model):
    index: int
    key: str
    segment_count: int
    model: str


class MergeInput(StepInput):
    audio: AudioPlan
    chunk_transcripts: list[ChunkTranscriptRef]


class TranscriptRef(Model):
    key: str
    duration_ms: int
    segment_count: int
    language: str | None = None
    model: str


class AnalysisInput(StepInput):
    transcript: TranscriptRef
    provider: Literal["auto", "rules"] = "auto"


class HighlightsResult(Model):
    count: int
    model: str


class SummaryResult(Model):
    model: str


class FinalizeInput(StepInput):
    highlights: HighlightsResult | None = None
    summary: SummaryResult | None = None


class StepError(Model):
    """What a Catch puts at `$.error`."""

    model_config = ConfigDict(extra="ignore")

    Error: str = ""
    Cause: str = ""


class FailureInput(StepInput):
    error: StepError = Field(default_factory=StepError)


class ExecutionDetail(Model):
    """The `detail` of EventBridge's `Step Functions Execution Status Change` (the fields read).

    `input` is the execution's input as a JSON string (left out by Step Functions when too large);
    `error`/`cause` are set for a failed execution."""

    model_config = ConfigDict(extra="ignore")

    name: str
    status: Literal["FAILED", "TIMED_OUT", "ABORTED"]
    input: str | None = None
    error: str | None = None
    cause: str | None = None


class ExecutionStatusChange(Model):
    """An execution of the tour-processing state machine failed, timed out or was aborted."""

    model_config = ConfigDict(extra="ignore")

    source: Literal["aws.states"]
    detail: ExecutionDetail


class Outcome(Model):
    status: TourStatus | None = None
    updated: bool
