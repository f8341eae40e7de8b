"""Reference point, not a target: the baseline handler plus the request validation docs/architecture.md requires.

`enable_validation=True` imports pydantic and Powertools' OpenAPI machinery, and every request model
is a pydantic class. This handler has exactly that and one model, so the cold-import table can show
how much of a function's figure is the price of the contract and how much is our own code.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel, ConfigDict

app = APIGatewayRestResolver(enable_validation=True)
_clients: dict[str, Any] = {}


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str


class Found(BaseModel):
    found: bool


def dynamodb() -> Any:
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return _clients["dynamodb"]


@app.post("/api/v1/baseline/lookup")
def lookup(body: Lookup) -> Found:
    response = dynamodb().get_item(
        TableName=os.environ["MAIN_TABLE"], Key={"PK": {"S": f"USER#{body.item_id}"}, "SK": {"S": "PROFILE"}}
    )
    return Found(found="Item" in response)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
