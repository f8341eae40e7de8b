"""Lambda TOKEN authorizer for the REST API (docs/architecture.md#request-path)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.auth.authorizer import authorize
from realty.core.errors import Unauthorized
from realty.core.observability import instrument_handler

logger = Logger()


# A TOKEN event carries no API request id: the X-Ray trace id in each log line joins it to the request.
@instrument_handler()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return authorize(event.get("authorizationToken"), str(event.get("methodArn", "")))
    except Unauthorized as rejection:
        logger.info("token rejected", extra={"reason": rejection.message})
        # API Gateway answers 401 (our UNAUTHORIZED gateway response) for exactly this message.
        raise Exception("Unauthorized") from None  # noqa: TRY002
