"""Reference point, frozen: the instrumented stack as it stood before the cold-start cut.

The validating handler (boto3, one pydantic model built at import) with the Powertools Logger,
Metrics and a Tracer built at import (the X-Ray SDK loaded, botocore patched), as every function
carried it. `bench/instrumented_handler.py` is the same stack after the cut; the cold-import table
compares the two in the same run (target: the new one at least 15% faster).
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
