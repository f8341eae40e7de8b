"""Offline providers: pocketsphinx transcription and rule-based highlights and summary.

Used when no OpenAI key is configured (the local stack, CI) and as the fallback when the LLM steps
keep failing, so a tour always ends processed. Every result names its provider in `model`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from realty.processing import language_model, voice
from realty.processing.audio import SAMPLE_RATE, decode_pcm
from realty.processing.models import (
    ChunkTranscript,
    HighlightDraft,
    HighlightSource,
    HighlightType,
    NoteView,
    Segment,
    SpeakerRole,
    SummaryContent,
)
from realty.processing.speakers import speaker_prefix

POCKETSPHINX_MODEL = "pocketsphinx-5.1.1"
# Same accuracy as the defaults on our sample, ~25% faster: fewer active HMMs and words per frame.
# The final best-path search over the word lattice weighs the tour language model at 12 (default
# 9.5): with a narrow tour model, a phrase tours say ("water damage on the ceiling") should beat a
# string of short words that fits the sound about as well ("water can we on the"). Word error rate
# over the eval audio and the sample tour: 39.9% at 9.5, 38.2% at 12, 38.4-39.0% at 12.5-14.
_DECODER_OPTIONS = {"maxhmmpf": 10_000, "maxwpf": 10, "bestpathlw": 12.0, "loglevel": "FATAL"}


# ---------------------------------------------------------------- transcription


def transcribe(path: Path, *, index: int, offset_ms: int, duration_ms: int, timeout: float) -> ChunkTranscript:
    """pocketsphinx over one chunk: its VAD finds the utterances, each becomes a segment, with the
    pitch of its voice (what the merge tells the two speakers apart by)."""
    from pocketsphinx import Decoder, Segmenter

    pcm = decode_pcm(path, timeout=timeout)
    decoder = Decoder(samprate=SAMPLE_RATE, lm=str(language_model.tour_model_path()), **_DECODER_OPTIONS)
    for word, phones in language_model.EXTRA_WORDS.items():
        decoder.add_word(word, phones, update=True)
    segments: list[Segment] = []
    pitches: list[float | None] = []
    signal = voice.downsample(pcm)
    for utterance in Segmenter(sample_rate=SAMPLE_RATE).segment(io.BytesIO(pcm)):
        decoder.start_utt()
        decoder.process_raw(utterance.pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        text = (hypothesis.hypstr if hypothesis else "").strip()
        if not text:
            continue
        start = offset_ms + round(utterance.start_time * 1000)
        end = offset_ms + round(utterance.end_time * 1000)
        segments.append(Segment(start_ms=start, end_ms=max(end, start), text=text))
        local_start = round(utterance.start_time * 1000)
        pitches.append(
            voice.segment_pitch(signal, start_ms=local_start, end_ms=max(round(utterance.end_time * 1000), local_start))
        )
    return ChunkTranscript(
        index=index,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        language="english",
        model=POCKETSPHINX_MODEL,
        segments=segments,
        confidence_score=None,
        pitch_hz=pitches,
    )


# ---------------------------------------------------------------- rules

_WORD_NUMBER = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"  # noqa: E501
_PRICE = re.compile(
    r"\$\s?\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)?\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s*(?:k|thousand|million|dollars)\b"
    rf"|\b(?:{_WORD_NUMBER}[\s-]+)+(?:and\s+)?(?:{_WORD_NUMBER}[\s-]+)*(?:thousand|million|dollars)(?:\s+dollars)?\b"
    r"|\b(?:asking price|list price|listed at|price|budget|hoa fees?|property tax(?:es)?|per month)\b",
    re.IGNORECASE,
)
_CONCERN = re.compile(
    r"\b(leak\w*|crack\w*|repair\w*|mou?ld\w*|noise|noisy|damage\w*|stain\w*|rot|rotten|pests?|termites?"
    r"|asbestos|radon|foundation issues?|water damage|broken|worn|outdated|drafty|smell\w*|flood\w*"
    r"|worr(?:y|ied|ies|ying)|concern(?:ed|s)?|problems?|bother\w*|musty|peeling|sagging|uneven|i noticed)\b",
    re.IGNORECASE,
)
_NEXT_STEP = re.compile(
    r"\b(next steps?|follow up|send you|i will send|we will send|schedule|make an offer|an offer|second showing"
    r"|get back to|call you|paperwork|disclosures?|inspection report|by (?:monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|tomorrow))\b",
    re.IGNORECASE,
)
_FEATURE = re.compile(
    r"\b(bedrooms?|bathrooms?|baths?|kitchen|garage|back ?yard|yard|garden|pool|living room|dining room"
    r"|fireplace|renovated|remodel(?:l)?ed|updated|natural light|view|hardwood|square feet|sq ?ft|closets?|patio"
    r"|deck|balcony|basement|attic|laundry|storage|love|beautiful|spacious|great)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(r"\b(love|like|beautiful|great|nice|perfect|spacious|amazing|wonderful|bright)\b", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(how|what|when|where|why|who|which|is|are|does|do|did|can|could|would|will|should|has|have)\b", re.IGNORECASE
)
# Speech recognised without punctuation (pocketsphinx) runs a statement and a question together
# ("the stairs feel steep is there a basement"): there, an inverted question anywhere in it counts.
_QUESTION_INSIDE = re.compile(
    r"\b(?:(?:is|are) there|how (?:much|many|old|far|long|big|often)|(?:what|when|where|why|who) (?:is|are|was|were"
    r"|does|do|did|about)|(?:does|do|did) (?:the|it|this|that|they|you)"
    r"|(?:has|have) (?:the|it|this|that|they|you) (?:been|ever|got))\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PUNCTUATED = re.compile(r"[.!?,;]")

_PRIORITY = (
    HighlightType.CONCERN,
    HighlightType.QUESTION,
    HighlightType.PRICE,
    HighlightType.NEXT_STEP,
    HighlightType.FEATURE,
)
# Two rule highlights of one type closer than this are one moment of the tour.
_SAME_MOMENT_MS = 15_000
_QUOTE_CHARS = 300
MAX_RULE_HIGHLIGHTS = 60


@dataclass(frozen=True)
class _Match:
    kind: HighlightType
    terms: list[str]


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.split(text) if part.strip()]


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something: a "?", a question word first, or, in unpunctuated speech
    recognition output, an inverted question anywhere in it."""
    text = sentence.strip()
    if text.endswith("?") or _QUESTION_START.match(text):
        return True
    return not _PUNCTUATED.search(text) and bool(_QUESTION_INSIDE.search(text))


