"""Reference point: the stack every function must carry, after the cold-start cut (the 1.1x target's
denominator).

Request validation (`enable_validation=True`, one pydantic model), the Powertools Logger and Metrics,
a Tracer, an AWS client, with the cuts the layer's shared pieces made (docs/decisions.md,
"Performance"), so the functions are compared with the same stack:

- the Tracer (the X-Ray SDK and its botocore patch) is built on the first invocation X-Ray samples,
  not at import (`realty.core.observability`);
- the client comes from a botocore session, not boto3 (`realty.core.aws`);
- the model's validator is built on first use (`defer_build`, as `realty.core.models.Model`);
- Powertools' `event_handler/__init__` is read, not run, so the resolvers it would import and no
  function uses are not loaded (`realty.core.imports`, as `realty.core.api`).

`bench/instrumented_before_handler.py` is the same stack before the cut.
"""

from __future__ import annotations

import os
from typing import Any

import botocore.session
from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel, ConfigDict

from realty.core.imports import defer_package_init

defer_package_init("aws_lambda_powertools.event_handler")  # as realty.core.api does, before the import below

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver  # noqa: E402

app = APIGatewayRestResolver(enable_validation=True)
logger = Logger()
metrics = Metrics()
_state: dict[str, Any] = {}


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    item_id: str


class Found(BaseModel):
    model_config = ConfigDict(defer_build=True)

    found: bool


def dynamodb() -> Any:
    if "dynamodb" not in _state:
        session = botocore.session.get_session()
        _state["dynamodb"] = session.create_client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return _state["dynamodb"]


@app.post("/api/v1/baseline/lookup")
def lookup(body: Lookup) -> Found:
    response = dynamodb().get_item(
        TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": f"USER#{body.item_id}"}, "SK": {"S": "PROFILE"}}
    )
    return Found(found="Item" in response)


def _resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)


@metrics.log_metrics(raise_on_empty_metrics=False)
def _measured(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "traced" not in _state and "Sampled=1" in os.environ.get("_X_AMZN_TRACE_ID", ""):
        from aws_lambda_powertools import Tracer

        _state["traced"] = Tracer(patch_modules=("botocore",)).capture_lambda_handler(_resolve, capture_response=False)
    handler = _state.get("traced", _resolve)
    result: dict[str, Any] = handler(event, context)
    return result


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _measured(event, context)
