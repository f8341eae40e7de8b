"""Where a recording is cut into chunks: near every chunk boundary, inside a silence."""

from __future__ import annotations

from itertools import pairwise

import pytest

from realty.processing.audio import Silence, SilenceFinder, parse_silences, plan_cuts


def _among(silences: list[Silence]) -> SilenceFinder:
    """The silences of a recording whose silences are all known."""
    return lambda low, high: [s for s in silences if s.end >= low and s.start <= high]


def test_only_the_minute_around_each_boundary_is_searched_for_silences():
    asked: list[tuple[float, float]] = []

    def finder(low: float, high: float) -> list[Silence]:
        asked.append((low, high))
        return [Silence(1215.0, 1216.0)] if low <= 1215.0 <= high else []

    cuts = plan_cuts(1900.0, finder, chunk_s=600, search_s=30)

    assert cuts == [600.0, 1215.5]
    # The second window is counted from the first cut; nothing else of the recording is decoded.
    assert asked == [(570.0, 630.0), (1170.0, 1230.0)]


def test_cuts_land_in_the_silence_nearest_each_boundary():
    silences = [Silence(580.0, 581.0), Silence(607.0, 609.0), Silence(1190.0, 1191.0), Silence(1250.0, 1252.0)]

    cuts = plan_cuts(1900.0, _among(silences), chunk_s=600, search_s=30)

    # 608 (the silence 7 s after 600) beats 580.5 (19.5 s before); then 608 + 600 = 1208 -> 1190.5.
    assert cuts == [608.0, 1190.5]


def test_without_a_silence_in_reach_the_cut_is_at_the_boundary():
    cuts = plan_cuts(1300.0, _among([Silence(100.0, 101.0)]), chunk_s=600, search_s=30)

    assert cuts == [600.0]


def test_a_long_silence_reaching_into_the_window_is_cut_at_the_window_edge_inside_it():
    cuts = plan_cuts(1000.0, _among([Silence(500.0, 580.0)]), chunk_s=600, search_s=30)

    assert cuts == [570.0]


def test_short_recordings_are_one_chunk_and_the_last_chunk_is_never_a_sliver():
    assert plan_cuts(59.0, _among([]), chunk_s=600, search_s=30) == []
    assert plan_cuts(749.0, _among([]), chunk_s=600, search_s=30) == []  # one 12.5-minute chunk rather than 600 + 149
    cuts = plan_cuts(1250.0, _among([]), chunk_s=600, search_s=30)
    assert cuts == [600.0]
    assert 1250.0 - cuts[-1] >= 300


@pytest.mark.parametrize("duration", [61.0, 3600.0, 7 * 3600.0])
def test_chunks_stay_near_the_target_length(duration):
    silences = [Silence(float(t), t + 0.8) for t in range(0, int(duration), 17)]

    cuts = plan_cuts(duration, _among(silences), chunk_s=600, search_s=30)

    bounds = [0.0, *cuts, duration]
    lengths = [b - a for a, b in pairwise(bounds)]
    assert cuts == sorted(cuts)
    assert all(length <= 750 for length in lengths)
    assert all(length >= 570 for length in lengths[:-1])


def test_the_search_window_never_exceeds_a_quarter_of_the_chunk():
    # A 30-second chunk with a 30-second search would allow 0-second chunks: the window shrinks.
    cuts = plan_cuts(100.0, _among([Silence(1.0, 2.0)]), chunk_s=30, search_s=30)

    assert all(b - a >= 22.5 for a, b in zip([0.0, *cuts], cuts, strict=False))


def test_silencedetect_output_is_read_including_a_silence_running_to_the_end():
    stderr = "\n".join(
        [
            "[silencedetect @ 0x1] silence_start: -0.01",
            "[silencedetect @ 0x1] silence_end: 1.5 | silence_duration: 1.51",
            "size=N/A time=00:00:10.00 bitrate=N/A",
            "[silencedetect @ 0x1] silence_start: 4.25",
            "[silencedetect @ 0x1] silence_end: 5 | silence_duration: 0.75",
            "[silencedetect @ 0x1] silence_start: 9.1",
        ]
    )

    assert parse_silences(stderr, 10.0) == [Silence(0.0, 1.5), Silence(4.25, 5.0), Silence(9.1, 10.0)]
