"""The tour summary: per transcript window from the LLM, then combined (or extracted by rules)."""

from __future__ import annotations

import json
from collections.abc import Callable

from realty.adapters import openai as openai_adapter
from realty.core.config import get_settings
from realty.processing import offline
from realty.processing.models import RULES_MODEL, LlmSummary, NoteView, Segment, SummaryContent
from realty.processing.windows import request_timeout, transcript_lines, windows

LIST_ITEMS = 10
ITEM_CHARS = 500
OVERVIEW_CHARS = 2000

WINDOW_PROMPT = """You summarise a recorded real-estate property tour for the buyer and the realtor. \
You get part of the transcript (lines start with [start_ms], then who spoke: the realtor or the \
buyer, by name, or an unknown speaker, when known) and the participants' own notes. Write:
- overview: two to four sentences on the property and how the tour went, including what the realtor \
praised or pointed out
- liked: what the buyer said they liked (the realtor's praise is not a buyer like)
- concerns: what the buyer worried about, and problems or risks either of them raised
- questions_for_seller: open questions the buyer wants put to the seller
- next_steps: agreed follow-ups
Attribute quotes to who said them ("Dana (buyer): ..."). Use only what is in the transcript and \
notes; leave a list empty when nothing fits."""

COMBINE_PROMPT = """You combine partial summaries of consecutive parts of one real-estate property tour \
into one summary with the same fields. Merge duplicates, keep every distinct point, keep the order in \
which things came up, and write one overview of the whole tour."""


def _notes_text(notes: list[NoteView]) -> str:
    if not notes:
        return "(no notes)"
    lines = []
    for note in notes:
        when = f"[{note.timestamp_ms}] " if note.timestamp_ms is not None else ""
        tag = f"({note.tag}) " if note.tag else ""
        lines.append(f"- {when}{tag}{' '.join(note.content.split())}")
    return "\n".join(lines)


def _tidy(content: LlmSummary | SummaryContent) -> SummaryContent:
    def items(values: list[str]) -> list[str]:
        cleaned = [" ".join(v.split()) for v in values if v and v.strip()]
        return [v[:ITEM_CHARS] for v in dict.fromkeys(cleaned)][:LIST_ITEMS]

    return SummaryContent(
        overview=" ".join(content.overview.split())[:OVERVIEW_CHARS],
        liked=items(content.liked),
        concerns=items(content.concerns),
        questions_for_seller=items(content.questions_for_seller),
        next_steps=items(content.next_steps),
    )


def llm_summary(segments: list[Segment], notes: list[NoteView], *, time_left: Callable[[], float]) -> SummaryContent:
    settings = get_settings()
    parts: list[LlmSummary] = []
    for window in windows(segments, max_chars=settings.llm_window_chars, overlap=settings.llm_window_overlap_segments):
        parts.append(
            openai_adapter.parse(
                system=WINDOW_PROMPT,
                user=f"Transcript:\n{transcript_lines(window)}\n\nParticipants' notes:\n{_notes_text(notes)}",
                schema=LlmSummary,
                model=settings.openai_model,
                timeout=request_timeout(settings.openai_timeout_seconds, time_left),
            )
        )
    if len(parts) == 1:
        return _tidy(parts[0])
    partials = json.dumps([p.model_dump() for p in parts], ensure_ascii=False)
    combined = openai_adapter.parse(
        system=COMBINE_PROMPT,
        user=f"Partial summaries, in tour order:\n{partials}",
        schema=LlmSummary,
        model=settings.openai_model,
        timeout=request_timeout(settings.openai_timeout_seconds, time_left),
    )
    return _tidy(combined)


def summarize(
    segments: list[Segment],
    notes: list[NoteView],
    *,
    duration_ms: int,
    use_llm: bool,
    time_left: Callable[[], float],
) -> tuple[SummaryContent, str]:
    """(summary, the provider that wrote it)."""
    if use_llm and segments:
        return llm_summary(segments, notes, time_left=time_left), get_settings().openai_model
    return _tidy(offline.rule_summary(segments, notes, duration_ms=duration_ms)), RULES_MODEL
