"""Processing models: what processing reads and stores, the model's outputs, and what the API returns.

What the state machine's steps pass each other is in `realty.processing.steps`: only the
processing functions use it, and the tours function, which returns these responses, would pay for
its classes at every cold start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from realty.core.models import Model

# The highlight's types and response shape belong to the tour (its details show them too).
from realty.tours.models import Highlight, HighlightSource, HighlightType, NoteVisibility, SpeakerRole
from realty.tours.schemas import HighlightAttributes
from realty.tours.states import TourStatus

RULES_MODEL = "rules-v1"


# ---------------------------------------------------------------- the tour, as processing sees it


class TourView(Model):
    """The attributes of the tour item (`TOUR#<id>` / `TOUR`) that processing reads or owns.

    The tours capability owns the item; processing adds `processing_*` attributes to it with
    UpdateItem only, so neither side drops the other's attributes.
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    status: TourStatus
    realtor_id: str
    buyer_id: str
    property_id: str | None = None
    property_address: str | None = None
    scheduled_at: str | None = None
    realtor_email: str | None = None
    realtor_name: str | None = None
    buyer_email: str | None = None
    buyer_name: str | None = None
    processing_attempt: int = 0
    processing_error: str | None = None
    processing_started_at: str | None = None
    processed_at: str | None = None


class NoteView(Model):
    """A participant's timestamped note (`TOUR#<id>` / `NOTE#...`), written by the tours capability."""

    model_config = ConfigDict(extra="ignore")

    id: str
    content: str
    tag: str | None = None
    timestamp_ms: int | None = None
    author_role: str | None = None
    user_id: str | None = None
    visibility: NoteVisibility = NoteVisibility.SHARED


# ---------------------------------------------------------------- content


class Segment(Model):
    """A line of the transcript, with who said it."""

    start_ms: int
    end_ms: int
    text: str
    # Who said it, how that was decided (e.g. `diarization`, `timeline`, `voice`, `words`) and how sure
    # it is (0-1); None on transcripts made before speakers were labelled.
    speaker: SpeakerRole | None = Field(default=None, description="who said it: realtor, buyer or unknown")
    speaker_name: str | None = Field(default=None, description="the speaker's name, when known")
    speaker_method: str | None = Field(
        default=None, description="what decided the speaker: diarization, timeline, voice or words (null: unknown)"
    )
    speaker_confidence: float | None = Field(default=None, description="how sure the label is, 0-1")


class ChunkTranscript(Model):
    """One chunk's transcript, its times already shifted to the whole recording."""

    index: int
    offset_ms: int
    duration_ms: int
    language: str | None = None
    model: str
    segments: list[Segment]
    confidence_score: float | None = None
    # Per segment (same order), what the merge labels speakers with over the whole tour: the voice's
    # pitch in Hz (offline) and the diarizer's speaker label (`realtor`/`buyer` with reference clips,
    # else its own `A`, `B`... for this chunk only). Empty on chunks transcribed before speakers.
    pitch_hz: list[float | None] = Field(default_factory=list)
    speaker_labels: list[str | None] = Field(default_factory=list)


class Transcript(Model):
    """The full transcript, stored as JSON in S3 (`transcripts/<tour_id>/transcript.json`)."""

    full_text: str
    segments: list[Segment]
    language: str | None = None
    model: str
    duration_ms: int
    confidence_score: float | None = None


class TranscriptMetadata(Model):
    """`TOUR#<id>` / `TRANSCRIPT`: what DynamoDB keeps about the transcript in S3."""

    model_config = ConfigDict(extra="ignore")

    tour_id: str
    s3_key: str
    language: str | None = None
    duration_ms: int
    segment_count: int
    word_count: int
    model: str
    confidence_score: float | None = None
    attempt: int
    created_at: str


class HighlightDraft(Model):
    timestamp_ms: int
    highlight_type: HighlightType
    note: str
    quote: str = ""
    source: HighlightSource = HighlightSource.AI
    note_id: str | None = None
    private_to: str | None = None
    speaker: SpeakerRole | None = None
    speaker_name: str | None = None


class StoredHighlight(Highlight):
    """`TOUR#<id>` / `HIGHLIGHT#<timestamp_ms, 10 digits>#<id>`: the tour's highlight with the run that made it."""

    model: str | None = None
    attempt: int | None = None


class SummaryContent(Model):
    overview: str
    liked: list[str]
    concerns: list[str]
    questions_for_seller: list[str]
    next_steps: list[str]


class StoredSummary(SummaryContent):
    """`TOUR#<id>` / `SUMMARY`."""

    model_config = ConfigDict(extra="ignore")

    tour_id: str
    model: str
    attempt: int
    created_at: str


# ---------------------------------------------------------------- structured LLM outputs
# Strict structured outputs want every field required and no numeric constraints; the values are
# validated (and timestamps checked against the recording) after parsing.


class LlmHighlight(Model):
    timestamp_ms: int = Field(description="start_ms of the transcript line the highlight refers to")
    highlight_type: Literal["feature", "concern", "question", "price", "next_step"]
    note: str = Field(description="one short sentence for the buyer and realtor")
    quote: str = Field(description="the words from the transcript, verbatim")


class LlmHighlights(Model):
    highlights: list[LlmHighlight]


class LlmSummary(Model):
    overview: str = Field(description="two to four sentences")
    liked: list[str]
    concerns: list[str]
    questions_for_seller: list[str]
    next_steps: list[str]


# ---------------------------------------------------------------- API responses


class ProcessingAttributes(Model):
    status: TourStatus
    processing_attempt: int
    processing_started_at: str | None = None


class TranscriptAttributes(Model):
    """While a tour is not processed yet, `status` says where it is and the content fields are null."""

    status: TourStatus
    processing_error: str | None = None
    language: str | None = None
    duration_ms: int | None = None
    segment_count: int | None = None
    model: str | None = None
    confidence_score: float | None = None
    full_text: str | None = None
    segments: list[Segment] | None = None
    created_at: str | None = None


class HighlightsAttributes(Model):
    status: TourStatus
    processing_error: str | None = None
    model: str | None = None
    highlights: list[HighlightAttributes] | None = None


class SummaryAttributes(Model):
    status: TourStatus
    processing_error: str | None = None
    model: str | None = None
    overview: str | None = None
    liked: list[str] | None = None
    concerns: list[str] | None = None
    questions_for_seller: list[str] | None = None
    next_steps: list[str] | None = None
    created_at: str | None = None
