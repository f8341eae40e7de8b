"""The offline providers on the sample recording: pocketsphinx hears the tour, the rules find its moments."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from realty.processing import offline
from realty.processing.audio import ffmpeg_exe
from testkit.processing import FIXTURE

pytestmark = pytest.mark.slow


def test_pocketsphinx_transcribes_the_start_of_the_sample_tour(tmp_path: Path):
    # The first 28 s (five turns) keep this test quick; the state-machine test runs the whole file.
    clip = tmp_path / "clip.mp3"
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(FIXTURE), "-t", "28", "-c", "copy", str(clip)],
        check=True,
        timeout=30,
    )

    result = offline.transcribe(clip, index=2, offset_ms=60_000, duration_ms=28_000, timeout=60)

    assert result.model == "pocketsphinx-5.1.1"
    assert result.index == 2
    words = " ".join(s.text for s in result.segments).split()
    assert {"bedrooms", "price", "thousand", "dollars"} <= set(words)
    starts = [s.start_ms for s in result.segments]
    assert starts == sorted(starts)
    assert 60_000 <= starts[0] < 62_000  # shifted by the chunk's offset
    assert all(s.end_ms <= 60_000 + 28_500 for s in result.segments)
    kinds = {h.highlight_type.value for h in offline.rule_highlights(result.segments)}
    assert {"price", "feature"} <= kinds
