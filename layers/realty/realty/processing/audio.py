"""Audio with ffmpeg, in two places of the state machine, so that a recording's length sets its cost
but not its wall time.

PrepareAudio, once per recording, does not encode: one pass copies the recording's first audio track
as it is into an audio-only Matroska file (the rare codec Matroska cannot hold is encoded to FLAC
instead); `silencedetect` then decodes only the minute around each chunk boundary, and a last pass
cuts the copy, again without re-encoding (`-f segment -c copy`), in the silence nearest each
boundary, so no word is cut in half. The segment muxer reports where each chunk really starts, which becomes the chunk's
`offset_ms` (what its transcript's times are shifted by). An hour of audio is prepared in under two
seconds.

TranscribeChunk, once per chunk and all chunks at once, encodes its chunk to what Whisper wants:
mono 16 kHz MP3 at a low bitrate. Encoding is the expensive part (several seconds per hour of audio
on one core); done per chunk it runs in parallel, as the Whisper calls do.

ffmpeg is the static binary shipped inside the `imageio-ffmpeg` wheel (nothing is downloaded at run
time).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from realty.processing.errors import InvalidRecording

# Whisper refuses files over 25 MB; every chunk we send must be far below it.
WHISPER_MAX_BYTES = 25 * 1024 * 1024
SAMPLE_RATE = 16_000
# What PrepareAudio stores: the recording's own audio codec in Matroska, so nothing is re-encoded twice.
CHUNK_FORMAT = "mka"
CHUNK_CONTENT_TYPE = "audio/x-matroska"
# What Whisper receives.
UPLOAD_FORMAT = "mp3"
# LAME's "fast" quality setting: at 32 kbps mono speech the slower settings buy nothing a speech
# model hears, and encoding is the step's whole cost (measured: 1.9 s -> 1.1 s per 10 minutes).
LAME_QUALITY = 7
SILENCE_NOISE_DB = -35
SILENCE_MIN_SECONDS = 0.4

_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*(-?[\d.]+)")


@dataclass(frozen=True)
class Silence:
    start: float
    end: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class ChunkFile:
    index: int
    path: Path
    offset_ms: int
    duration_ms: int
    size_bytes: int


@dataclass(frozen=True)
class PreparedAudio:
    duration_ms: int
    chunks: list[ChunkFile]
    silences: list[Silence]


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """ffmpeg with `args`; InvalidRecording if it fails or takes longer than `timeout` seconds."""
    return _run(args, timeout=timeout)


def _run(args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(  # noqa: S603 - a fixed binary with arguments we build, no shell
            [ffmpeg_exe(), "-nostdin", "-hide_banner", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise InvalidRecording(f"audio processing took longer than {int(timeout)} s") from error
    if result.returncode != 0:
        raise InvalidRecording(f"the recording could not be decoded: {_last_error_line(result.stderr)}")
    return result


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return (lines[-1] if lines else "ffmpeg failed")[:300]


def parse_silences(stderr: str, duration_s: float) -> list[Silence]:
    """The silences `silencedetect` reported; one still open at the end runs to the end."""
    silences: list[Silence] = []
    start: float | None = None
    for line in stderr.splitlines():
        found_start = _SILENCE_START.search(line)
        if found_start:
            start = max(0.0, float(found_start.group(1)))
            continue
        found_end = _SILENCE_END.search(line)
        if found_end and start is not None:
            silences.append(Silence(start, float(found_end.group(1))))
            start = None
    if start is not None and start < duration_s:
        silences.append(Silence(start, duration_s))
    return silences


# The silences within [low, high] seconds of the audio.
SilenceFinder = Callable[[float, float], list[Silence]]


def plan_cuts(duration_s: float, silences_between: SilenceFinder, *, chunk_s: float, search_s: float) -> list[float]:
    """Where to cut, in seconds: about every `chunk_s`, in the silence nearest each target.

    A target's cut is the middle of the silence (clamped to the window) closest to it within
    `search_s`; with no silence there, the target itself. The next chunk is measured from the
    actual cut, so chunks stay near `chunk_s`; the last chunk may be up to 1.25 x `chunk_s` rather
    than leaving a sliver. Only the windows around the targets are asked for their silences.
    """
    if chunk_s <= 0:
        raise ValueError("chunk_s must be positive")
    search_s = max(0.0, min(search_s, chunk_s / 4))
    cuts: list[float] = []
    start = 0.0
    while duration_s - start > chunk_s * 1.25:
        target = start + chunk_s
        low, high = target - search_s, target + search_s
        best: tuple[float, float] | None = None  # (distance, -silence length) for ordering
        cut = target
        for silence in silences_between(low, high):
            if silence.end < low or silence.start > high:
                continue
            candidate = min(max(silence.middle, low), high)
            score = (abs(candidate - target), -(silence.end - silence.start))
            if best is None or score < best:
                best, cut = score, candidate
        cuts.append(round(cut, 3))
        start = cut
    return cuts


def _progress_seconds(progress: str) -> float:
    """The last `out_time_us` ffmpeg's `-progress` reported, in seconds."""
    values = [int(v) for v in re.findall(r"^out_time_us=(\d+)$", progress, flags=re.MULTILINE)]
    return max(values, default=0) / 1_000_000


