"""The voice of an utterance: its pitch, measured from the chunk's PCM, and the two voices of a tour.

Offline there is no diarizing model, but a tour has two people whose voices usually differ in pitch
(and the demo's generated voices always do). Each segment gets its median fundamental frequency
here, at transcription time (the chunk's audio is on hand); the merge clusters the pitches of the
whole tour into two voices, so one person keeps one voice across chunks.

Pure Python (no numpy in the Lambda layer): the audio is brought to 4 kHz, and only up to
`FRAMES_PER_SEGMENT` voiced frames per segment are measured, by normalised autocorrelation over the
lags of 70-400 Hz. A ten-minute chunk takes well under a second.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add, mul

SOURCE_RATE = 16_000
RATE = 4_000
_FRAME = 160  # 40 ms at 4 kHz: at least two periods of the lowest pitch
_MIN_LAG, _MAX_LAG = RATE // 400, RATE // 70
FRAMES_PER_SEGMENT = 40
# Below this normalised autocorrelation a frame is unvoiced (a fricative, silence, noise).
_VOICED = 0.55
# Two voices whose pitch differs by less than this ratio are not told apart by pitch.
MIN_SEPARATION = 1.12


def downsample(pcm: bytes) -> array[int]:
    """16 kHz 16-bit PCM to 4 kHz: the mean of each four samples (a crude low-pass, enough for pitch)."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    usable = len(samples) - len(samples) % 4
    summed = list(
        map(add, map(add, samples[0:usable:4], samples[1:usable:4]), map(add, samples[2:usable:4], samples[3:usable:4]))
    )
    return array("i", (value // 4 for value in summed))


def _frame_pitch(signal: Sequence[int], start: int) -> float | None:
    frame = signal[start : start + _FRAME + _MAX_LAG]
    if len(frame) < _FRAME + _MAX_LAG:
        return None
    head = frame[:_FRAME]
    energy = sum(map(mul, head, head))
    if energy <= 0:
        return None
    best_lag, best = 0, 0.0
    for lag in range(_MIN_LAG, _MAX_LAG + 1):
        shifted = frame[lag : lag + _FRAME]
        other = sum(map(mul, shifted, shifted))
        if other <= 0:
            continue
        score = sum(map(mul, head, shifted)) / math.sqrt(energy * other)
        if score > best:
            best_lag, best = lag, score
    if best < _VOICED or best_lag == 0:
        return None
    return RATE / best_lag


def segment_pitch(signal: Sequence[int], *, start_ms: int, end_ms: int) -> float | None:
    """The median pitch (Hz) of the loudest frames of one utterance, or None if none is voiced."""
    first = start_ms * RATE // 1000
    last = min(end_ms * RATE // 1000, len(signal)) - _FRAME - _MAX_LAG
    if last <= first:
        return None
    hop = _FRAME // 2
    starts = list(range(first, last, hop))
    # The loudest frames are the voiced ones: measure those, not the pauses between words.
    loudness = [(sum(map(abs, signal[s : s + _FRAME])), s) for s in starts]
    loudest = sorted(loudness, reverse=True)[:FRAMES_PER_SEGMENT]
    pitches = sorted(p for _, s in loudest if (p := _frame_pitch(signal, s)) is not None)
    if len(pitches) < 3:
        return None
    return round(pitches[len(pitches) // 2], 1)


@dataclass(frozen=True)
class Voices:
    """The two voices of a tour: each pitch's voice (0 = lower, 1 = higher, None = unmeasured) and how
    surely each was told apart (0-1)."""

    voice: list[int | None]
    confidence: list[float]
    separated: bool


def two_voices(pitches: Sequence[float | None]) -> Voices:
    """Two-means over log pitch. Voices closer than `MIN_SEPARATION` are reported as not separated."""
    logs = [math.log(p) for p in pitches if p]
    if len(logs) < 2:
        return Voices([None] * len(pitches), [0.0] * len(pitches), separated=False)
    low, high = min(logs), max(logs)
    for _ in range(30):
        boundary = (low + high) / 2
        lows = [v for v in logs if v < boundary]
        highs = [v for v in logs if v >= boundary]
        if not lows or not highs:
            break
        new_low, new_high = sum(lows) / len(lows), sum(highs) / len(highs)
        if (new_low, new_high) == (low, high):
            break
        low, high = new_low, new_high
    separated = high - low >= math.log(MIN_SEPARATION)
    boundary = (low + high) / 2
    half_gap = max((high - low) / 2, 1e-6)
    voice: list[int | None] = []
    confidence: list[float] = []
    for pitch in pitches:
        if not pitch or not separated:
            voice.append(None)
            confidence.append(0.0)
            continue
        value = math.log(pitch)
        voice.append(1 if value >= boundary else 0)
        # At a centroid or beyond: sure; at the boundary: a coin toss.
        confidence.append(round(min(abs(value - boundary) / half_gap, 1.0), 3))
    return Voices(voice, confidence, separated=True)
