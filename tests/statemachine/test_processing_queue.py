"""Backpressure: a burst of tours ending together goes through the processing queue and every one is
processed, started in order of arrival, with OpenAI answering 429 above a set rate.

The queue is delivered to the drain function by the local stack's SQS event source (the same code
`make dev` runs), the state machine is the template's under moto, OpenAI the real SDK over respx.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from typing import Any

import httpx
import pytest

from testkit.processing import chat_completion, openai_error, seed_tour, tour_item, whisper_verbose

pytestmark = pytest.mark.slow

BURST = int(os.environ.get("REALTY_PROCESSING_BURST", "30"))
RUNNING_AT_ONCE = 3
# The fake OpenAI tier: this many requests in any second, a 429 (rate_limit_exceeded) above it.
REQUESTS_PER_SECOND = 8


class RateLimitedOpenAI:
    """Answers Whisper and chat like OpenAI, and 429 for a request over REQUESTS_PER_SECOND."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self.limited = 0
        self.answered = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0] > 1.0:
                self._recent.popleft()
            if len(self._recent) >= REQUESTS_PER_SECOND:
                self.limited += 1
                error = openai_error(429, "rate_limit_exceeded", "Rate limit reached", "requests")
                return httpx.Response(429, json=error)
            self._recent.append(now)
            self.answered += 1
        if request.url.path.endswith("/audio/transcriptions"):
            return httpx.Response(200, json=whisper_verbose([(1.0, 4.0, "The asking price is fair.")]))
        schema = json.loads(request.content)["response_format"]["json_schema"]["name"]
        content: dict[str, Any] = (
            {"highlights": [{"timestamp_ms": 1_000, "highlight_type": "price", "note": "Price", "quote": "fair"}]}
            if schema == "LlmHighlights"
            else {"overview": "A house.", "liked": [], "concerns": [], "questions_for_seller": [], "next_steps": []}
        )
        return httpx.Response(200, json=chat_completion(content))


class DrainOnly:
    """The local event source's view of the functions: only the drain, run with a Lambda context."""

    def __init__(self) -> None:
        from testkit.api import load_function

        self._handler = load_function("processing").drain_queue

    def invoke(self, key: str, event: Any, *, request_id: str | None = None) -> Any:
        from testkit.stepfunctions import TaskContext

        return self._handler(event, TaskContext(key, 30, request_id or "drain"))


def test_a_burst_is_processed_completely_in_order_of_arrival_without_rate_limit_failures(
    processing_aws, people, openai_api, monkeypatch
):
    import local.events as events
    from realty.core.config import reset_settings
    from realty.processing import store
    from realty.processing.service import start_processing

    monkeypatch.setenv("PROCESSING_QUEUE_URL", os.environ["TESTKIT_PROCESSING_QUEUE_URL"])
    monkeypatch.setenv("PROCESSING_MAX_RUNNING", str(RUNNING_AT_ONCE))
    reset_settings()
    monkeypatch.setattr(events, "SQS_RETRY_SECONDS", 0)
    openai = RateLimitedOpenAI()
    openai_api.post("/audio/transcriptions").mock(side_effect=openai)
    openai_api.post("/chat/completions").mock(side_effect=openai)
    started: list[str] = []
    start_execution = store.start_execution

    def recorded(name: str, payload: dict[str, Any]) -> str | None:
        started.append(str(payload["tour_id"]))
        return start_execution(name, payload)

    monkeypatch.setattr(store, "start_execution", recorded)
    realtor, buyer = people
    tours = [seed_tour(realtor, buyer) for _ in range(BURST)]

    for tour_id in tours:  # the recordings arrive, in this order
        start_processing(tour_id, attempt=1)

    assert started == []  # nothing starts until the queue is drained
    import boto3

    queue_url = os.environ["PROCESSING_QUEUE_URL"]
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    subscription = events.QueueSubscription(
        "ProcessingQueueFunction", queue_url, arn["Attributes"]["QueueArn"], 10, reports_item_failures=True
    )
    hub = events.SqsEventSourceHub(events.EventSourceContext(DrainOnly(), None, boto3.client))  # type: ignore[arg-type]
    most_running = 0
    deadline = time.monotonic() + 60 + 10 * BURST
    while time.monotonic() < deadline:
        hub.deliver_once(subscription)
        most_running = max(most_running, store.running_executions(up_to=BURST))
        statuses = [(tour_item(tour_id) or {}).get("status") for tour_id in tours]
        if all(status in ("processed", "processing_failed") for status in statuses):
            break
        time.sleep(0.2)

    statuses = [(tour_item(tour_id) or {}).get("status") for tour_id in tours]
    assert statuses == ["processed"] * BURST, [(tours[i], s) for i, s in enumerate(statuses) if s != "processed"]
    assert started == tours  # in order of arrival, each once
    assert most_running <= RUNNING_AT_ONCE
    assert openai.answered >= 2 * BURST  # every tour reached OpenAI (Whisper and the LLM), none fell back
