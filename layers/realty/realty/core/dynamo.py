"""DynamoDB plumbing shared by every store: (de)serialisation and the one conflict mapping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

from botocore.exceptions import ClientError

from realty.core.errors import Conflict, RateLimited, UpstreamError

# DynamoDB's own number range and precision: a number it would round or refuse raises here instead.
_DYNAMODB_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict to DynamoDB's typed form; None values are left out, floats become Decimals."""
    return {k: _typed(_decimalize(v)) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_untyped(v)) for k, v in item.items()}


# Our own (de)serialiser rather than boto3's `boto3.dynamodb.types`: importing that imports all of
# boto3 (s3transfer, resources), ~20 ms of every cold start, for what botocore clients never need.
# Same mapping and the same refusals (floats, numbers DynamoDB cannot hold, unknown types); binary
# values read back as bytes where boto3 wraps them in its `Binary` (no item of ours holds any), and a
# set holding booleans is refused where boto3 would store them as the numbers 0 and 1.


def _typed(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": value}
    if isinstance(value, Set):
        for kind, test, convert in (("NS", _is_number, _number), ("SS", _is_str, _as_is), ("BS", _is_bytes, bytes)):
            if all(test(v) for v in value):
                return {kind: [convert(v) for v in value]}
    elif isinstance(value, Mapping):
        return {"M": {k: _typed(v) for k, v in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [_typed(v) for v in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _as_is(value: Any) -> Any:
    # A str subclass (a str-valued Enum) goes out as its value, as boto3 and botocore's JSON send it.
    return value


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray)


def _number(value: int | Decimal) -> str:
    number = str(_DYNAMODB_NUMBERS.create_decimal(value))
    if number in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return number


def _untyped(value: Mapping[str, Any]) -> Any:
    if not value:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind, data = next(iter(value.items()))
    if kind in ("S", "BOOL", "B"):
        return data
    if kind == "N":
        return _DYNAMODB_NUMBERS.create_decimal(data)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _untyped(v) for k, v in data.items()}
    if kind == "L":
        return [_untyped(v) for v in data]
    if kind == "NS":
        return {_DYNAMODB_NUMBERS.create_decimal(v) for v in data}
    if kind in ("SS", "BS"):
        return set(data)
    raise TypeError(f"Dynamodb type {kind} is not supported")


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
