"""Answering a question: OpenAI with structured outputs when configured, else offline retrieval.

The model sees the transcript lines (`[start_ms] speaker: text`) and the numbered notes the asker
may see, and must answer from them alone. What it returns is checked, never trusted: a citation
counts only if its `start_ms` is a segment's start that was sent (its quote is kept when it is that
segment's words, else the segment's own text is quoted), a note only if its number was sent, and an
answer backed by neither is "not discussed". So every cited moment opens the recording on words
that were really said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from realty.adapters import openai as openai_adapter
from realty.adapters.errors import UpstreamRetryable
from realty.core.config import get_settings
from realty.processing.models import NoteView, Segment
from realty.processing.speakers import speaker_prefix
from realty.questions import retrieval
from realty.questions.models import (
    ANSWER_MAX_CHARS,
    MAX_CITED_MOMENTS,
    NOT_DISCUSSED,
    Answer,
    CitedMoment,
    LlmAnswer,
)

SYSTEM_PROMPT = """You answer one participant's question about a recorded real-estate property tour. \
You get the transcript (each line: [start_ms] speaker: words) and numbered notes the participants wrote. \
Answer only from them, never from general knowledge or guesses. If they do not answer the question, \
set discussed to false, the answer to an empty string and leave citations and notes empty. Otherwise \
answer in one to three sentences, saying who said what when the speaker is known, and cite every \
transcript line you used: its start_ms exactly as given and its words verbatim; list the numbers of \
the notes you used."""

# Two tries: the adapter never retries, and a 429 or 5xx of one chat request is safe to repeat.
ATTEMPTS = 2


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def select_segments(question: str, segments: Sequence[Segment], *, max_chars: int) -> list[Segment]:
    """The whole transcript if it fits in `max_chars`; else the segments best matching the question,
    each with the ones either side, until it is full (then in time order), so the model still sees the
    relevant parts of a long tour."""
    if sum(len(s.text) + 16 for s in segments) <= max_chars:
        return list(segments)
    picked: set[int] = set()
    size = 0
    for index in retrieval.rank_segments(question, segments):
        for i in (index - 1, index, index + 1):
            if 0 <= i < len(segments) and i not in picked and size + len(segments[i].text) + 16 <= max_chars:
                picked.add(i)
                size += len(segments[i].text) + 16
    return [segments[i] for i in sorted(picked)]


def _prompt(question: str, segments: Sequence[Segment], notes: Sequence[NoteView]) -> str:
    lines = "\n".join(f"[{s.start_ms}] {speaker_prefix(s)}: {' '.join(s.text.split())}" for s in segments)
    note_lines = "\n".join(
        f"({number}) {f'[{n.timestamp_ms}] ' if n.timestamp_ms is not None else ''}{' '.join(n.content.split())}"
        for number, n in enumerate(notes, start=1)
    )
    return f"Question: {question}\n\nTranscript:\n{lines or '(empty)'}\n\nNotes:\n{note_lines or '(no notes)'}"


def checked(raw: LlmAnswer, segments: Sequence[Segment], notes: Sequence[NoteView], *, model: str) -> Answer:
    """The model's answer with every citation checked against what it was sent (see the module's doc)."""
    by_start = {s.start_ms: s for s in segments}
    cited: list[CitedMoment] = []
    for citation in raw.citations:
        segment = by_start.get(citation.start_ms)
        if segment is None or any(c.timestamp_ms == segment.start_ms for c in cited):
            continue
        quote = " ".join(citation.quote.split())
        verbatim = bool(_fold(quote)) and _fold(quote) in _fold(segment.text)
        cited.append(retrieval.moment(segment, quote if verbatim else None))
    used_notes = [n for n in raw.notes if 1 <= n <= len(notes)]
    answer = " ".join(raw.answer.split())[:ANSWER_MAX_CHARS]
    if not raw.discussed or not answer or not (cited or used_notes):
        return Answer(discussed=False, answer=NOT_DISCUSSED, cited_moments=[], model=model)
    ordered = sorted(cited, key=lambda c: c.timestamp_ms)[:MAX_CITED_MOMENTS]
    return Answer(discussed=True, answer=answer, cited_moments=ordered, model=model)


def llm_answer(question: str, segments: Sequence[Segment], notes: Sequence[NoteView]) -> Answer:
    settings = get_settings()
    sent = select_segments(question, segments, max_chars=settings.ask_transcript_chars)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            raw = openai_adapter.parse(
                system=SYSTEM_PROMPT,
                user=_prompt(question, sent, notes),
                schema=LlmAnswer,
                model=settings.openai_model,
                timeout=settings.ask_openai_timeout_seconds,
            )
        except UpstreamRetryable:
            if attempt == ATTEMPTS:
                raise
            continue
        return checked(raw, sent, notes, model=settings.openai_model)
    raise AssertionError("unreachable")  # pragma: no cover


def answer(question: str, segments: Sequence[Segment], notes: Sequence[NoteView]) -> Answer:
    """OpenAI when a key is configured, else retrieval. An empty transcript and no notes: not discussed,
    without asking anyone. Raises the adapter's UpstreamRetryable/UpstreamPermanent on failure."""
    if not segments and not notes:
        return Answer(discussed=False, answer=NOT_DISCUSSED, cited_moments=[], model=retrieval.RETRIEVAL_MODEL)
    if openai_adapter.is_configured():
        return llm_answer(question, segments, notes)
    return retrieval.answer_question(question, segments, notes)
