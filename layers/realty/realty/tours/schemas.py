"""The tours API's request bodies and response attributes (the stored models are `realty.tours.models`).

Apart from the stored models so that functions that only read and write tour items (calls) do not
build these classes at import (each costs a fraction of a millisecond, even deferred).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictInt, StringConstraints

from realty.core.models import Model
from realty.core.types import SINGLE_LINE, WHOLE_NUMBER, Omittable
from realty.properties.summary import PropertySummary
from realty.tours.models import (
    NOTE_MAX_CHARS,
    NOTE_MAX_TIMESTAMP_MS,
    NOTE_TAG_MAX_CHARS,
    CallStatus,
    Highlight,
    HighlightSource,
    HighlightType,
    NoteVisibility,
    RecordingStatus,
    SpeakerRole,
)
from realty.tours.states import TourStatus
from realty.users.people import Person

# ---------------------------------------------------------------- requests

NoteContent = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_MAX_CHARS)]
NoteTag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTE_TAG_MAX_CHARS, pattern=SINGLE_LINE)
]


class CreateNoteRequest(Model):
    model_config = ConfigDict(extra="forbid")

    content: NoteContent
    tag: NoteTag | None = Field(default=None, description="a short label, e.g. kitchen")
    timestamp_ms: Annotated[StrictInt, Field(ge=0, le=NOTE_MAX_TIMESTAMP_MS), WHOLE_NUMBER] | None = Field(
        default=None, description="position in the tour, in milliseconds from its start"
    )
    visibility: NoteVisibility = Field(
        default=NoteVisibility.SHARED, description="private: only its author sees it, in notes and highlights"
    )


class UpdateNoteRequest(Model):
    """An author's change to their note: the fields given change, `null` clears `tag` or `timestamp_ms`."""

    # An empty object is refused ("give at least one of ..."): the contract says so.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # A note always has content and a visibility: they may be left out, never sent as null.
    content: Omittable[NoteContent] = None
    tag: NoteTag | None = None
    timestamp_ms: Annotated[StrictInt, Field(ge=0, le=NOTE_MAX_TIMESTAMP_MS), WHOLE_NUMBER] | None = None
    visibility: Omittable[NoteVisibility] = None

    def changes(self) -> dict[str, object]:
        """The fields the body gave, as stored values (`None` clears `tag` or `timestamp_ms`)."""
        return self.model_dump(mode="json", include=self.model_fields_set)


class UpdateTourRequest(Model):
    """What an admin may do to a tour directly: cancel it, or close one that never ended."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["cancelled", "completed"]


# ---------------------------------------------------------------- responses


class CallAttributes(Model):
    id: str
    status: CallStatus
    recording_status: RecordingStatus | None = None
    started_at: str | None = None
    ended_at: str | None = None


class NoteAttributes(Model):
    user_id: str = Field(description="the note's author (the tour's realtor or buyer, or an admin)")
    author_role: str
    content: str
    tag: str | None = None
    timestamp_ms: int | None = None
    visibility: NoteVisibility
    created_at: str
    updated_at: str | None = Field(default=None, description="when its author last edited it")


class NoteItem(NoteAttributes):
    """A note embedded in a tour's details."""

    id: str


class HighlightAttributes(Model):
    """A highlight as the API shows it: the same shape in a tour's details and on `.../highlights`."""

    id: str
    timestamp_ms: int
    highlight_type: HighlightType
    note: str
    quote: str | None = None
    source: HighlightSource
    image_url: str | None = Field(
        default=None, description="a still frame of the tour's video at this moment (presigned GET, 15 minutes)"
    )
    speaker: SpeakerRole | None = Field(
        default=None,
        description="who said it (a note's highlight: its author): realtor, buyer or unknown; null before speakers "
        "were labelled",
    )
    speaker_name: str | None = Field(default=None, description="the speaker's name, when known")

    @classmethod
    def of(cls, highlight: Highlight, *, image_url: str | None = None) -> HighlightAttributes:
        """The highlight as shown; `image_url` is its still presigned by the caller (a model signs nothing)."""
        return cls(
            id=highlight.id,
            timestamp_ms=highlight.timestamp_ms,
            highlight_type=highlight.highlight_type,
            note=highlight.note,
            quote=highlight.quote or None,
            source=highlight.source,
            image_url=image_url or highlight.image_url,
            speaker=highlight.speaker,
            speaker_name=highlight.speaker_name,
        )


class TourAttributes(Model):
    status: TourStatus
    scheduled_at: str
    ends_at: str
    duration_minutes: int
    started_at: str | None = None
    ended_at: str | None = None
    property: PropertySummary
    buyer: Person | None = Field(default=None, description="the buyer (contact details for the realtor)")
    realtor: Person | None = Field(default=None, description="the realtor (their phone for the buyer)")
    created_at: str
    updated_at: str


class TourDetailAttributes(TourAttributes):
    call: CallAttributes | None = None
    notes: list[NoteItem] = Field(default_factory=list)
    highlights: list[HighlightAttributes] = Field(default_factory=list)
