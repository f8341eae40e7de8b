"""The processing bench's target: the whole execution against its critical path, from the execution history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench.processing import critical_path

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _state(name: str, start: float, end: float) -> list[dict]:
    return [
        {"type": "TaskStateEntered", "timestamp": _at(start), "stateEnteredEventDetails": {"name": name}},
        {"type": "TaskStateExited", "timestamp": _at(end), "stateExitedEventDetails": {"name": name}},
    ]


def _iteration(index: int, start: float, end: float) -> list[dict]:
    details = {"name": "TranscribeChunks", "index": index}
    return [
        {"type": "MapIterationStarted", "timestamp": _at(start), "mapIterationStartedEventDetails": details},
        {"type": "MapIterationSucceeded", "timestamp": _at(end), "mapIterationSucceededEventDetails": details},
    ]


def _history(map_gap: float = 0.0) -> list[dict]:
    events = [{"type": "ExecutionStarted", "timestamp": _at(0)}]
    events += _state("DownloadRecording", 0, 1) + _state("PrepareAudio", 1, 11)
    events += [
        {"type": "MapStateEntered", "timestamp": _at(11), "stateEnteredEventDetails": {"name": "TranscribeChunks"}}
    ]
    # Three chunks in parallel; the slowest (index 1) takes 30 s, then the Map waits `map_gap` more.
    events += _iteration(0, 11, 31) + _iteration(1, 11, 41) + _iteration(2, 12, 25)
    events += [
        {
            "type": "MapStateExited",
            "timestamp": _at(41 + map_gap),
            "stateExitedEventDetails": {"name": "TranscribeChunks"},
        }
    ]
    t = 41 + map_gap
    for name, seconds in (("MergeTranscript", 1), ("DetectHighlights", 3), ("GenerateSummary", 4), ("Finalize", 1)):
        events += _state(name, t, t + seconds)
        t += seconds
    return [*events, {"type": "ExecutionSucceeded", "timestamp": _at(t)}]


def test_the_critical_path_is_the_tasks_plus_the_slowest_chunk():
    measured = critical_path(_history())
    # 1 + 10 (download, preparation) + 30 (the slowest chunk) + 1 + 3 + 4 + 1 (merge to finalize)
    assert measured["critical_path_seconds"] == 50
    assert measured["slowest_iteration_seconds"] == 30
    assert measured["execution_seconds"] == 50
    assert measured["ratio"] == 1.0


def test_orchestration_overhead_shows_in_the_ratio():
    measured = critical_path(_history(map_gap=10))  # the Map took 10 s longer than its slowest chunk
    assert measured["critical_path_seconds"] == 50
    assert measured["execution_seconds"] == 60
    assert measured["ratio"] == pytest.approx(1.2)


def test_a_history_without_map_iterations_is_refused():
    history = [event for event in _history() if not event["type"].startswith("MapIteration")]
    with pytest.raises(AssertionError):
        critical_path(history)
