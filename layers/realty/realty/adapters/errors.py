"""What an outside service's failure becomes: try again later, or give up.

Adapters raise these (the OpenAI adapter translates every SDK failure into one of them), and the
processing steps raise them too for AWS's own throttling (`realty.processing.errors`). Lambda
reports an unhandled exception by its class name, and the processing state machine retries on
`UpstreamRetryable` and fails the tour on anything else: the names are part of the contract with
`statemachines/tour_processing.asl.json`, rename one and the ASL must change with it.
"""

from __future__ import annotations


class UpstreamFailure(Exception):
    """An outside service failed; the message is the reason shown to the realtor."""


class UpstreamRetryable(UpstreamFailure):
    """An outside service (OpenAI, or AWS itself) was throttled or failed transiently: retried."""


class UpstreamPermanent(UpstreamFailure):
    """An outside service refused the work for good (quota exhausted, bad key, invalid input): not retried."""