def classify(text: str) -> _Match | None:
    """The one type a piece of speech is about, by priority: concern, question, price, next step, feature."""
    for kind in _PRIORITY:
        if kind is HighlightType.QUESTION:
            if any(is_question(s) for s in _sentences(text)):
                return _Match(kind, [])
            continue
        pattern = {
            HighlightType.CONCERN: _CONCERN,
            HighlightType.PRICE: _PRICE,
            HighlightType.NEXT_STEP: _NEXT_STEP,
            HighlightType.FEATURE: _FEATURE,
        }[kind]
        terms = [m.group(0).strip().lower() for m in pattern.finditer(text)]
        if terms:
            return _Match(kind, list(dict.fromkeys(terms)))
    return None


def _note_for(match: _Match, text: str) -> str:
    terms = ", ".join(match.terms[:4])
    if match.kind is HighlightType.CONCERN:
        return f"Concern raised: {terms}"
    if match.kind is HighlightType.QUESTION:
        return "Question asked"
    if match.kind is HighlightType.PRICE:
        return f"Price discussed: {terms}"
    if match.kind is HighlightType.NEXT_STEP:
        return f"Next step: {terms}"
    return f"Feature mentioned: {terms}"


def rule_highlights(segments: Iterable[Segment]) -> list[HighlightDraft]:
    """Highlights from keyword rules, one per moment, type and speaker, each with who said it."""
    found: list[HighlightDraft] = []
    # Per type and speaker: the realtor praising the kitchen and the buyer loving it a moment later
    # are two highlights (a pitch and a reaction), two lines of the same speaker about it are one; a
    # line naming something else (a stain, then a leak) is a moment of its own.
    last_at: dict[tuple[HighlightType, str | None], tuple[int, set[str]]] = {}
    for segment in segments:
        match = classify(segment.text)
        if match is None:
            continue
        moment = (match.kind, segment.speaker.value if segment.speaker else None)
        terms = set(match.terms)
        previous = last_at.get(moment)
        if previous is not None and segment.start_ms - previous[0] < _SAME_MOMENT_MS:
            previous_terms = previous[1]
            if not terms or not previous_terms or terms & previous_terms:
                continue
        last_at[moment] = (segment.start_ms, terms)
        found.append(
            HighlightDraft(
                timestamp_ms=segment.start_ms,
                highlight_type=match.kind,
                note=_note_for(match, segment.text),
                quote=segment.text.strip()[:_QUOTE_CHARS],
                source=HighlightSource.AI,
                speaker=segment.speaker,
                speaker_name=segment.speaker_name,
            )
        )
        if len(found) >= MAX_RULE_HIGHLIGHTS:
            break
    return found


