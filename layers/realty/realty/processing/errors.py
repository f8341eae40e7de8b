"""Errors a processing step raises to the state machine.

Lambda reports an unhandled exception as its class name (`errorType`), and the state machine's
Retry and Catch match on that name. The names below are therefore part of the contract with
`statemachines/tour_processing.asl.json`: rename one and the ASL must change with it. An outside
service's failures (`UpstreamRetryable`, `UpstreamPermanent`) are the adapters' own, in
`realty.adapters.errors`.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from realty.adapters.errors import UpstreamRetryable


class ProcessingError(Exception):
    """A processing step failed; the message is the reason shown to the realtor."""


class RecordingNotFound(ProcessingError):
    """The tour has no recording to process."""


class InvalidRecording(ProcessingError):
    """The recording cannot be decoded, has no audio, or is outside the limits."""


class StaleAttempt(ProcessingError):
    """This run is not the tour's current processing attempt (a newer one started): it stops quietly."""


RETRYABLE_ERRORS = (UpstreamRetryable.__name__,)

# AWS error codes that say "busy or briefly broken, try again" (any 5xx is too).
_TRANSIENT_AWS_CODES = frozenset(
    {
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
)
_TRANSIENT_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError"})


def retryable_aws_error(error: BaseException) -> UpstreamRetryable | None:
    """What an AWS failure inside a step becomes so that the state machine retries it: throttling,
    a 5xx or an unreachable endpoint is an `UpstreamRetryable`; anything else is None (raised as is,
    and the step's Catch fails the tour)."""
    if isinstance(error, BotoCoreError):
        return UpstreamRetryable(f"AWS could not be reached ({type(error).__name__})")
    if not isinstance(error, ClientError):
        return None
    code = error.response.get("Error", {}).get("Code", "")
    reasons = error.response.get("CancellationReasons") or []
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    transient = (
        code in _TRANSIENT_AWS_CODES
        or status >= 500
        or any(reason.get("Code") in _TRANSIENT_CANCELLATIONS for reason in reasons)
    )
    return UpstreamRetryable(f"AWS was busy ({code})") if transient else None
