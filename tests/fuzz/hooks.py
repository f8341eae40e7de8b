"""Schemathesis hooks for fuzzing the local stack (`SCHEMATHESIS_HOOKS=tests.fuzz.hooks`).

- `envelope`: a custom check; every body is `{success, data | errors, meta}` and `success` agrees
  with the status.
- `map_case`: most path parameters become ids of real objects (the runner writes them to the JSON
  file named by `REALTY_FUZZ_SEEDS`), so the fuzzer gets past the 404 and reaches each handler's
  own validation and state rules; the rest keep their generated (odd, long, unicode) values.
- `filter_case`: no password reset for the demo accounts the run signs in as.
- `filter_failure`: a 503 `NOT_CONFIGURED` is the documented answer of a provider that is not
  configured (Stripe has no keys locally); it is not a server error of ours. A schema-valid request
  refused for a rule no schema can state (`BUSINESS_RULES`, by the field the error names) is not a
  disagreement of the contract; any other one is.

Loaded into the `st` process by `tests.fuzz.run` (through `SCHEMATHESIS_HOOKS`).
"""

from __future__ import annotations

import json
import os
import re
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.checks import CheckContext

SEEDS_ENV = "REALTY_FUZZ_SEEDS"
PROTECTED = "protected"  # seeds of this kind (the signed-in users' ids) are never used as path values
# Out of 8 generated path values, this many are swapped for a real id (chosen by a stable hash, so a
# seeded run asks the same questions every time).
REAL_ID_SHARE = 6
# Which seeded ids fit a path parameter: the collection segment right before it.
_KIND_BY_SEGMENT = {"tours": "tour", "properties": "property", "bookings": "booking", "calls": "call", "users": "user"}
_PARAMETER = re.compile(r"\{([^}]+)\}")
# The local Cognito (moto) accepts any confirmation code, so a password reset for an email the fuzzer
# learnt from a response (GET /auth/me) would really change it and sign the next role run out.
PASSWORD_RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"
SIGNED_IN_EMAILS = frozenset({"admin@example.com", "realtor@example.com", "buyer@example.com"})


@cache
def seeds() -> dict[str, list[str]]:
    path = os.environ.get(SEEDS_ENV)
    if not path:
        return {}
    loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(kind): [str(value) for value in values] for kind, values in loaded.items() if values}


def kind_of(path: str, parameter: str) -> str | None:
    """`/api/v1/realtors/tours/{id}/notes` + `id` -> `tour`; `{image_id}` -> `image`."""
    if parameter != "id":
        return parameter.removesuffix("_id") or None
    segments = path.strip("/").split("/")
    position = segments.index("{id}")
    return _KIND_BY_SEGMENT.get(segments[position - 1]) if position else None


def _stable_hash(value: Any) -> int:
    return zlib.crc32(repr(value).encode("utf-8", "backslashreplace"))