# The audio track as it is, and what replaces that for the few codecs Matroska cannot carry through
# a copy and a cut (some ADPCM variants, Nellymoser): lossless mono 16 kHz FLAC.
COPY = ("-c:a", "copy")
LOSSLESS = ("-c:a", "flac", "-ac", "1", "-ar", str(SAMPLE_RATE))


def copy_audio_track(source: Path, target: Path, *, codec: tuple[str, ...] = COPY, timeout: float) -> float:
    """The recording's first audio track alone in Matroska; returns its duration in s."""
    result = _run(
        [
            "-nostats",
            "-progress",
            "pipe:1",
            "-y",
            "-i",
            str(source),
            "-map",
            "0:a:0",
            "-vn",
            *codec,
            "-f",
            "matroska",
            str(target),
        ],
        timeout=timeout,
    )
    duration = _progress_seconds(result.stdout)
    if duration <= 0 or not target.exists() or target.stat().st_size == 0:
        raise InvalidRecording("the recording has no audio")
    return duration


def detect_silences(audio: Path, *, low: float, high: float, timeout: float) -> list[Silence]:
    """The silences between `low` and `high` seconds of `audio`, in seconds from its start.

    ffmpeg seeks to `low` and decodes only that window: a recording's cut points need a minute of
    decoding per chunk, however long the recording.
    """
    low = max(low, 0.0)
    length = high - low
    if length <= 0:
        return []  # ffmpeg would read `-t 0` as no limit at all
    result = _run(
        [
            "-nostats",
            "-ss",
            f"{low:.3f}",
            "-t",
            f"{length:.3f}",
            "-i",
            str(audio),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-af",
            f"silencedetect=noise={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_SECONDS}",
            "-f",
            "null",
            "-",
        ],
        timeout=timeout,
    )
    return [Silence(low + s.start, low + s.end) for s in parse_silences(result.stderr, length)]


