"""The Lambda tasks of the tour-processing state machine (one template function per handler).

Each handler validates its Task input, runs one pipeline step and returns a small JSON result.
Exceptions propagate on purpose: Lambda reports their class name, and the state machine's Retry
and Catch decide on it (see `realty.processing.errors`). Transient AWS failures are renamed
`UpstreamRetryable` here so the state machine retries them like OpenAI's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from realty.core.metrics import metrics
from realty.processing import pipeline
from realty.processing.errors import UpstreamRetryable
from realty.processing.models import (
    AnalysisInput,
    DownloadInput,
    FailureInput,
    FinalizeInput,
    MergeInput,
    PrepareInput,
    TranscribeInput,
)

logger = Logger()

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_TRANSIENT_AWS_CODES = {
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "TransactionConflict",
    "InternalServerError",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
}


def _transient(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    reasons = error.response.get("CancellationReasons") or []
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return (
        code in _TRANSIENT_AWS_CODES
        or status >= 500
        or any(r.get("Code") in {"TransactionConflict", "ThrottlingError"} for r in reasons)
    )


def step(run: Callable[[dict[str, Any], LambdaContext], Any]) -> Handler:
    @functools.wraps(run)
    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if isinstance(event, dict):
            logger.append_keys(tour_id=event.get("tour_id"), attempt=event.get("attempt"))
        try:
            result = run(event, context)
        except ClientError as error:
            if _transient(error):
                raise UpstreamRetryable(f"AWS was busy ({error.response.get('Error', {}).get('Code')})") from error
            raise
        except BotoCoreError as error:
            raise UpstreamRetryable(f"AWS could not be reached ({type(error).__name__})") from error
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
    return pipeline.mark_failed(FailureInput.model_validate(event))
