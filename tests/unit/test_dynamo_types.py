"""Our DynamoDB (de)serialiser against boto3's, which it replaces to keep boto3 out of cold starts."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from realty.core.dynamo import from_item, to_item


class Status(str, Enum):  # noqa: UP042 - deliberately not StrEnum: its str() is "Status.PENDING"
    PENDING = "pending"
    CONFIRMED = "confirmed"


ITEM: dict[str, Any] = {
    "text": "12 Main St",
    "empty": "",
    "count": 3,
    "negative": -42,
    "price": Decimal("450000.50"),
    "ratio": 0.25,
    "huge": Decimal("9.99E+125"),
    "precise": Decimal("1.2345678901234567890123456789012345678"),
    "flag": True,
    "off": False,
    "tags": {"garden", "garage"},
    "floors": {1, 2},
    "nested": {"city": "Springfield", "geo": {"lat": 39.78, "lng": -89.65}, "rooms": [1, "two", None, {"x": 1}]},
    "nothing": None,
    "list": [],
    "photo": b"\x00\xffjpeg",
    "pair": ("a", 1),
    "frozen": frozenset({"x", "y"}),
    "statuses": {Status.PENDING, Status.CONFIRMED},
}


def test_an_item_is_written_exactly_as_boto3_would_write_it():
    boto3_typed = {k: TypeSerializer().serialize(v) for k, v in to_item_input(ITEM).items()}

    ours = to_item(ITEM)

    assert _comparable(ours) == _comparable(boto3_typed)
    assert "nothing" not in ours  # None attributes are left out, not stored as NULL


def test_an_item_reads_back_as_boto3_reads_it_with_plain_numbers():
    typed = to_item(ITEM)
    boto3_plain = {k: TypeDeserializer().deserialize(v) for k, v in typed.items()}

    plain = from_item(typed)

    assert plain.keys() == boto3_plain.keys()
    assert plain["count"] == 3 and isinstance(plain["count"], int)
    assert plain["price"] == 450000.5 and plain["ratio"] == 0.25
    assert plain["tags"] == ["garage", "garden"] and plain["floors"] == [1, 2]  # sets as sorted lists
    assert plain["nested"] == {
        "city": "Springfield",
        "geo": {"lat": 39.78, "lng": -89.65},
        "rooms": [1, "two", None, {"x": 1}],
    }
    assert plain["text"] == boto3_plain["text"] and plain["flag"] is True and plain["off"] is False
    assert plain["photo"] == b"\x00\xffjpeg" and plain["pair"] == ["a", 1] and plain["frozen"] == ["x", "y"]
    assert plain["statuses"] == ["confirmed", "pending"]  # an Enum's value, never "Status.PENDING"


@pytest.mark.parametrize(
    "value",
    [Decimal("1E+130"), Decimal("1.23456789012345678901234567890123456789012"), Decimal("Infinity"), Decimal("NaN")],
)
def test_a_number_dynamodb_cannot_hold_is_refused_as_boto3_refuses_it(value):
    with pytest.raises((ArithmeticError, TypeError)) as boto3_error:
        TypeSerializer().serialize(value)
    with pytest.raises((ArithmeticError, TypeError)) as ours:
        to_item({"n": value})

    assert type(ours.value) is type(boto3_error.value)


def test_a_value_of_no_dynamodb_type_is_refused():
    with pytest.raises(TypeError, match="Unsupported type"):
        to_item({"when": object()})
    with pytest.raises(TypeError, match="Unsupported type"):
        to_item({"mixed": {"a", 1}})  # a set holds one type
    with pytest.raises(TypeError, match="not supported"):
        from_item({"x": {"ZZ": "?"}})


def to_item_input(item: dict[str, Any]) -> dict[str, Any]:
    """What boto3 is given: the same values with floats as Decimals and None left out (as to_item does)."""

    def decimal(value: Any) -> Any:
        if isinstance(value, float):
            return Decimal(str(value))
        if isinstance(value, dict):
            return {k: decimal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decimal(v) for v in value]
        return value

    return {k: decimal(v) for k, v in item.items() if v is not None}


def _comparable(typed: Any) -> Any:
    """Sets come out in any order: compare their members sorted."""
    if isinstance(typed, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _comparable(v) for k, v in typed.items()}
    if isinstance(typed, list):
        return [_comparable(v) for v in typed]
    return typed
