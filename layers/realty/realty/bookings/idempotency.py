"""`POST /buyers/bookings` with an `Idempotency-Key`: a retried request gets the first answer back.

Powertools' idempotency utility keeps one record per (caller, key) in the IdempotencyTable. The
record key hashes the caller's user id with the header, so two buyers who happen to pick the same
key never see each other's booking; the record also stores a hash of the request body, so reusing
a key for a different request is refused (422) instead of silently answering with the old booking.
Without the header the request is simply not deduplicated.
"""

from __future__ import annotations

from typing import Any

from realty.bookings import service
from realty.bookings.models import BookingAttributes, CreateBookingRequest
from realty.core.auth import Caller
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.envelope import Resource
from realty.core.errors import Conflict, ValidationFailed

# How long a key is remembered: covers a client retrying across a flaky day.
KEY_TTL_SECONDS = 24 * 60 * 60
IDEMPOTENCY_HEADER = "Idempotency-Key"


def create_booking_once(
    caller: Caller, request: CreateBookingRequest, *, idempotency_key: str | None, lambda_context: Any = None
) -> Resource[BookingAttributes]:
    """`service.create_booking`, at most once per caller and key."""
    if not idempotency_key:
        return service.create_booking(caller, request)
    # Imported here: only this route, and only with the header, needs it (its DynamoDB persistence
    # imports boto3, which the bookings function otherwise does without at cold start).
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[user_id, key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEY_TTL_SECONDS,
    )
    if lambda_context is not None:
        # Lets a request that times out mid-way be retried once its Lambda is gone.
        config.register_lambda_context(lambda_context)
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))

    @idempotent_function(
        data_keyword_argument="submission",
        persistence_store=persistence,
        config=config,
        key_prefix="bookings.create",
    )
    def create(*, submission: dict[str, Any]) -> dict[str, Any]:
        return service.create_booking(caller, request).model_dump(mode="json")

    submission = {"user_id": caller.user_id, "key": idempotency_key, "body": request.model_dump(mode="json")}
    try:
        answer = create(submission=submission)
    except IdempotencyValidationError as error:
        raise ValidationFailed(
            f"this {IDEMPOTENCY_HEADER} was already used for a different request; use a new key",
            field=IDEMPOTENCY_HEADER.lower(),
        ) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict(
            f"a request with this {IDEMPOTENCY_HEADER} is still being processed; retry shortly",
            code="IDEMPOTENCY_IN_PROGRESS",
        ) from error
    return Resource[BookingAttributes].model_validate(answer)
