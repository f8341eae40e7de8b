"""Every DynamoDB call of asking the tour: the daily counter, the stored questions, their list.

A question lives in its own partition per tour and asker, `QUESTIONS#<tour_id>#<user_id>`, sort key
`<created_at>#<id>`: a participant's questions are theirs alone, so their list is one Query of one
partition, newest first, and a tour's item collection (read whole by `GET .../tours/{id}`) does not
grow with every question. The daily counter sits beside the per-minute rate-limit counters of
`realty.core.ratelimit` (`RATE#<user_id>` / `ask#<YYYY-MM-DD>`), expiring a day after its day ends.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import from_item, index_key_names, query_page, to_item, transact
from realty.questions.models import StoredQuestion

COUNTER_KEEP_SECONDS = 86_400


def questions_pk(tour_id: str, user_id: str) -> str:
    return f"QUESTIONS#{tour_id}#{user_id}"


def _counter_key(user_id: str, day: str) -> dict[str, Any]:
    return {"PK": {"S": f"RATE#{user_id}"}, "SK": {"S": f"ask#{day}"}}


def take_daily(user_id: str, *, day: str, limit: int, day_ends: int) -> bool:
    """One more question today, if under `limit`: one conditional UpdateItem (check and count in one
    round trip, so concurrent questions cannot both take the last one). False when the day is used up."""
    try:
        client("dynamodb").update_item(
            TableName=get_settings().main_table,
            Key=_counter_key(user_id, day),
            UpdateExpression="ADD #n :one SET expires_at = if_not_exists(expires_at, :ttl)",
            ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(limit)},
                ":ttl": {"N": str(day_ends + COUNTER_KEEP_SECONDS)},
            },
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def give_back(user_id: str, *, day: str) -> None:
    """Return a question that was not answered (never below zero). Best effort: a failure here costs
    the user one question of the day, it must not hide the error the caller is reporting."""
    try:
        client("dynamodb").update_item(
            TableName=get_settings().main_table,
            Key=_counter_key(user_id, day),
            UpdateExpression="ADD #n :minus",
            ConditionExpression="#n > :zero",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}},
        )
    except (ClientError, BotoCoreError):
        from aws_lambda_powertools import Logger

        Logger().warning("question counter not given back", extra={"user_id": user_id, "day": day})


def question_item(question: StoredQuestion) -> dict[str, Any]:
    return {
        "PK": questions_pk(question.tour_id, question.user_id),
        "SK": f"{question.created_at}#{question.id}",
        "entity": "tour_question",
        **question.model_dump(mode="json"),
    }


def put_question(question: StoredQuestion, *, audit: dict[str, Any]) -> None:
    """The question and its answer, with its audit item, in one transaction."""
    put = {
        "Put": {
            "TableName": get_settings().main_table,
            "Item": to_item(question_item(question)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    transact(put, audit)


def list_questions(
    tour_id: str, user_id: str, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[StoredQuestion], dict[str, Any] | None]:
    """One page of the asker's questions about the tour, newest first: one Query."""
    request = {
        "TableName": get_settings().main_table,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": questions_pk(tour_id, user_id)}},
        "ScanIndexForward": False,
    }
    items, last = query_page(request, limit=limit, start_key=start_key, key_names=index_key_names(None))
    return [StoredQuestion.model_validate(from_item(item)) for item in items], last
