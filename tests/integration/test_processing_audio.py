"""Audio preparation with the real ffmpeg binary from imageio-ffmpeg, on the sample and on a long recording."""

from __future__ import annotations

import subprocess
from itertools import pairwise
from pathlib import Path

import pytest

from realty.processing import audio
from realty.processing.audio import (
    WHISPER_MAX_BYTES,
    decode_pcm,
    detect_silences,
    encode_for_transcription,
    ffmpeg_exe,
    prepare,
)
from realty.processing.errors import InvalidRecording
from testkit.processing import FIXTURE


def _in_a_silence(cut_ms: int, silences) -> bool:
    return any(s.start * 1000 - 50 <= cut_ms <= s.end * 1000 + 50 for s in silences)


def test_the_sample_tour_becomes_chunks_cut_in_the_pauses_between_speakers(tmp_path: Path):
    prepared = prepare(FIXTURE, tmp_path, chunk_seconds=30, search_seconds=30, timeout=60)

    chunks = prepared.chunks
    assert 79_000 <= prepared.duration_ms <= 81_000
    assert len(chunks) == 3
    assert [c.index for c in chunks] == [0, 1, 2]
    assert chunks[0].offset_ms == 0
    for before, after in pairwise(chunks):
        assert after.offset_ms == before.offset_ms + before.duration_ms  # contiguous, nothing lost
        assert _in_a_silence(after.offset_ms, prepared.silences)
    assert abs(sum(c.duration_ms for c in chunks) - prepared.duration_ms) < 200
    assert all(c.path.exists() and c.size_bytes == c.path.stat().st_size for c in chunks)
    # Copied, not re-encoded: together the chunks are the size of the recording's audio.
    assert sum(c.size_bytes for c in chunks) == pytest.approx(FIXTURE.stat().st_size, rel=0.1)
    pcm = decode_pcm(chunks[1].path, timeout=30)
    assert abs(len(pcm) / 32_000 * 1000 - chunks[1].duration_ms) < 150  # 16-bit mono at 16 kHz


def _streams(path: Path) -> str:
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False)
    return "\n".join(line for line in probe.stderr.splitlines() if "Stream #" in line)


def test_a_chunk_is_encoded_for_whisper_as_mono_16_khz_low_bitrate_mp3_of_the_same_length(tmp_path: Path):
    [chunk, *_] = prepare(FIXTURE, tmp_path, chunk_seconds=30, search_seconds=30, timeout=60).chunks

    upload = encode_for_transcription(chunk.path, tmp_path / "chunk-000.mp3", bitrate_kbps=32, timeout=60)

    assert "Audio: mp3" in _streams(upload) and "16000 Hz, mono" in _streams(upload)
    assert upload.stat().st_size < chunk.duration_ms * 4.5  # 32 kbps is 4 bytes per ms
    pcm = decode_pcm(upload, timeout=30)
    assert abs(len(pcm) / 32_000 * 1000 - chunk.duration_ms) < 150


def test_a_chunk_encoded_over_the_whisper_upload_limit_is_an_invalid_recording(tmp_path: Path, monkeypatch):
    [chunk, *_] = prepare(FIXTURE, tmp_path, chunk_seconds=30, search_seconds=30, timeout=60).chunks
    monkeypatch.setattr(audio, "WHISPER_MAX_BYTES", 10_000)

    with pytest.raises(InvalidRecording, match="over the transcription limit"):
        encode_for_transcription(chunk.path, tmp_path / "chunk-000.mp3", bitrate_kbps=32, timeout=60)


def _twenty_seconds_of_speech(target: Path, *, sample_rate: int, codec: list[str], video: bool = False) -> Path:
    """5 s of tone, then a 2 s pause, repeated for 20 s, encoded with `codec` (and a video track)."""
    speech = rf"aevalsrc=0.2*sin(2*PI*300*t)*gt(mod(t\,7)\,2):s={sample_rate}:d=20"
    picture = ["-f", "lavfi", "-i", "color=c=blue:s=320x240:d=20", "-c:v", "mpeg4", "-shortest"] if video else []
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", speech, *picture, *codec, str(target)],
        check=True,
        timeout=60,
    )
    return target


