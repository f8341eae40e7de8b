"""The Lambda tasks of the tour-processing state machine (one template function per handler).

Each handler validates its Task input, runs one pipeline step and returns a small JSON result.
Exceptions propagate on purpose: Lambda reports their class name, and the state machine's Retry
and Catch decide on it (see `realty.processing.errors`). Transient AWS failures are renamed
`UpstreamRetryable` (`retryable_aws_error`) so the state machine retries them like OpenAI's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.core.observability import EVENTBRIDGE_ID, instrument_handler
from realty.processing import pipeline
from realty.processing.errors import retryable_aws_error
from realty.processing.steps import (
    AnalysisInput,
    DownloadInput,
    FinalizeInput,
    MergeInput,
    PrepareInput,
    TranscribeInput,
)

logger = Logger()

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def step(run: Callable[[dict[str, Any], LambdaContext], Any]) -> Handler:
    # Every step of one tour's processing logs the tour id as its correlation id (an EventBridge event
    # reaching mark_failed, its event id); `wraps` first, so the trace's subsegment is named after the step.
    @instrument_handler(correlation_id_path=f"tour_id || {EVENTBRIDGE_ID}")
    @functools.wraps(run)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if isinstance(event, dict):
            logger.append_keys(tour_id=event.get("tour_id"), attempt=event.get("attempt"))
        try:
            result = run(event, context)
        except Exception as error:
            retryable = retryable_aws_error(error)
            if retryable is None:
                raise
            raise retryable from error
        return dict(result.model_dump(mode="json"))

    return handler


def _time_left(context: LambdaContext) -> Callable[[], float]:
    return lambda: context.get_remaining_time_in_millis() / 1000


@step
def download_recording(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.download_recording(DownloadInput.model_validate(event))


@step
def prepare_audio(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.prepare_audio(PrepareInput.model_validate(event), _time_left(context))


@step
def transcribe_chunk(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.transcribe_chunk(TranscribeInput.model_validate(event), _time_left(context))


@step
def merge_transcript(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.merge_transcript(MergeInput.model_validate(event))


@step
def detect_highlights(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.detect_highlights(AnalysisInput.model_validate(event), _time_left(context))


@step
def generate_summary(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.generate_summary(AnalysisInput.model_validate(event), _time_left(context))


@step
def finalize(event: dict[str, Any], context: LambdaContext) -> Any:
    return pipeline.finalize(FinalizeInput.model_validate(event))


@step
def mark_failed(event: dict[str, Any], context: LambdaContext) -> Any:
    # From the state machine's Catch, or EventBridge's status change of an execution that stopped.
    return pipeline.mark_failed(pipeline.failure_input(event))


@instrument_handler()
def drain_queue(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The processing queue's SQS batch (in order): start what there is room for, hand the rest back
    as batch item failures, which the queue delivers again, still first in line."""
    from realty.processing.queue import QueuedStart, drain

    starts = []
    for record in event.get("Records", []):
        body = json.loads(record["body"])
        starts.append(QueuedStart(message_id=record["messageId"], tour_id=body["tour_id"], attempt=body["attempt"]))
    deferred = drain(starts)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in deferred]}
