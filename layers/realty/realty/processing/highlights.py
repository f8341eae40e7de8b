"""Highlights: the moments of a tour worth returning to, from the LLM (or the rules) and the notes."""

from __future__ import annotations

from collections.abc import Callable

from realty.adapters import openai as openai_adapter
from realty.core.config import get_settings
from realty.processing import offline
from realty.processing.models import (
    RULES_MODEL,
    HighlightDraft,
    HighlightSource,
    HighlightType,
    LlmHighlights,
    NoteView,
    Segment,
)
from realty.processing.speakers import Participants, role_of
from realty.processing.windows import request_timeout, transcript_lines, windows
from realty.tours.models import NoteVisibility, SpeakerRole, note_highlight_text

MAX_AI_HIGHLIGHTS = 100
NOTE_CHARS = 500
QUOTE_CHARS = 500
# The same kind of highlight this close to another is the same moment (overlapping windows).
DUPLICATE_WINDOW_MS = 10_000

SYSTEM_PROMPT = """You find the moments of a recorded real-estate property tour that a buyer and a \
realtor would want to return to. The transcript lines start with [start_ms], the line's time in \
milliseconds from the start of the recording, then who spoke (the realtor or the buyer, by name, \
or an unknown speaker) when that is known. Tell the buyer's reactions from the realtor's pitch: \
the realtor praising a feature is a feature, not something the buyer liked; a worry is a concern \
whoever raises it, and the note says who raised it.

Return highlights of these types:
- feature: a feature of the property described or praised (rooms, kitchen, light, garage, renovations)
- concern: a problem or risk (leaks, cracks, repairs, mold, noise, damage, anything the buyer worries about)
- question: a question the buyer asks or wants answered by the seller
- price: the price, fees, taxes, budget or an offer amount
- next_step: an agreed follow-up (documents to send, inspections, offers, second visits)

For each highlight give timestamp_ms = the [start_ms] of the line it comes from (copy the number), \
a one-sentence note, and the quote: the words from that line, verbatim. Only use what is said in the \
transcript; return an empty list if nothing qualifies."""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def within_recording(drafts: list[HighlightDraft], duration_ms: int) -> list[HighlightDraft]:
    """AI highlights must point into the recording: anything outside it is invented and dropped."""
    return [d for d in drafts if 0 <= d.timestamp_ms <= duration_ms]


def _same_words(a: str, b: str) -> bool:
    """Whether two quotes are the same line (overlapping windows quote it twice, maybe clipped)."""
    first, second = set(a.lower().split()), set(b.lower().split())
    if not first or not second:
        return True
    return len(first & second) >= 0.5 * min(len(first), len(second))


def deduplicate(drafts: list[HighlightDraft]) -> list[HighlightDraft]:
    """One highlight per moment: the same type, speaker and words close together are one (the overlap of
    two windows); a different line a few seconds later (a second defect) is a moment of its own."""
    kept: list[HighlightDraft] = []
    for draft in sorted(drafts, key=lambda d: d.timestamp_ms):
        if any(
            k.highlight_type is draft.highlight_type
            and k.speaker == draft.speaker
            and abs(k.timestamp_ms - draft.timestamp_ms) < DUPLICATE_WINDOW_MS
            and _same_words(k.quote, draft.quote)
            for k in kept[-10:]
        ):
            continue
        kept.append(draft)
    return kept


def _note_speaker(note: NoteView, participants: Participants | None) -> tuple[SpeakerRole | None, str | None]:
    """A note's highlight is spoken by its author: their role, and their name when known."""
    role = role_of(note.author_role)
    if role is None:
        return None, None
    return role, participants.name(role) if participants else None


def speaker_at(segments: list[Segment], timestamp_ms: int) -> tuple[SpeakerRole | None, str | None]:
    """Who said the line an AI highlight points at: the segment starting there, else the one it falls in."""
    chosen = next((s for s in segments if s.start_ms == timestamp_ms), None)
    if chosen is None:
        chosen = next((s for s in segments if s.start_ms <= timestamp_ms <= s.end_ms), None)
    return (chosen.speaker, chosen.speaker_name) if chosen else (None, None)


def from_notes(
    notes: list[NoteView], duration_ms: int, participants: Participants | None = None
) -> list[HighlightDraft]:
    """Participants' timestamped notes as highlights; a note's time is clamped into the recording
    (the note is real, the participant's clock may be a little off). Untimed notes are not moments."""
    drafts = []
    for note in notes:
        if note.timestamp_ms is None or not note.content.strip():
            continue
        speaker, name = _note_speaker(note, participants)
        drafts.append(
            HighlightDraft(
                timestamp_ms=min(max(note.timestamp_ms, 0), duration_ms),
                highlight_type=offline.note_type(note),
                note=note_highlight_text(note.content),
                quote="",
                source=HighlightSource.NOTE,
                note_id=note.id,
                private_to=note.user_id if note.visibility is NoteVisibility.PRIVATE else None,
                speaker=speaker,
                speaker_name=name,
            )
        )
    return drafts


def llm_highlights(
    segments: list[Segment], *, duration_ms: int, time_left: Callable[[], float]
) -> list[HighlightDraft]:
    settings = get_settings()
    drafts: list[HighlightDraft] = []
    for window in windows(segments, max_chars=settings.llm_window_chars, overlap=settings.llm_window_overlap_segments):
        answer = openai_adapter.parse(
            system=SYSTEM_PROMPT,
            user=f"Transcript:\n{transcript_lines(window)}",
            schema=LlmHighlights,
            model=settings.openai_model,
            timeout=request_timeout(settings.openai_timeout_seconds, time_left),
        )
        for item in answer.highlights:
            if not item.note.strip():
                continue
            speaker, name = speaker_at(segments, item.timestamp_ms)
            drafts.append(
                HighlightDraft(
                    timestamp_ms=item.timestamp_ms,
                    highlight_type=HighlightType(item.highlight_type),
                    note=_clip(item.note, NOTE_CHARS),
                    quote=_clip(item.quote, QUOTE_CHARS),
                    source=HighlightSource.AI,
                    speaker=speaker,
                    speaker_name=name,
                )
            )
    return drafts


def detect(
    segments: list[Segment],
    notes: list[NoteView],
    *,
    duration_ms: int,
    use_llm: bool,
    time_left: Callable[[], float],
    participants: Participants | None = None,
) -> tuple[list[HighlightDraft], str]:
    """(highlights in time order, the provider that made the AI ones), each with who said it."""
    if use_llm and segments:
        ai = llm_highlights(segments, duration_ms=duration_ms, time_left=time_left)
        model = get_settings().openai_model
    else:
        ai = offline.rule_highlights(segments)
        model = RULES_MODEL
    ai = deduplicate(within_recording(ai, duration_ms))[:MAX_AI_HIGHLIGHTS]
    combined = sorted(ai + from_notes(notes, duration_ms, participants), key=lambda d: (d.timestamp_ms, d.source.value))
    return combined, model
