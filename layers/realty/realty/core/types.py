"""Field types shared by request models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

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