def test_a_video_recording_leaves_only_its_audio_in_the_chunks(tmp_path: Path):
    # What Chime's concatenation pipeline writes: video with AAC audio in MP4.
    recording = _twenty_seconds_of_speech(tmp_path / "tour.mp4", sample_rate=48_000, codec=["-c:a", "aac"], video=True)

    prepared = prepare(recording, tmp_path / "work", chunk_seconds=8, search_seconds=2, timeout=60)

    assert len(prepared.chunks) == 3  # cut in the pauses near 8 s and 16 s
    for chunk in prepared.chunks:
        streams = _streams(chunk.path)
        assert "Audio: aac" in streams and "Video" not in streams
    assert 19_500 <= prepared.duration_ms <= 20_500


@pytest.mark.slow
def test_a_35_minute_recording_is_split_into_ten_minute_chunks_at_its_silences(tmp_path: Path):
    # 35 minutes of a tone that pauses for 2 s every 47 s, the way speakers pause, made in a second.
    source = tmp_path / "long.wav"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            r"aevalsrc=0.2*sin(2*PI*300*t)*gt(mod(t\,47)\,2):s=16000:d=2100",
            "-c:a",
            "pcm_s16le",
            str(source),
        ],
        check=True,
        timeout=60,
    )

    prepared = prepare(source, tmp_path / "work", chunk_seconds=600, search_seconds=30, timeout=120)

    chunks = prepared.chunks
    assert 2_099_000 <= prepared.duration_ms <= 2_101_000
    assert len(chunks) == 4
    offsets = [c.offset_ms for c in chunks]
    assert offsets == sorted(offsets) and offsets[0] == 0
    for cut in offsets[1:]:
        assert cut % 47_000 <= 2_100, f"cut at {cut} ms is not in a pause"  # every cut inside a pause
    for previous, cut in pairwise(offsets):
        assert 570_000 <= cut - previous <= 630_000  # within ±30 s of the 10-minute target
    upload = encode_for_transcription(chunks[0].path, tmp_path / "chunk-000.mp3", bitrate_kbps=32, timeout=60)
    assert upload.stat().st_size < WHISPER_MAX_BYTES / 8  # ~2.4 MB against the 25 MB limit
    assert sum(c.duration_ms for c in chunks) == pytest.approx(prepared.duration_ms, abs=300)


def test_a_file_that_is_not_audio_is_an_invalid_recording(tmp_path: Path):
    garbage = tmp_path / "recording.mp4"
    garbage.write_bytes(b"\x00\x01not really a media file" * 200)

    with pytest.raises(InvalidRecording, match="could not be decoded"):
        prepare(garbage, tmp_path, chunk_seconds=600, search_seconds=30, timeout=30)


def test_a_video_without_an_audio_track_is_an_invalid_recording(tmp_path: Path):
    silent_video = tmp_path / "video.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=64x64:d=1",
            "-c:v",
            "mpeg4",
            str(silent_video),
        ],
        check=True,
        timeout=60,
    )

    with pytest.raises(InvalidRecording):
        prepare(silent_video, tmp_path / "work", chunk_seconds=600, search_seconds=30, timeout=30)


def test_a_codec_matroska_cannot_hold_is_prepared_as_flac(tmp_path: Path):
    # Flash's ADPCM: ffmpeg decodes it, Matroska has no tag for it, so a stream copy fails.
    recording = _twenty_seconds_of_speech(tmp_path / "tour.flv", sample_rate=22_050, codec=["-c:a", "adpcm_swf"])

    prepared = prepare(recording, tmp_path / "work", chunk_seconds=8, search_seconds=2, timeout=60)

    assert len(prepared.chunks) == 3
    assert all("Audio: flac" in _streams(chunk.path) for chunk in prepared.chunks)
    pcm = decode_pcm(prepared.chunks[0].path, timeout=30)
    assert abs(len(pcm) / 32_000 * 1000 - prepared.chunks[0].duration_ms) < 150


def test_without_a_search_window_the_cuts_fall_on_the_targets(tmp_path: Path):
    prepared = prepare(FIXTURE, tmp_path, chunk_seconds=30, search_seconds=0, timeout=60)

    assert [c.offset_ms for c in prepared.chunks] == [0, pytest.approx(30_000, abs=100), pytest.approx(60_000, abs=100)]


def test_an_empty_window_has_no_silences_and_decodes_nothing():
    # ffmpeg reads `-t 0` as "to the end": the sample has pauses after 10 s that must not show up.
    assert detect_silences(FIXTURE, low=10.0, high=10.0, timeout=30) == []
    assert detect_silences(FIXTURE, low=10.0, high=80.0, timeout=30) != []
