"""Field types shared by request models."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)

# Deliberately simple (one @, a dotted domain, no spaces): Cognito is the real judge, and
# email-validator would add ~60 ms to every API function's cold start.
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


# Names, addresses, cities and tags end up in email headers and calendar lines: one line, no control
# characters. That is C0 and DEL, the C1 controls (U+0080-U+009F, NEL among them) and the Unicode
# line and paragraph separators, which mail and calendar clients may break lines on. The same
# pattern is in the OpenAPI document (ECMA-262 reads these escapes as Python and pydantic do).
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL_RE.match(value):
        raise ValueError("value is not a valid email address")
    return value


# Documented as `format: email`, so clients (and the fuzzer) send what the check accepts.
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


# ---------------------------------------------------------------- fields of partial updates

T = TypeVar("T")


def _refuse_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"{info.field_name} may be left out but not null")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    """The field's JSON schema without pydantic's `null` branch and `default: null` (the contract says
    what a client may send: the value, or nothing)."""
    branches = [branch for branch in schema.pop("anyOf", []) if branch != {"type": "null"}]
    if len(branches) == 1:
        schema.update({key: value for key, value in branches[0].items() if key not in schema})
    elif branches:
        schema["anyOf"] = branches
    if "default" in schema and schema["default"] is None:
        del schema["default"]


# A field of a partial update: absent means "unchanged", and an explicit null is refused with a 422
# naming the field (erasing is not what these fields do). Documented as not nullable, so the
# OpenAPI document and the behaviour agree; declare it with `= None`.
Omittable = Annotated[T | None, BeforeValidator(_refuse_null), Field(json_schema_extra=_not_nullable)]


# ---------------------------------------------------------------- integers


def _whole_number(value: Any) -> Any:
    # JSON does not tell 60 from 60.0, and JSON Schema's `integer` accepts both: so do we.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Marks a StrictInt as an integer as JSON Schema means it: 60 and 60.0, never "60", true or 60.5.
# Put it after the bounds (`Annotated[StrictInt, Field(ge=1), WHOLE_NUMBER]`): bounds written after a
# validator would no longer be documented as `minimum`/`maximum`.
WHOLE_NUMBER = BeforeValidator(_whole_number)
