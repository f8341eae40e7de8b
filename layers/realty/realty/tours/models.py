"""Tours, their calls, notes and highlights: the stored models and their enums.

The API's request bodies and response attributes are in `realty.tours.schemas`: the calls function
reads and writes these items but returns none of those, and would pay for their classes at every
cold start.

Stored models ignore attributes they do not know (`extra="ignore"`): the tour's item collection is
shared with the call, recording and processing capabilities, which add their own attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import ConfigDict

from realty.core.models import Model
from realty.tours.states import TourStatus

MAX_NOTES_PER_TOUR = 200
NOTE_MAX_CHARS = 2000
NOTE_TAG_MAX_CHARS = 50
# A note becomes a highlight of at most this many characters (processing, and a note's later edits).
NOTE_HIGHLIGHT_CHARS = 500
# A note's position in the tour; a day is far beyond the longest tour and keeps numbers sane.
NOTE_MAX_TIMESTAMP_MS = 24 * 60 * 60 * 1000


class CallStatus(StrEnum):
    CREATED = "created"
    ACTIVE = "active"
    ENDED = "ended"


class RecordingStatus(StrEnum):
    """The call's `recording_status`: where its one recording is."""

    RECORDING = "recording"  # the capture pipeline is running
    STOPPED = "stopped"  # captured, the meeting still going on
    CONCATENATING = "concatenating"  # the meeting ended; Chime is making the single audio file
    AVAILABLE = "available"  # the recording record exists
    FAILED = "failed"  # a pipeline failed; nothing to play


class HighlightType(StrEnum):
    FEATURE = "feature"
    CONCERN = "concern"
    QUESTION = "question"
    PRICE = "price"
    NEXT_STEP = "next_step"


class NoteVisibility(StrEnum):
    """Who sees a note: both participants (and admins), or its author alone."""

    SHARED = "shared"
    PRIVATE = "private"


class SpeakerRole(StrEnum):
    """Who said a part of the tour: one of its two participants, or `unknown` when no signal decides."""

    REALTOR = "realtor"
    BUYER = "buyer"
    UNKNOWN = "unknown"


class HighlightSource(StrEnum):
    AI = "ai"
    NOTE = "note"


class _Stored(Model):
    model_config = ConfigDict(extra="ignore")


class Tour(_Stored):
    """A tour as stored (`TOUR#<id>` / `TOUR`); never returned as-is (see `TourAttributes`)."""

    id: str
    booking_id: str
    call_id: str
    property_id: str
    realtor_id: str
    buyer_id: str
    status: TourStatus
    scheduled_at: str
    duration_minutes: int
    ends_at: str
    property_address: str
    property_city: str
    # Copies of both participants, from the booking, refreshed when they edit their profile.
    buyer_email: str | None = None
    buyer_name: str | None = None
    buyer_avatar_key: str | None = None
    buyer_phone_ciphertext: str | None = None
    realtor_email: str | None = None
    realtor_name: str | None = None
    realtor_avatar_key: str | None = None
    realtor_phone_ciphertext: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    cancelled_at: str | None = None
    missed_at: str | None = None  # closed as missed: nobody started it (`realty.calls.closing`)
    created_at: str
    updated_at: str


class Call(_Stored):
    """The video call of a tour (`TOUR#<tour_id>` / `CALL`, GSI1 `CALL#<call_id>` / `CALL`)."""

    id: str
    tour_id: str
    booking_id: str
    property_id: str
    realtor_id: str
    buyer_id: str
    scheduled_at: str
    duration_minutes: int
    status: CallStatus
    # Names and avatars of both participants (no contact details), refreshed with their profiles.
    buyer_name: str | None = None
    buyer_avatar_key: str | None = None
    realtor_name: str | None = None
    realtor_avatar_key: str | None = None
    chime_meeting_id: str | None = None
    recording_status: RecordingStatus | None = None
    started_at: str | None = None
    ended_at: str | None = None
    created_at: str
    updated_at: str


class TourNote(_Stored):
    """A participant's note (`TOUR#<tour_id>` / `NOTE#<created_at>#<note_id>`)."""

    id: str
    tour_id: str
    user_id: str
    author_role: str
    content: str
    tag: str | None = None
    timestamp_ms: int | None = None
    visibility: NoteVisibility = NoteVisibility.SHARED
    created_at: str
    updated_at: str | None = None

    def visible_to(self, user_id: str) -> bool:
        return self.visibility is NoteVisibility.SHARED or self.user_id == user_id


class Highlight(_Stored):
    """A moment of the tour worth returning to (`TOUR#<tour_id>` / `HIGHLIGHT#<ms, 10 digits>#<id>`).

    Written by processing, whose stored model extends this one with its run's bookkeeping.
    """

    id: str
    tour_id: str
    timestamp_ms: int
    highlight_type: HighlightType
    note: str
    quote: str = ""
    source: HighlightSource = HighlightSource.AI
    note_id: str | None = None
    # The author of a private note this highlight was made from: only they see it (see `visible_to`).
    private_to: str | None = None
    # Who said the quoted words (a note's author for a note's highlight); None on highlights made before
    # speakers were labelled.
    speaker: SpeakerRole | None = None
    speaker_name: str | None = None
    image_url: str | None = None
    # The still frame of the video at this moment (`recordings/<tour_id>/stills/...`), presigned when read.
    image_key: str | None = None
    created_at: str | None = None

    def visible_to(self, user_id: str) -> bool:
        return self.private_to is None or self.private_to == user_id


def note_highlight_text(content: str) -> str:
    """What a note says as a highlight: one line, clipped (processing, and the note's later edits)."""
    text = " ".join(content.split())
    return text if len(text) <= NOTE_HIGHLIGHT_CHARS else text[: NOTE_HIGHLIGHT_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class TourCollection:
    """The tour, its call, notes and highlights: what the tour's details show, read with one Query
    of its item collection (`PK = TOUR#<id>`)."""

    tour: Tour
    call: Call | None
    notes: list[TourNote]
    highlights: list[Highlight]