def split(audio: Path, cuts: list[float], out_dir: Path, *, duration_s: float, timeout: float) -> list[ChunkFile]:
    """Cut the audio at `cuts` without re-encoding; offsets are where each chunk really starts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not cuts:
        single = out_dir / f"chunk-000.{CHUNK_FORMAT}"
        shutil.copyfile(audio, single)
        return [ChunkFile(0, single, 0, round(duration_s * 1000), single.stat().st_size)]
    listing = out_dir / "chunks.csv"
    _run(
        [
            "-y",
            "-i",
            str(audio),
            "-map",
            "0:a",
            "-c",
            "copy",
            "-f",
            "segment",
            "-segment_format",
            "matroska",
            # Each chunk starts at 0, as a file of its own would: its transcript's times are shifted
            # by the offset the segment list reports, not by timestamps left in the file.
            "-reset_timestamps",
            "1",
            "-segment_times",
            ",".join(f"{cut:.3f}" for cut in cuts),
            "-segment_list",
            str(listing),
            "-segment_list_type",
            "csv",
            str(out_dir / f"chunk-%03d.{CHUNK_FORMAT}"),
        ],
        timeout=timeout,
    )
    chunks = []
    with listing.open(newline="") as rows:
        for index, (name, start, end) in enumerate(csv.reader(rows)):
            path = out_dir / name
            offset_ms = round(float(start) * 1000)
            chunks.append(ChunkFile(index, path, offset_ms, round(float(end) * 1000) - offset_ms, path.stat().st_size))
    return chunks


def prepare(
    source: Path, workdir: Path, *, chunk_seconds: float, search_seconds: float, timeout: float
) -> PreparedAudio:
    """Recording -> chunk files under `workdir`, cut in silences, in the recording's own codec.

    A recording whose codec does not survive the copy or the cut is prepared again as FLAC; one that
    ffmpeg cannot read fails both ways with the same error.
    """
    deadline = time.monotonic() + timeout

    def time_left() -> float:
        # Every ffmpeg run gets what is left of the step's budget, not the whole of it again.
        return max(deadline - time.monotonic(), 1.0)

    attempt = partial(
        _prepare, source, workdir, chunk_seconds=chunk_seconds, search_seconds=search_seconds, time_left=time_left
    )
    try:
        return attempt(COPY)
    except InvalidRecording:
        shutil.rmtree(workdir / "chunks", ignore_errors=True)
        return attempt(LOSSLESS)


def _prepare(
    source: Path,
    workdir: Path,
    codec: tuple[str, ...],
    *,
    chunk_seconds: float,
    search_seconds: float,
    time_left: Callable[[], float],
) -> PreparedAudio:
    workdir.mkdir(parents=True, exist_ok=True)
    audio = workdir / f"audio.{CHUNK_FORMAT}"
    duration_s = copy_audio_track(source, audio, codec=codec, timeout=time_left())
    silences: list[Silence] = []

    def silences_between(low: float, high: float) -> list[Silence]:
        # Widened by the shortest silence, so that one straddling an edge is still long enough to count.
        found = detect_silences(
            audio,
            low=low - SILENCE_MIN_SECONDS,
            high=min(high + SILENCE_MIN_SECONDS, duration_s),
            timeout=time_left(),
        )
        silences.extend(found)
        return found

    cuts = plan_cuts(duration_s, silences_between, chunk_s=chunk_seconds, search_s=search_seconds)
    chunks = split(audio, cuts, workdir / "chunks", duration_s=duration_s, timeout=time_left())
    return PreparedAudio(duration_ms=round(duration_s * 1000), chunks=chunks, silences=silences)


def encode_for_transcription(chunk: Path, target: Path, *, bitrate_kbps: int, timeout: float) -> Path:
    """One chunk as mono 16 kHz MP3 at `bitrate_kbps`, checked against Whisper's upload limit."""
    _run(
        [
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(chunk),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-c:a",
            "libmp3lame",
            "-b:a",
            f"{bitrate_kbps}k",
            "-compression_level",
            str(LAME_QUALITY),
            str(target),
        ],
        timeout=timeout,
    )
    size = target.stat().st_size if target.exists() else 0
    if size == 0:
        raise InvalidRecording("the audio chunk has no audio")
    # A runtime check, not an `assert`: it must hold with -O too. At 32 kbps a chunk would have to
    # be ~100 minutes long to reach the limit, so this only fires on a misconfiguration.
    if size >= WHISPER_MAX_BYTES:
        raise InvalidRecording(
            f"the audio chunk is {size} bytes, over the transcription limit; "
            "lower AUDIO_CHUNK_SECONDS or AUDIO_BITRATE_KBPS"
        )
    return target


# What the diarizing model accepts as a known speaker's reference clip: 2-10 s of their voice.
REFERENCE_MIN_MS, REFERENCE_MAX_MS = 2_000, 8_000


def reference_clips(source: Path, spans: Sequence[Any], work: Path, *, timeout: float) -> dict[Any, Path]:
    """Per role, a clip of the longest stretch (>= 2 s, cut to 8 s) in which the meeting says that
    person alone was speaking (`spans`: objects with start_ms, end_ms, role, in `source`'s times).
    A role with no such stretch gets no clip; a clip ffmpeg cannot cut is left out."""
    longest: dict[Any, Any] = {}
    for span in spans:
        length = span.end_ms - span.start_ms
        if length >= REFERENCE_MIN_MS and length > (
            longest[span.role].end_ms - longest[span.role].start_ms if span.role in longest else 0
        ):
            longest[span.role] = span
    clips: dict[Any, Path] = {}
    for role, span in longest.items():
        target = work / f"reference-{role}.{UPLOAD_FORMAT}"
        try:
            _run(
                [
                    "-loglevel", "error", "-y",
                    "-ss", f"{span.start_ms / 1000:.3f}",
                    "-t", f"{min(span.end_ms - span.start_ms, REFERENCE_MAX_MS) / 1000:.3f}",
                    "-i", str(source),
                    "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", "32k",
                    str(target),
                ],
                timeout=timeout,
            )  # fmt: skip
        except InvalidRecording:
            continue
        if target.exists() and target.stat().st_size > 0:
            clips[role] = target
    return clips


def decode_pcm(path: Path, *, timeout: float) -> bytes:
    """16-bit little-endian mono PCM at 16 kHz (what pocketsphinx decodes)."""
    result = subprocess.run(  # noqa: S603 - a fixed binary with arguments we build, no shell
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-",
        ],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace")
        raise InvalidRecording(f"the audio chunk could not be decoded: {_last_error_line(message)}")
    return result.stdout
