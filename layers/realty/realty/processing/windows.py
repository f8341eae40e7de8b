"""Transcript windows for the LLM: whole segments, overlapping, nothing ever silently dropped."""

from __future__ import annotations

from collections.abc import Callable

from realty.processing.models import Segment
from realty.processing.speakers import speaker_prefix

# Never ask for less than this per request, whatever the Lambda has left; below it the request
# would time out anyway and the state machine's retry (or the rules fallback) takes over.
MIN_REQUEST_SECONDS = 5.0
# Kept back from the Lambda deadline to write results and report the error cleanly.
DEADLINE_MARGIN_SECONDS = 10.0

# The seconds a step's Lambda has left (its context's remaining time).
TimeLeft = Callable[[], float]


def windows(segments: list[Segment], *, max_chars: int, overlap: int) -> list[list[Segment]]:
    """Consecutive runs of segments of at most `max_chars` characters, each starting `overlap`
    segments before the previous one ended. A single segment longer than `max_chars` is a
    window of its own (sent whole, not cut)."""
    if not segments:
        return []
    result: list[list[Segment]] = []
    start, last_end = 0, 0
    while start < len(segments):
        end = _window_end(segments, start, max_chars)
        if result and end <= last_end:
            # The overlap left no room for anything new (the next segment is oversized): go on
            # from where the last window ended, without overlap.
            start = last_end
            end = _window_end(segments, start, max_chars)
        result.append(segments[start:end])
        if end >= len(segments):
            break
        last_end = end
        start = max(end - overlap, start + 1)
    return result


def _window_end(segments: list[Segment], start: int, max_chars: int) -> int:
    end, size = start, 0
    while end < len(segments) and (end == start or size + len(segments[end].text) + 1 <= max_chars):
        size += len(segments[end].text) + 1
        end += 1
    return end


def transcript_lines(segments: list[Segment]) -> str:
    """`[start_ms] Dana (buyer): text` per segment: the model quotes the number back as the highlight's
    time, and reads who said what (a transcript made before speakers were labelled has no prefix)."""
    return "\n".join(f"[{s.start_ms}] {_speaker(s)}{s.text}" for s in segments)


def _speaker(segment: Segment) -> str:
    return "" if segment.speaker is None else f"{speaker_prefix(segment)}: "


def request_timeout(configured: float, time_left: TimeLeft) -> float:
    """The timeout for one more request: the configured one, cut to what the Lambda has left."""
    left = time_left() - DEADLINE_MARGIN_SECONDS
    return max(MIN_REQUEST_SECONDS, min(configured, left))
