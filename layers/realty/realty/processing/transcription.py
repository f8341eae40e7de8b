"""Chunk transcription (Whisper or the diarizing model, or pocketsphinx offline) and the merge into
one transcript, where the speakers of the whole tour are labelled (`realty.processing.speakers`)."""

from __future__ import annotations

import math
import subprocess
from collections import Counter
from pathlib import Path

from realty.adapters import openai as openai_adapter
from realty.core.config import get_settings
from realty.processing import audio, offline, speakers, voice
from realty.processing.errors import InvalidRecording
from realty.processing.models import ChunkTranscript, Segment, Transcript
from realty.processing.windows import DEADLINE_MARGIN_SECONDS, TimeLeft, request_timeout


def is_diarizing(model: str) -> bool:
    """Whether the configured transcription model labels speakers itself (`gpt-4o-transcribe-diarize`)."""
    return "diarize" in model


def transcribe_chunk(
    path: Path,
    *,
    index: int,
    offset_ms: int,
    duration_ms: int,
    time_left: TimeLeft,
    timeline: list[speakers.SpeakingSpan] | None = None,
) -> ChunkTranscript:
    """One chunk's segments, shifted by its offset into the recording.

    Whisper gets the chunk encoded as low-bitrate MP3 next to it; pocketsphinx decodes it as it is.
    The diarizing model also gets, when the meeting's timeline (`timeline`, recording times) shows
    each participant speaking in this chunk, a reference clip of each, so its labels are roles.
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
    if is_diarizing(settings.transcription_model):
        references = audio.reference_clips(
            upload,
            _chunk_spans(timeline or [], offset_ms=offset_ms, duration_ms=duration_ms),
            upload_dir,
            timeout=max(time_left() - DEADLINE_MARGIN_SECONDS, 1.0),
        )
        diarized = openai_adapter.transcribe_diarized(
            upload,
            timeout=request_timeout(settings.openai_timeout_seconds, time_left),
            model=settings.transcription_model,
            references={role.value: clip for role, clip in references.items()},
        )
        return _diarized_chunk(diarized, index=index, offset_ms=offset_ms, duration_ms=duration_ms)
    result = openai_adapter.transcribe(
        upload, timeout=request_timeout(settings.openai_timeout_seconds, time_left), model=settings.transcription_model
    )
    end_of_chunk = offset_ms + duration_ms
    segments: list[Segment] = []
    local_times: list[tuple[int, int]] = []
    weighted, weight = 0.0, 0.0
    for segment in result.segments:
        text = segment.text.strip()
        if not text:
            continue
        start = min(offset_ms + round(segment.start * 1000), end_of_chunk)
        end = min(max(offset_ms + round(segment.end * 1000), start), end_of_chunk)
        segments.append(Segment(start_ms=start, end_ms=end, text=text))
        local_times.append((start - offset_ms, end - offset_ms))
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
        pitch_hz=_pitches(path, local_times, timeout=max(time_left() - DEADLINE_MARGIN_SECONDS, 1.0)),
    )


def _pitches(path: Path, times: list[tuple[int, int]], *, timeout: float) -> list[float | None]:
    """Each Whisper segment's voice pitch (chunk times), so the merge can tell two voices apart here too.
    A chunk that cannot be decoded for it only loses this signal, never its transcript."""
    if not times:
        return []
    try:
        signal = voice.downsample(audio.decode_pcm(path, timeout=timeout))
    except (InvalidRecording, OSError, subprocess.TimeoutExpired):
        return [None] * len(times)
    return [voice.segment_pitch(signal, start_ms=start, end_ms=end) for start, end in times]


def _chunk_spans(
    timeline: list[speakers.SpeakingSpan], *, offset_ms: int, duration_ms: int
) -> list[speakers.SpeakingSpan]:
    """The timeline's spans inside this chunk, in the chunk's own times."""
    inside = []
    for span in timeline:
        start, end = max(span.start_ms, offset_ms), min(span.end_ms, offset_ms + duration_ms)
        if end > start:
            inside.append(speakers.SpeakingSpan(start_ms=start - offset_ms, end_ms=end - offset_ms, role=span.role))
    return inside


def _diarized_chunk(
    result: openai_adapter.DiarizedResult, *, index: int, offset_ms: int, duration_ms: int
) -> ChunkTranscript:
    end_of_chunk = offset_ms + duration_ms
    segments: list[Segment] = []
    labels: list[str | None] = []
    for segment in result.segments:
        text = segment.text.strip()
        if not text:
            continue
        start = min(offset_ms + round(segment.start * 1000), end_of_chunk)
        end = min(max(offset_ms + round(segment.end * 1000), start), end_of_chunk)
        segments.append(Segment(start_ms=start, end_ms=end, text=text))
        labels.append(segment.speaker or None)
    return ChunkTranscript(
        index=index,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        language=None,
        model=get_settings().transcription_model,
        segments=segments,
        speaker_labels=labels,
    )


def _evidence(chunk: ChunkTranscript, position: int) -> speakers.Evidence:
    pitch = chunk.pitch_hz[position] if position < len(chunk.pitch_hz) else None
    label = chunk.speaker_labels[position] if position < len(chunk.speaker_labels) else None
    role = speakers.role_of(label)
    # Without reference clips the diarizer's `A`/`B` name groups of this chunk only.
    group = f"{chunk.index}:{label}" if label and role is None else None
    return speakers.Evidence(pitch_hz=pitch, diarized_role=role, diarized_group=group)


def merge(
    chunks: list[ChunkTranscript],
    *,
    duration_ms: int,
    participants: speakers.Participants | None = None,
    timeline: list[speakers.SpeakingSpan] | None = None,
) -> Transcript:
    """The chunks in recording order, as one transcript with monotonic segment times, every segment
    labelled with its speaker (decided over the whole tour, so identities hold across chunks)."""
    ordered = sorted(chunks, key=lambda c: (c.offset_ms, c.index))
    segments: list[Segment] = []
    evidence: list[speakers.Evidence] = []
    for chunk in ordered:
        for position, segment in enumerate(chunk.segments):
            floor = segments[-1].start_ms if segments else 0
            start = min(max(segment.start_ms, floor), duration_ms)
            end = min(max(segment.end_ms, start), duration_ms)
            segments.append(Segment(start_ms=start, end_ms=end, text=segment.text))
            evidence.append(_evidence(chunk, position))
    segments = speakers.label(
        segments, evidence, participants=participants or speakers.Participants(), timeline=timeline or []
    )
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
