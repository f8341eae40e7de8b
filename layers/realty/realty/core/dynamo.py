"""DynamoDB plumbing shared by every store: (de)serialisation and the one conflict mapping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from realty.core.errors import Conflict, RateLimited, UpstreamError

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict to DynamoDB's typed form; None values are left out, floats become Decimals."""
    return {k: _serializer.serialize(_decimalize(v)) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


# DynamoDB numbers stop at 1E-130 in magnitude (and 38 significant digits, which a float's repr never
# exceeds); boto3 refuses anything closer to zero with decimal.Underflow.
_SMALLEST_NUMBER = Decimal("1E-130")


def _decimalize(value: Any) -> Any:
    if isinstance(value, float):
        number = Decimal(str(value))
        # Closer to zero than DynamoDB can store: store zero, as a float underflows to zero.
        return Decimal(0) if abs(number) < _SMALLEST_NUMBER else number
    if isinstance(value, dict):
        return {k: _decimalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimalize(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


@contextmanager
def conflicts_as(*messages: str | None) -> Iterator[None]:
    """Turn a failed condition into a `Conflict`.

    For a transaction, `messages[i]` is the message for the i-th action's condition failing (None
    where that action's failure is not a conflict the caller can act on); for a single conditional
    write, `messages[0]`. Throttling becomes 429, anything else unexpected from DynamoDB a 502.
    """
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise Conflict(messages[0] if messages and messages[0] else None) from error
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons") or []
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    message = messages[index] if index < len(messages) else None
                    raise Conflict(message) from error
            if any(r.get("Code") in {"TransactionConflict", "ThrottlingError"} for r in reasons):
                raise Conflict("the object is being changed by another request, retry") from error
            raise UpstreamError("the database refused the change, retry later") from error
        if code in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}:
            raise RateLimited("the database is busy, retry later") from error
        raise
