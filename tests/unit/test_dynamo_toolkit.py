"""The DynamoDB toolkit every store uses: the update builder, transactions, batches and list pages,
against a fake client (unit tests never reach AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from realty.core import dynamo
from realty.core.dynamo import Guarded, batch_get, batch_write, query_page, transact, update_action
from realty.core.errors import BadRequest, Conflict, RateLimited


class FakeDynamoDB:
    """Answers each operation from a queue of responses (or errors) and records the requests."""

    def __init__(self, **responses: list[Any]) -> None:
        self.responses = responses
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, operation: str, request: dict[str, Any]) -> Any:
        self.requests.append((operation, request))
        answer = self.responses[operation].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def transact_write_items(self, **request: Any) -> Any:
        return self._answer("transact_write_items", request)

    def batch_get_item(self, **request: Any) -> Any:
        return self._answer("batch_get_item", request)

    def batch_write_item(self, **request: Any) -> Any:
        return self._answer("batch_write_item", request)

    def query(self, **request: Any) -> Any:
        return self._answer("query", dict(request))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(**responses: list[Any]) -> FakeDynamoDB:
        client = FakeDynamoDB(**responses)
        monkeypatch.setattr(dynamo, "client", lambda service: client)
        monkeypatch.setattr(dynamo.time, "sleep", lambda seconds: None)
        return client

    return install


def _cancelled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


def _item(n: int, *, match: bool = True) -> dict[str, Any]:
    return {
        "PK": {"S": f"ITEM#{n}"},
        "SK": {"S": "ITEM"},
        "GSI1PK": {"S": "ALL"},
        "GSI1SK": {"S": f"{n:03d}"},
        "match": {"BOOL": match},
    }


# ---------------------------------------------------------------- update_action


def test_an_update_sets_values_removes_nones_and_sends_only_the_placeholders_it_uses():
    update = update_action(
        "main",
        {"PK": {"S": "A"}, "SK": {"S": "B"}},
        set_values={"status": "active", "price": 1.5, "gone": None},
        clauses=["version = version + :one"],
        condition="#status = :expected",
        names={"#status": "status", "#unused": "unused"},
        values={":expected": "created", ":one": 1, ":unused": "x"},
    )["Update"]

    assert update["UpdateExpression"] == "SET version = version + :one, #u0 = :u0, #u1 = :u1 REMOVE #u2"
    assert update["ConditionExpression"] == "#status = :expected"
    assert update["ExpressionAttributeNames"] == {"#status": "status", "#u0": "status", "#u1": "price", "#u2": "gone"}
    assert update["ExpressionAttributeValues"] == {
        ":expected": {"S": "created"},
        ":one": {"N": "1"},
        ":u0": {"S": "active"},
        ":u1": {"N": "1.5"},
    }


def test_an_update_removes_paths_the_caller_writes():
    update = update_action(
        "main",
        {"PK": {"S": "A"}, "SK": {"S": "B"}},
        set_values={"updated_at": "now"},
        remove=["images.#image"],
        names={"#image": "01J"},
    )["Update"]

    assert update["UpdateExpression"] == "SET #u0 = :u0 REMOVE images.#image"
    assert update["ExpressionAttributeNames"] == {"#u0": "updated_at", "#image": "01J"}
    assert "ConditionExpression" not in update


# ---------------------------------------------------------------- transact


def test_a_failed_condition_is_the_conflict_its_own_action_carries(fake):
    fake(transact_write_items=[_cancelled("None", "ConditionalCheckFailed", "None")])
    with pytest.raises(Conflict) as raised:
        transact(Guarded({"Put": {}}, "first changed"), Guarded({"Update": {}}, "second changed"), {"Put": {}})
    assert raised.value.message == "second changed"


def test_a_plain_action_failing_is_a_conflict_without_a_guard_message(fake):
    fake(transact_write_items=[_cancelled("None", "ConditionalCheckFailed")])
    with pytest.raises(Conflict) as raised:
        transact(Guarded({"Put": {}}, "first changed"), {"Put": {}})
    assert raised.value.message != "first changed"


def test_transact_sends_the_actions_in_order_without_their_messages(fake):
    client = fake(transact_write_items=[{}])
    transact(Guarded({"Put": {"n": 1}}, "m"), {"Put": {"n": 2}})
    assert client.requests == [("transact_write_items", {"TransactItems": [{"Put": {"n": 1}}, {"Put": {"n": 2}}]})]


def test_contention_and_throttling_are_a_retryable_conflict(fake):
    fake(transact_write_items=[_cancelled("None", "TransactionConflict")])
    with pytest.raises(Conflict, match="retry"):
        transact(Guarded({"Put": {}}, "changed"), {"Put": {}})


def test_failed_conditions_names_every_failed_action():
    assert dynamo.failed_conditions(_cancelled("ConditionalCheckFailed", "None", "ConditionalCheckFailed")) == {0, 2}
    assert dynamo.failed_conditions(ClientError({"Error": {"Code": "ValidationException"}}, "X")) == set()


# ---------------------------------------------------------------- batches


def test_batch_writes_go_25_a_call_and_retry_what_was_left(fake):
    requests = [{"PutRequest": {"Item": {"PK": {"S": str(n)}}}} for n in range(30)]
    client = fake(
        batch_write_item=[
            {"UnprocessedItems": {"main": requests[:2]}},
            {"UnprocessedItems": {}},
            {"UnprocessedItems": {}},
        ]
    )
    batch_write("main", requests)
    sent = [len(request["RequestItems"]["main"]) for _, request in client.requests]
    assert sent == [25, 2, 5]


def test_a_batch_dynamodb_keeps_refusing_is_rate_limited(fake):
    left = [{"DeleteRequest": {"Key": {"PK": {"S": "x"}}}}]
    client = fake(batch_write_item=[{"UnprocessedItems": {"main": left}}] * dynamo.BATCH_ROUNDS)
    with pytest.raises(RateLimited):
        batch_write("main", left)
    assert len(client.requests) == dynamo.BATCH_ROUNDS


def test_batch_get_reads_consistently_when_asked_and_returns_plain_items(fake):
    client = fake(batch_get_item=[{"Responses": {"main": [{"PK": {"S": "A"}, "n": {"N": "2"}}]}}])
    found = batch_get("main", [{"PK": {"S": "A"}}], consistent=True)
    assert found == [{"PK": "A", "n": 2}]
    assert client.requests[0][1]["RequestItems"]["main"]["ConsistentRead"] is True


# ---------------------------------------------------------------- list pages

KEYS = dynamo.index_key_names("GSI1")
FILTERED = {"TableName": "main", "IndexName": "GSI1", "FilterExpression": "#m = :yes"}


def test_a_filtered_page_reads_ahead_until_full_and_resumes_after_its_last_item(fake):
    client = fake(
        query=[
            {"Items": [_item(1), _item(3)], "LastEvaluatedKey": {"PK": {"S": "ITEM#4"}}},
            {"Items": [_item(5), _item(6), _item(7)], "LastEvaluatedKey": {"PK": {"S": "ITEM#9"}}},
        ]
    )
    items, last_key = query_page(FILTERED, limit=4, start_key=None, key_names=KEYS)

    assert [i["PK"]["S"] for i in items] == ["ITEM#1", "ITEM#3", "ITEM#5", "ITEM#6"]
    assert last_key == {name: _item(6)[name] for name in KEYS}
    assert [request["Limit"] for _, request in client.requests] == [dynamo.FILTERED_PAGE_SIZE] * 2
    assert client.requests[1][1]["ExclusiveStartKey"] == {"PK": {"S": "ITEM#4"}}


def test_a_selective_filter_reads_the_rest_of_the_page_at_the_match_rate_it_saw(fake):
    client = fake(
        query=[
            # 2 of 100 matched: 18 more need about 900 items at that rate (1,350 with the margin).
            {"Items": [_item(1), _item(2)], "Count": 2, "ScannedCount": 100, "LastEvaluatedKey": {"PK": {"S": "X"}}},
            {"Items": [_item(n) for n in range(3, 21)], "Count": 18, "ScannedCount": 1000},
        ]
    )
    items, last_key = query_page(
        FILTERED, limit=20, start_key=None, key_names=KEYS, read_ahead=100, max_read_ahead=1000, max_calls=2
    )

    assert len(items) == 20 and last_key is None
    assert [request["Limit"] for _, request in client.requests] == [100, 1000]


def test_a_page_stops_at_its_call_budget_short_with_a_cursor(fake):
    client = fake(
        query=[
            {"Items": [], "Count": 0, "ScannedCount": 300, "LastEvaluatedKey": {"PK": {"S": "A"}}},
            {"Items": [_item(7)], "Count": 1, "ScannedCount": 1000, "LastEvaluatedKey": {"PK": {"S": "B"}}},
        ]
    )
    items, last_key = query_page(
        FILTERED, limit=20, start_key=None, key_names=KEYS, read_ahead=300, max_read_ahead=1000, max_calls=2
    )

    assert items == [_item(7)] and last_key == {"PK": {"S": "B"}}
    # Nothing matched in the first call: the second reads as far as allowed.
    assert [request["Limit"] for _, request in client.requests] == [300, 1000]


def test_an_unfiltered_page_is_one_query_of_the_page_size(fake):
    start = {name: _item(2)[name] for name in KEYS}
    client = fake(query=[{"Items": [_item(3), _item(4)], "LastEvaluatedKey": {"PK": {"S": "ITEM#4"}}}])
    items, last_key = query_page({"TableName": "main"}, limit=2, start_key=start, key_names=KEYS)

    assert len(items) == 2 and last_key == {"PK": {"S": "ITEM#4"}}
    assert client.requests == [("query", {"TableName": "main", "ExclusiveStartKey": start, "Limit": 2})]


def test_a_page_ends_without_a_cursor_when_the_partition_does(fake):
    fake(query=[{"Items": [_item(1)]}])
    assert query_page(FILTERED, limit=5, start_key=None, key_names=KEYS) == ([_item(1)], None)


def test_a_resume_key_of_another_query_is_a_bad_cursor(fake):
    fake(query=[])
    with pytest.raises(BadRequest) as raised:
        query_page(FILTERED, limit=5, start_key={"PK": {"S": "A"}, "SK": {"S": "B"}}, key_names=KEYS)
    assert raised.value.field == "cursor"
