"""Domain errors. Services raise these; `realty.core.api` maps them to the envelope in one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class AppError(Exception):
    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code: str = "INTERNAL_ERROR"
    default_message: str = "the service failed to answer, retry later"
    # Seconds a client should wait before retrying: sent as the Retry-After header when set.
    retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ):
        self.message = message or self.default_message
        self.field = field
        # What a client can act on beyond the message (e.g. the next free slots of a 409 SLOT_UNAVAILABLE).
        self.details = details
        if retry_after is not None:
            self.retry_after = retry_after
        if code:
            self.code = code
        super().__init__(self.message)


class BadRequest(AppError):
    status = HTTPStatus.BAD_REQUEST
    code = "BAD_REQUEST"
    default_message = "the request is malformed"


class Unauthorized(AppError):
    status = HTTPStatus.UNAUTHORIZED
    code = "UNAUTHORIZED"
    default_message = "a valid access token is required"


class PaymentRequired(AppError):
    status = HTTPStatus.PAYMENT_REQUIRED
    code = "PAYMENT_REQUIRED"
    default_message = "this feature needs an active pro subscription"


class Forbidden(AppError):
    status = HTTPStatus.FORBIDDEN
    code = "FORBIDDEN"
    default_message = "your role may not call this route"


class NotFound(AppError):
    status = HTTPStatus.NOT_FOUND
    code = "NOT_FOUND"
    default_message = "no such object"


class Conflict(AppError):
    status = HTTPStatus.CONFLICT
    code = "CONFLICT"
    default_message = "the request conflicts with the current state"


class PayloadTooLarge(AppError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "PAYLOAD_TOO_LARGE"
    default_message = "the request body is too large"


class ValidationFailed(AppError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "VALIDATION_ERROR"
    default_message = "a field is invalid"


class RateLimited(AppError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "RATE_LIMITED"
    default_message = "too many requests, retry later"


class CapacityExhausted(AppError):
    """An outside service refused for a quota of ours (Chime's active meetings or media pipelines) or is
    briefly unavailable: nothing was changed and the same request succeeds later (Retry-After)."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "CAPACITY_EXHAUSTED"
    default_message = "the service is at capacity right now, nothing was changed: retry in a moment"
    retry_after = 30


class UpstreamError(AppError):
    status = HTTPStatus.BAD_GATEWAY
    code = "UPSTREAM_ERROR"
    default_message = "an upstream service failed, retry later"


class NotConfigured(AppError):
    """A deployment missing a setting or a secret. What is missing (a secret's name, its fields, a
    variable) is for the operator: it is kept as `detail` and logged, while every caller, anonymous
    ones included, reads only the plain default message."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "NOT_CONFIGURED"
    default_message = "this feature is not configured on this deployment"

    def __init__(self, detail: str | None = None, *, field: str | None = None, code: str | None = None):
        super().__init__(None, field=field, code=code)
        self.detail = detail or self.default_message
        # str(error) is what Lambda reports and tracebacks show (operators); `message` is the answer.
        self.args = (self.detail,)
