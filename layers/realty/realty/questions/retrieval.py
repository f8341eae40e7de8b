"""The offline answer: retrieval over the transcript segments and notes, no model.

`answer_question(question, segments, notes)` is pure and deterministic (the same inputs, the same
answer), so `make eval` can measure its citation accuracy. Words are normalised lightly (accents
and case folded, a few English suffixes cut, stop words and the words every question about a tour
uses dropped) and each segment is scored with BM25. A segment is a sentence or two, so a question's
words are also looked for in the segments on either side of it: "The roof?" / "Replaced in 2019."
answers "when was the roof replaced". Nothing is discussed unless the best segment (or a note)
covers at least `MIN_COVERAGE` of the question's weight (each word weighted by how rare it is in the
tour): a word never said in the tour counts against it as much as the tour's rarest word.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from realty.processing.models import NoteView, Segment
from realty.processing.offline import is_question
from realty.questions.models import (
    MAX_CITED_MOMENTS,
    NOT_DISCUSSED,
    QUOTE_MAX_CHARS,
    Answer,
    CitedMoment,
)
from realty.tours.models import SpeakerRole

RETRIEVAL_MODEL = "retrieval-v1"
# Share of the question's weight a segment (with its neighbours) or a note must cover.
MIN_COVERAGE = 0.4
# A cited segment scores at least this share of the best one.
RELATIVE_SCORE = 0.5
NEIGHBOUR_WEIGHT = 0.5
K1, B = 1.2, 0.75

_WORD = re.compile(r"[a-z0-9]+")
# English stop words, and the words any question about a tour uses ("what did the realtor say about").
_STOP_WORDS = """a about above after again against all am an and any anything are as at be because been before being
    below between both but by can could did do does doing down during each either else ever every few for from
    further had has have having he her here hers him his how i if in into is it its itself just let me more most
    my no nor not of off on once only or other our ours out over own same she should so some something than that
    the their theirs them then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours
    tell told say said says saying mention mentioned talk talked discuss discussed think thought know knew
    tour anyone someone thing things please ok okay yeah yes oh um uh like really buyer realtor agent us"""
_STOP = frozenset(_STOP_WORDS.split())


def _stem(word: str) -> str:
    """A light English stemmer: plurals and -ing/-ed, then a final e, so garage/garages, leak/leaking,
    price/priced meet. Too crude for linguistics, enough for matching a question to a transcript."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The words that carry meaning, normalised: accents and case folded, stop words out, stemmed."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [_stem(w) for w in _WORD.findall(folded) if w not in _STOP]


@dataclass(frozen=True)
class _Scored:
    index: int
    score: float
    coverage: float


def _idf(document_count: int, frequency: int) -> float:
    return math.log(1 + (document_count - frequency + 0.5) / (frequency + 0.5))


def _rank(query: list[str], documents: Sequence[list[str]], *, linked: int) -> list[_Scored]:
    """Each document's BM25 score and how much of the question's weight it (with its neighbours) covers.

    The first `linked` documents are consecutive segments, each with the ones either side as its
    neighbours; the rest (notes) stand alone. Word weights are the tour's: notes and segments together.
    """
    if not query or not documents:
        return []
    counts = [Counter(d) for d in documents]
    frequency = Counter(t for c in counts for t in c)
    average = sum(len(d) for d in documents) / len(documents) or 1.0
    # A word the tour never uses weighs as much as its rarest word: it counts against an answer without
    # drowning every other word of the question.
    weight = {t: _idf(len(documents), max(frequency[t], 1)) for t in set(query)}
    total = sum(weight.values())
    own: list[float] = []
    for doc, count in zip(documents, counts, strict=True):
        norm = K1 * (1 - B + B * len(doc) / average)
        own.append(sum(weight[t] * count[t] * (K1 + 1) / (count[t] + norm) for t in weight if count[t]))
    scored = []
    for i, score in enumerate(own):
        if score <= 0:
            continue
        around = [j for j in (i - 1, i + 1) if i < linked and 0 <= j < linked]
        seen = set(counts[i]).union(*(counts[j] for j in around))
        coverage = sum(w for t, w in weight.items() if t in seen) / total
        context = max((own[j] for j in around), default=0.0)
        scored.append(_Scored(index=i, score=score + NEIGHBOUR_WEIGHT * context, coverage=coverage))
    return sorted(scored, key=lambda s: (-s.score, s.index))


def rank_segments(question: str, segments: Sequence[Segment]) -> list[int]:
    """Indexes of the segments sharing words with the question, best first (also used to pick what
    the OpenAI path sends of a transcript too long to send whole)."""
    return [s.index for s in _rank(terms(question), [terms(s.text) for s in segments], linked=len(segments))]


def clock_time(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def speaker_label(segment: Segment) -> str:
    if segment.speaker_name:
        return segment.speaker_name
    if segment.speaker in (SpeakerRole.REALTOR, SpeakerRole.BUYER):
        return f"The {segment.speaker.value}"
    return "Someone"


def moment(segment: Segment, quote: str | None = None) -> CitedMoment:
    return CitedMoment(
        timestamp_ms=segment.start_ms,
        end_ms=segment.end_ms,
        quote=(quote or " ".join(segment.text.split()))[:QUOTE_MAX_CHARS],
        speaker=segment.speaker,
        speaker_name=segment.speaker_name,
    )


def _asked(question: Segment) -> str:
    return f'{speaker_label(question)} asked at {clock_time(question.start_ms)}: "{moment(question).quote}" '


def answer_question(question: str, segments: Sequence[Segment], notes: Sequence[NoteView]) -> Answer:
    """The answer from retrieval alone. `notes` must already be the ones the asker may see (the other
    participant's private notes are never passed in)."""
    documents = [terms(s.text) for s in segments] + [terms(n.content) for n in notes]
    found = [s for s in _rank(terms(question), documents, linked=len(segments)) if s.coverage >= MIN_COVERAGE]
    ranked = [s for s in found if s.index < len(segments)]
    chosen: list[int] = []
    asked: dict[int, int] = {}
    if ranked:
        best = ranked[0].score
        chosen = [s.index for s in ranked if s.score >= RELATIVE_SCORE * best][:MAX_CITED_MOMENTS]
        # A question asked in the tour is not its answer: the next person speaking gives that. The
        # reply is cited in its place; the answer still quotes the question, which says what "it" is.
        asked = {i + 1: i for i in chosen if i + 1 < len(segments) and is_question(segments[i].text)}
        chosen = sorted({next((r for r, q in asked.items() if q == i), i) for i in chosen})[:MAX_CITED_MOMENTS]
    note_hits = [notes[s.index - len(segments)] for s in found if s.index >= len(segments)][:2]
    if not chosen and not note_hits:
        return Answer(discussed=False, answer=NOT_DISCUSSED, cited_moments=[], model=RETRIEVAL_MODEL)
    cited = [moment(segments[i]) for i in chosen]
    parts = [
        (_asked(segments[asked[i]]) if i in asked else "")
        + f'{speaker_label(segments[i])} at {clock_time(segments[i].start_ms)}: "{c.quote}"'
        for i, c in zip(chosen, cited, strict=True)
    ]
    for note in note_hits:
        when = f" at {clock_time(note.timestamp_ms)}" if note.timestamp_ms is not None else ""
        parts.append(f'A note{when}: "{" ".join(note.content.split())}"')
    return Answer(
        discussed=True,
        answer="From the tour: " + " ".join(parts),
        cited_moments=cited,
        model=RETRIEVAL_MODEL,
    )
