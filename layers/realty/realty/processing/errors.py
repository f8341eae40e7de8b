"""Errors a processing step raises to the state machine.

Lambda reports an unhandled exception as its class name (`errorType`), and the state machine's
Retry and Catch match on that name. The names below are therefore part of the contract with
`statemachines/tour_processing.asl.json`: rename one and the ASL must change with it.
"""

from __future__ import annotations


class ProcessingError(Exception):
    """A processing step failed; the message is the reason shown to the realtor."""


class UpstreamRetryable(ProcessingError):
    """An outside service (OpenAI, or AWS itself) was throttled or failed transiently: retried."""


class UpstreamPermanent(ProcessingError):
    """An outside service refused the work for good (quota exhausted, bad key, invalid input): not retried."""


class RecordingNotFound(ProcessingError):
    """The tour has no recording to process."""


class InvalidRecording(ProcessingError):
    """The recording cannot be decoded, has no audio, or is outside the limits."""


class StaleAttempt(ProcessingError):
    """This run is not the tour's current processing attempt (a newer one started): it stops quietly."""


RETRYABLE_ERRORS = (UpstreamRetryable.__name__,)
