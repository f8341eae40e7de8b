"""Draining the processing queue: executions start in order of arrival, never more running at once
than the OpenAI tier carries (docs/processing.md, "The queue").

A burst of tours ending together would otherwise start as many executions, whose Whisper and LLM
calls exceed the account's OpenAI rate limit; retries then only spread the same overload, and runs
fail after their last retry. Here the queue holds the starts and a single drain (reserved concurrency
1, one FIFO message group) starts the oldest ones while fewer than `processing_max_running`
executions run. What cannot start yet is handed back to the queue, still first in line.
"""

from __future__ import annotations

from dataclasses import dataclass

from realty.core.config import get_settings
from realty.core.errors import UpstreamError
from realty.core.metrics import count
from realty.processing import store
from realty.processing.service import execution_name
from realty.tours.states import TourStatus


@dataclass(frozen=True)
class QueuedStart:
    """One message of the queue: the attempt of a tour that waits for its execution."""

    message_id: str
    tour_id: str
    attempt: int


def drain(starts: list[QueuedStart]) -> list[str]:
    """Start the executions of `starts` (in the queue's order) while there is room.

    Returns the message ids to hand back: the first start that could not be made and every one after
    it, so that the queue keeps them in order (a FIFO group delivers nothing behind a message that
    is not yet done). A start whose attempt is no longer the tour's (reprocessed, or failed meanwhile)
    is dropped.
    """
    if not starts:
        return []
    limit = get_settings().processing_max_running
    room = limit - store.running_executions(up_to=limit)
    for index, start in enumerate(starts):
        if not _current(start):
            count("TourProcessingDropped")
            continue
        if room <= 0:
            count("TourProcessingDeferred", len(starts) - index)
            return [later.message_id for later in starts[index:]]
        try:
            arn = store.start_execution(
                execution_name(start.tour_id, start.attempt), {"tour_id": start.tour_id, "attempt": start.attempt}
            )
        except UpstreamError:
            # Step Functions throttled or failed: try this one again, first, with the next delivery.
            return [later.message_id for later in starts[index:]]
        if arn is not None:  # None: that execution exists already (a repeated message)
            room -= 1
            count("TourProcessingStarted")
    return []


def _current(start: QueuedStart) -> bool:
    tour = store.get_tour(start.tour_id)
    return tour is not None and tour.status is TourStatus.PROCESSING and tour.processing_attempt == start.attempt