@schemathesis.hook
def map_case(context: HookContext, case: Case) -> Case:
    operation = context.operation
    if operation is None or not case.path_parameters:
        return case
    path = operation.path
    for parameter in _PARAMETER.findall(path):
        kind = kind_of(path, parameter)
        candidates = seeds().get(kind or "", [])
        if not candidates or parameter not in case.path_parameters:
            continue
        value = case.path_parameters[parameter]
        fingerprint = _stable_hash((path, parameter, value))
        # Ids learnt from responses include the demo users other role runs sign in as: never aim
        # an admin's change or deletion at them.
        if fingerprint % 8 < REAL_ID_SHARE or value in seeds().get(PROTECTED, []):
            case.path_parameters[parameter] = candidates[(fingerprint // 8) % len(candidates)]
    return case


@schemathesis.hook
def filter_case(context: HookContext, case: Case) -> bool:
    """Never reset the password of an account the run signs in as (moto takes any code, see below)."""
    if context.operation is None or context.operation.path != PASSWORD_RESET_CONFIRM:
        return True
    body = case.body if isinstance(case.body, dict) else {}
    return str(body.get("email", "")).strip().lower() not in SIGNED_IN_EMAILS


# Rules a JSON schema cannot state, by the field their 400/422 names. A request the document calls
# valid may break one of these and be refused; any other schema-valid request refused as malformed
# is a disagreement between the contract and the API (`positive_data_acceptance`).
BUSINESS_RULES = {
    "cursor": "an opaque cursor authenticates the query it came from; a made-up one is refused",
    "from": "a date or date-time, parsed as such",
    "to": "a date or date-time, parsed as such",
    "code": "Cognito decides whether a confirmation or reset code is right",
    "email": "Cognito checks an address more strictly than `format: email` does",
    "password": "Cognito's password policy (length and character classes)",
    "new_password": "Cognito's password policy (length and character classes)",
    "scheduled_at": "a tour starts between the minimum lead time and the booking horizon",
    "property_id": "your own listing, or one not open for tours, cannot be booked",
    "max_price": "a price range's maximum is not below its minimum",
    "resource_type": "resource_type and resource_id filter the audit log together",
    "resource_id": "resource_type and resource_id filter the audit log together",
    "time_zone": "an IANA time zone name the time zone database knows",
    "quiet_hours.time_zone": "an IANA time zone name the time zone database knows",
    "tour_lengths": "allowed tour lengths are distinct",
    "duration_minutes": "a tour lasts one of the lengths its listing allows",
    "expires_at": "an instant, in the future and within five years",
    "hours": "a day's ranges each end after they start and never overlap",
    "schedule": "a listing's own hours and lengths follow the availability rules",
    "ends_at": "a block or opening ends after it starts",
    "quiet_hours": "quiet hours are a start and an end in a known time zone",
    "status": "an admin's status change is sent alone, without a new time or notes",
    "reason": "a reason goes with an admin's status: declined",
    "starts_at": "a block or opening starts on a 15-minute boundary",
    "question": "a question's length is counted without the spaces around it",
}


def _business_rule(field: str | None) -> bool:
    """The field, or the object it sits in (`hours.monday.0` under `hours`), is a business rule's."""
    return field is not None and any(field == rule or field.startswith(rule + ".") for rule in BUSINESS_RULES)


@schemathesis.hook
def filter_failure(context: HookContext, failure: Any, case: Case, response: Response) -> bool:
    """Keep every failure except a provider's documented `503 NOT_CONFIGURED` and a valid request
    refused for breaking one of the `BUSINESS_RULES`."""
    if response.status_code == 503:
        return "NOT_CONFIGURED" not in error_codes(response)
    if type(failure).__name__ == "RejectedPositiveData" and response.status_code in (400, 422):
        fields = error_fields(response)
        return not fields or not all(_business_rule(field) for field in fields)
    return True


def error_fields(response: Response) -> set[str | None]:
    """The `field` of every error item (None for an item that names none)."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    return {item.get("field") for item in errors or [] if isinstance(item, dict)}


def error_codes(response: Response) -> set[str]:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return set()
    errors = body.get("errors") if isinstance(body, dict) else None
    return {str(item.get("code")) for item in errors or [] if isinstance(item, dict)}


def envelope_problem(status: int, content: bytes) -> str | None:
    """Why a response body is not the API envelope, or None when it is."""
    try:
        body = json.loads(content)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    success = body.get("success")
    if not isinstance(success, bool):
        return "`success` is missing or not a boolean"
    if success is not (status < 400):
        return f"`success` is {str(success).lower()} on a {status}"
    expected = {"success", "data", "meta"} if success else {"success", "errors", "meta"}
    if set(body) != expected:
        return f"the top-level keys are {sorted(body)}, expected {sorted(expected)}"
    if not isinstance(body["meta"], dict) or not isinstance(body["meta"].get("version"), str):
        return "`meta` is not an object with a `version`"
    if not success:
        errors = body["errors"]
        if not isinstance(errors, list) or not errors:
            return "`errors` is not a non-empty list"
        for item in errors:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item.get("message"):
                return f"an error item has no `code` and `message`: {item!r}"
    return None


@schemathesis.check
def envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every answer, success or error, from a handler or from API Gateway itself, is the envelope."""
    if case.method.upper() in ("HEAD", "OPTIONS") and not response.content:
        return None  # no body by definition (HEAD) or a CORS preflight
    problem = envelope_problem(response.status_code, response.content)
    if problem is not None:
        raise AssertionError(f"not the API envelope: {problem}")
    return None
