"""S3 `ObjectCreated` under `uploads/` in the media bucket: validate, strip metadata, resize, record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.core.metrics import metrics
from realty.media.processing import handle_event

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = handle_event(event)
    logger.info("uploads handled", extra={"outcomes": [o.value for o in outcomes]})
    return {"outcomes": [o.value for o in outcomes]}