def _note_author(note: NoteView) -> str | None:
    role = (note.author_role or "").strip().lower()
    return f"{role} (note)" if role in (SpeakerRole.REALTOR.value, SpeakerRole.BUYER.value) else None


def note_type(note: NoteView) -> HighlightType:
    """A participant note's type: its tag if it names one, else what its text is about."""
    tag = (note.tag or "").strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {
        "like": HighlightType.FEATURE,
        "liked": HighlightType.FEATURE,
        "feature": HighlightType.FEATURE,
        "concern": HighlightType.CONCERN,
        "issue": HighlightType.CONCERN,
        "problem": HighlightType.CONCERN,
        "question": HighlightType.QUESTION,
        "price": HighlightType.PRICE,
        "cost": HighlightType.PRICE,
        "next_step": HighlightType.NEXT_STEP,
        "next_steps": HighlightType.NEXT_STEP,
        "todo": HighlightType.NEXT_STEP,
    }
    if tag in aliases:
        return aliases[tag]
    match = classify(note.content)
    return match.kind if match else HighlightType.FEATURE


# ---------------------------------------------------------------- extractive summary

_LIST_ITEMS = 8


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        cleaned = _clip(item)
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return list(seen.values())[:_LIST_ITEMS]


def _minutes(duration_ms: int) -> str:
    minutes = max(1, round(duration_ms / 60_000))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _said_by_buyer(segment: Segment) -> bool:
    """Whether a segment may stand for the buyer's own likes and worries: the buyer said it, or the
    transcript predates speaker labels (then every line counts, as before)."""
    return segment.speaker in (None, SpeakerRole.BUYER)


def _attributed(text: str, who: str | None) -> str:
    return f"{who}: {text}" if who else text


def rule_summary(segments: list[Segment], notes: list[NoteView], *, duration_ms: int) -> SummaryContent:
    """An extractive summary: the sentences the rules file under each heading, verbatim, each
    attributed to who said it ("Dana (buyer): ...") once speakers are labelled.

    `liked`, `concerns` and `questions_for_seller` hold only what the buyer said (the realtor's praise
    of a kitchen is not a buyer's like) and the participants' notes; next steps come from anyone."""
    liked: list[str] = []
    concerns: list[str] = []
    questions: list[str] = []
    next_steps: list[str] = []
    features: list[str] = []
    pieces: list[tuple[str, HighlightType | None, str | None, bool]] = [
        (s.text, None, speaker_prefix(s) if s.speaker else None, _said_by_buyer(s)) for s in segments
    ]
    pieces += [(n.content, note_type(n), _note_author(n), True) for n in notes]
    for text, tagged, who, buyers in pieces:
        for sentence in _sentences(text) or [text]:
            kind = tagged or (match.kind if (match := classify(sentence)) else None)
            quoted = _attributed(sentence, who)
            if kind is HighlightType.CONCERN and buyers:
                concerns.append(quoted)
            elif kind is HighlightType.QUESTION and buyers:
                questions.append(quoted)
            elif kind is HighlightType.NEXT_STEP:
                next_steps.append(quoted)
            elif kind in (HighlightType.FEATURE, HighlightType.PRICE):
                if _POSITIVE.search(sentence) and buyers:
                    liked.append(quoted)
                if kind is HighlightType.FEATURE:
                    features.extend(m.group(0).lower() for m in _FEATURE.finditer(sentence))
    if not segments and not notes:
        overview = "No speech was detected in the recording."
    else:
        topics = ", ".join(dict.fromkeys(f for f in features if not _POSITIVE.fullmatch(f)))
        overview = f"A {_minutes(duration_ms)} tour."
        if topics:
            overview += f" Discussed: {_clip(topics, 160)}."
        overview += (
            f" {len(_unique(concerns))} concern(s), {len(_unique(questions))} question(s) and"
            f" {len(_unique(next_steps))} next step(s) came up."
        )
    return SummaryContent(
        overview=overview,
        liked=_unique(liked),
        concerns=_unique(concerns),
        questions_for_seller=_unique(questions),
        next_steps=_unique(next_steps),
    )
