"""The baselines every function is compared with.

`lambda_handler` is the bare handler of the brief: Powertools' REST resolver, boto3 and one GetItem,
nothing else. Cold imports compare every function's import time with this module's; the warm
latency bench invokes it beside each route.

`bench/validating_handler.py` is the second reference point: the same handler with the request
validation docs/architecture.md requires (`enable_validation=True`, a pydantic body model). It is not a target,
it shows how much of a function's cold start is the price of that requirement.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()
_clients: dict[str, Any] = {}

BASELINE_PATH = "/api/v1/baseline/{id}"


def dynamodb() -> Any:
    """Created lazily and once, as our own functions do (and after the emulator has started)."""
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return _clients["dynamodb"]


def reset() -> None:
    _clients.clear()


@app.get("/api/v1/baseline/<item_id>")
def get_item(item_id: str) -> dict[str, Any]:
    response = dynamodb().get_item(
        TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": f"USER#{item_id}"}, "SK": {"S": "PROFILE"}}
    )
    return {"success": True, "data": {"id": item_id, "found": "Item" in response}}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
