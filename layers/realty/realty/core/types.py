"""Field types shared by request models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

# Deliberately simple (one @, a dotted domain, no spaces): Cognito is the real judge, and
# email-validator would add ~60 ms to every API function's cold start.
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


# Names, addresses and cities end up in email headers and calendar lines: one line, no control characters.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"


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
