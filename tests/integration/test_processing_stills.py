"""Stills: ffmpeg takes the frame shown at a moment of the tour's video (the generated sample writes
its second into every frame, so a still can be read back and checked)."""

from __future__ import annotations

import pytest

from realty.processing import stills
from testkit.processing import VIDEO_FIXTURE
from tests.support.video import frame_second


@pytest.mark.parametrize("at_ms", [0, 5_500, 33_200, 61_000, 84_900])
def test_a_still_is_the_frame_shown_at_that_moment(tmp_path, at_ms):
    out = stills.take_still(VIDEO_FIXTURE, at_ms, tmp_path / "still.jpg")

    assert out is not None
    # 2 frames a second: the frame shown is at most half a second after the moment asked for.
    assert frame_second(out.read_bytes()) in {at_ms // 1000, (at_ms + 500) // 1000}


def test_no_frame_past_the_end_and_no_frame_from_a_file_that_is_not_video(tmp_path):
    assert stills.take_still(VIDEO_FIXTURE, 10_000_000, tmp_path / "late.jpg") is None
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 512)
    assert stills.take_still(broken, 1_000, tmp_path / "broken.jpg") is None
