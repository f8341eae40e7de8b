"""One-time EventBridge Scheduler schedules that invoke the reminders function (or, for a tour's
close, the tour closer: `OneTimeSchedule.target`).

Schedules are a side effect of a committed change, like email: a failure is logged and counted
(`ReminderScheduleFailed`) and reported as False, never raised, so it cannot undo a booking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.metrics import count

logger = Logger(child=True)

# Scheduler retries a failed invocation this often within this window, then dead-letters the event.
MAX_RETRY_ATTEMPTS = 3
MAX_EVENT_AGE_SECONDS = 3600


REMINDERS = "reminders"
TOUR_CLOSER = "tour_closer"


@dataclass(frozen=True)
class OneTimeSchedule:
    name: str
    at: datetime
    payload: dict[str, Any]
    # Which function it invokes: the reminders function, or the tour closer (same group, role and DLQ).
    target: str = REMINDERS


def _target_arn(schedule: OneTimeSchedule) -> str:
    settings = get_settings()
    return settings.tour_closer_function_arn if schedule.target == TOUR_CLOSER else settings.reminders_function_arn


def at_expression(moment: datetime) -> str:
    """`at(yyyy-mm-ddThh:mm:ss)`, read in the schedule's time zone (always UTC here)."""
    return f"at({moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


def _request(schedule: OneTimeSchedule) -> dict[str, Any]:
    settings = get_settings()
    target: dict[str, Any] = {
        "Arn": _target_arn(schedule),
        "RoleArn": settings.scheduler_role_arn,
        "Input": json.dumps(schedule.payload, separators=(",", ":"), sort_keys=True),
        "RetryPolicy": {
            "MaximumRetryAttempts": MAX_RETRY_ATTEMPTS,
            "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
        },
    }
    if settings.scheduler_dlq_arn:
        target["DeadLetterConfig"] = {"Arn": settings.scheduler_dlq_arn}
    return {
        "Name": schedule.name,
        "GroupName": settings.scheduler_group,
        "ScheduleExpression": at_expression(schedule.at),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Target": target,
    }


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def configured() -> bool:
    """Whether this function can create schedules at all (the reminders function itself cannot)."""
    settings = get_settings()
    return bool(settings.reminders_function_arn and settings.scheduler_role_arn)


def put(schedule: OneTimeSchedule) -> bool:
    """Create the schedule, or move it if one of that name exists. True when Scheduler accepted it."""
    if not _target_arn(schedule) or not get_settings().scheduler_role_arn:
        logger.warning("reminders are not configured; schedule skipped", extra={"schedule": schedule.name})
        count("ReminderScheduleFailed")
        return False
    request = _request(schedule)
    scheduler = client("scheduler")
    try:
        try:
            scheduler.create_schedule(**request)
        except ClientError as error:
            if _code(error) != "ConflictException":
                raise
            # UpdateSchedule replaces every setting, so it gets the full request again.
            scheduler.update_schedule(**request)
    except (ClientError, BotoCoreError):
        logger.exception("reminder schedule not saved", extra={"schedule": schedule.name})
        count("ReminderScheduleFailed")
        return False
    return True


def delete(name: str) -> bool:
    """Remove a schedule; one that does not exist (already fired, never made) counts as removed."""
    try:
        client("scheduler").delete_schedule(Name=name, GroupName=get_settings().scheduler_group)
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return True
        logger.exception("reminder schedule not deleted", extra={"schedule": name})
        count("ReminderScheduleFailed")
        return False
    except BotoCoreError:
        logger.exception("reminder schedule not deleted", extra={"schedule": name})
        count("ReminderScheduleFailed")
        return False
    return True
