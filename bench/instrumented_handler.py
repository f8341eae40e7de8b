"""Reference point, not a target: the validating handler instrumented as docs/architecture.md and the observability
work require of every function (Powertools Logger, Metrics and Tracer with botocore patched).

With `bench/validating_handler.py` it splits a function's cold-import figure into the price of the
required stack and the cost of our own code above it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

from bench import validating_handler

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore",))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return validating_handler.lambda_handler(event, context)
