"""Per-user rate limits: reads and writes a minute, counted in DynamoDB, refused with 429 `RATE_LIMITED`.

API Gateway's own throttling (stage and method limits, usage plans) keys by stage, method or API
key, never by the caller, so one user hammering the API would spend everyone's share. The handler
wrapper (`realty.core.api.make_handler`) calls `check(...)` once per authorized request: one
UpdateItem on `RATE#<user_id>` / `<r|w>#<minute>` that adds one, conditioned on the count being
under the limit, so the check and the count are one round trip and concurrent requests cannot
both take the last unit. The counter expires with the table's TTL an hour later.

A limit of 0 turns that kind off (and the call with it); the local stack and the tests run with
whatever their environment says, the deployed stages with the template's parameters. A failure of
the counter itself lets the request through: the limiter protects the API, it must never be the
reason it is down.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from realty.core import clock
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.errors import RateLimited

_READ_METHODS = frozenset({"GET", "HEAD"})
COUNTER_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Window:
    kind: str  # "r" or "w"
    limit: int
    minute: int  # epoch minutes
    retry_after: int  # seconds to the next minute (at least 1)


def window_for(method: str) -> Window | None:
    """The counter a request of this method takes from, or None when that kind is not limited."""
    settings = get_settings()
    is_read = method.upper() in _READ_METHODS
    limit = settings.rate_limit_reads_per_minute if is_read else settings.rate_limit_writes_per_minute
    if limit <= 0 or method.upper() == "OPTIONS":
        return None
    now = clock.now().timestamp()
    minute = int(now // 60)
    return Window(kind="r" if is_read else "w", limit=limit, minute=minute, retry_after=max(1, 60 - int(now % 60)))


def check(user_id: str, method: str) -> None:
    """Count this request against the user's minute; RateLimited (429, Retry-After) once over the limit."""
    window = window_for(method)
    if window is None:
        return
    try:
        client("dynamodb").update_item(
            TableName=get_settings().main_table,
            Key={"PK": {"S": f"RATE#{user_id}"}, "SK": {"S": f"{window.kind}#{window.minute}"}},
            UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :ttl)",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(window.limit)},
                ":ttl": {"N": str(window.minute * 60 + COUNTER_TTL_SECONDS)},
            },
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            what = "reads" if window.kind == "r" else "changes"
            raise RateLimited(
                f"too many {what}: at most {window.limit} a minute, retry in {window.retry_after} s",
                retry_after=window.retry_after,
            ) from None
        _let_through(error)
    except BotoCoreError as error:
        _let_through(error)


def _let_through(error: Exception) -> None:
    from aws_lambda_powertools import Logger

    Logger().warning("rate limit counter failed; request let through", extra={"error": type(error).__name__})
