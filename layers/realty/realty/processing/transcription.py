"""Chunk transcription (Whisper, or pocketsphinx offline) and the merge into one transcript."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from realty.adapters import openai as openai_adapter
from realty.core.config import get_settings
from realty.processing import audio, offline
from realty.processing.models import ChunkTranscript, Segment, Transcript
from realty.processing.windows import DEADLINE_MARGIN_SECONDS, TimeLeft, request_timeout


def transcribe_chunk(
    path: Path, *, index: int, offset_ms: int, duration_ms: int, time_left: TimeLeft
) -> ChunkTranscript:
    """One chunk's segments, shifted by its offset into the recording.

    Whisper gets the chunk encoded as low-bitrate MP3 next to it; pocketsphinx decodes it as it is.
    """
    settings = get_settings()
    if not openai_adapter.is_configured():
        timeout = request_timeout(settings.openai_timeout_seconds, time_left)
        return offline.transcribe(path, index=index, offset_ms=offset_ms, duration_ms=duration_ms, timeout=timeout)
    # In a folder of its own, under the chunk's name (the name Whisper sees): a chunk already named
    # .mp3 (prepared by an older release while this one deployed) is not overwritten by its encoding.
    upload_dir = path.parent / "upload"
    upload_dir.mkdir(exist_ok=True)
    upload = audio.encode_for_transcription(
        path,
        upload_dir / f"{path.stem}.{audio.UPLOAD_FORMAT}",
        bitrate_kbps=settings.audio_bitrate_kbps,
        timeout=max(time_left() - DEADLINE_MARGIN_SECONDS, 1.0),
    )
    result = openai_adapter.transcribe(
        upload, timeout=request_timeout(settings.openai_timeout_seconds, time_left), model=settings.transcription_model
    )
    end_of_chunk = offset_ms + duration_ms
    segments: list[Segment] = []
    weighted, weight = 0.0, 0.0
    for segment in result.segments:
        text = segment.text.strip()
        if not text:
            continue
        start = min(offset_ms + round(segment.start * 1000), end_of_chunk)
        end = min(max(offset_ms + round(segment.end * 1000), start), end_of_chunk)
        segments.append(Segment(start_ms=start, end_ms=end, text=text))
        if segment.avg_logprob is not None:
            length = max(segment.end - segment.start, 0.01)
            weighted += math.exp(min(segment.avg_logprob, 0.0)) * length
            weight += length
    return ChunkTranscript(
        index=index,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        language=result.language,
        model=settings.transcription_model,
        segments=segments,
        confidence_score=round(weighted / weight, 4) if weight else None,
    )


def merge(chunks: list[ChunkTranscript], *, duration_ms: int) -> Transcript:
    """The chunks in recording order, as one transcript with monotonic segment times."""
    ordered = sorted(chunks, key=lambda c: (c.offset_ms, c.index))
    segments: list[Segment] = []
    for chunk in ordered:
        for segment in chunk.segments:
            floor = segments[-1].start_ms if segments else 0
            start = min(max(segment.start_ms, floor), duration_ms)
            end = min(max(segment.end_ms, start), duration_ms)
            segments.append(Segment(start_ms=start, end_ms=end, text=segment.text))
    languages = Counter({c.language: 0 for c in ordered if c.language})
    for chunk in ordered:
        if chunk.language:
            languages[chunk.language] += chunk.duration_ms
    models = sorted({c.model for c in ordered})
    scored = [(c.confidence_score, c.duration_ms) for c in ordered if c.confidence_score is not None]
    total = sum(d for _, d in scored)
    confidence = round(sum(score * d for score, d in scored) / total, 4) if total else None
    return Transcript(
        full_text=" ".join(s.text for s in segments),
        segments=segments,
        language=languages.most_common(1)[0][0] if languages else None,
        model="+".join(models) if models else offline.POCKETSPHINX_MODEL,
        duration_ms=duration_ms,
        confidence_score=confidence,
    )
