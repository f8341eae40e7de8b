"""The actor guard in the DynamoDB toolkit: on a state-changing request every transaction checks the
caller's identity item in the same call, and a failed check is a 401, never a 409 (unit tests: a
fake client, no AWS)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from realty.core import actor, aws, dynamo
from realty.core.actor import ActorGuard, guarding, signed_out
from realty.core.dynamo import Guarded, transact
from realty.core.errors import Conflict, Unauthorized

TABLE = "main"
IDENTITY = {"PK": {"S": "IDENTITY#sub-1"}, "SK": {"S": "IDENTITY"}}
ISSUED = 1_760_000_000


class FakeDynamoDB:
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

    def put_item(self, **request: Any) -> Any:
        return self._answer("put_item", request)

    def get_item(self, **request: Any) -> Any:
        return self._answer("get_item", request)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(**responses: list[Any]) -> FakeDynamoDB:
        client = FakeDynamoDB(**responses)
        monkeypatch.setattr(dynamo, "client", lambda service: client)
        monkeypatch.setattr(aws, "client", lambda service: client)
        return client

    return install


def _guard(issued_at: int | None = ISSUED) -> ActorGuard:
    return ActorGuard(cognito_sub="sub-1", issued_at=issued_at, table=TABLE)


def _identity(status: str = "active", signed_out_at: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {**IDENTITY, "user_id": {"S": "u1"}, "status": {"S": status}}
    if signed_out_at is not None:
        item["signed_out_at"] = {"N": str(signed_out_at)}
    return item


def _cancelled(*reasons: dict[str, Any]) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": list(reasons),
        },
        "TransactWriteItems",
    )


NONE = {"Code": "None"}
FAILED = {"Code": "ConditionalCheckFailed"}


def _sent(client: FakeDynamoDB) -> list[dict[str, Any]]:
    operation, request = client.requests[-1]
    assert operation == "transact_write_items"
    return list(request["TransactItems"])


# ---------------------------------------------------------------- the rule


def test_a_sign_out_refuses_the_tokens_whose_whole_second_lies_at_or_before_it():
    assert signed_out(ISSUED, ISSUED * 1000 + 999)
    assert signed_out(ISSUED, ISSUED * 1000 + 5000)
    assert not signed_out(ISSUED, ISSUED * 1000 + 998)  # same second: Cognito decides
    assert not signed_out(ISSUED, ISSUED * 1000 - 1)  # signed in again after it
    assert not signed_out(ISSUED, None)


def test_the_guard_condition_is_the_same_rule():
    expression, names, values = _guard().condition()
    assert "#actor_signed_out < :actor_issued_end" in expression
    assert values[":actor_issued_end"] == {"N": str(ISSUED * 1000 + 999)}
    assert names == {"#actor_status": "status", "#actor_signed_out": "signed_out_at"}
    # Without an iat (an authorizer answer cached before it carried one) only the status is checked.
    expression, names, _ = _guard(None).condition()
    assert "signed_out" not in expression and names == {"#actor_status": "status"}


def test_refusals_name_the_reason():
    guard = _guard()
    assert guard.refusal(_identity()) is None
    assert guard.refusal(_identity(signed_out_at=ISSUED * 1000 - 1)) is None
    refused = guard.refusal(None)
    assert refused is not None and refused.message == actor.NO_LONGER_ACTIVE
    refused = guard.refusal(_identity(status="deleted"))
    assert refused is not None and refused.message == actor.NO_LONGER_ACTIVE
    refused = guard.refusal(_identity(signed_out_at=ISSUED * 1000 + 999))
    assert refused is not None and refused.message == actor.SIGNED_OUT


# ---------------------------------------------------------------- transactions


def test_without_a_guard_a_transaction_is_sent_as_it_is(fake):
    client = fake(transact_write_items=[{}])
    transact(Guarded({"Put": {"TableName": TABLE, "Item": {"PK": {"S": "A"}}}}, "m"))
    assert len(_sent(client)) == 1


def test_a_guarded_transaction_carries_a_condition_check_after_its_actions(fake):
    client = fake(transact_write_items=[{}])
    guard = _guard()
    with guarding(guard):
        transact(Guarded({"Put": {"TableName": TABLE, "Item": {"PK": {"S": "A"}}}}, "m"), {"Put": {"TableName": "a"}})
    sent = _sent(client)
    assert len(sent) == 3 and sent[:2] == [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "A"}}}},
        {"Put": {"TableName": "a"}},
    ]
    check = sent[2]["ConditionCheck"]
    assert check["Key"] == IDENTITY and check["TableName"] == TABLE
    assert check["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert guard.confirmed
    assert actor.current() is None  # the guard ends with its block


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        (_identity(status="deleted"), actor.NO_LONGER_ACTIVE),
        (None, actor.NO_LONGER_ACTIVE),
        (_identity(signed_out_at=ISSUED * 1000 + 999), actor.SIGNED_OUT),
    ],
)
def test_a_failed_check_is_a_401_even_when_another_condition_failed_too(fake, identity, message):
    check = dict(FAILED, Item=identity) if identity else FAILED
    fake(transact_write_items=[_cancelled(FAILED, check)])
    with guarding(_guard()), pytest.raises(Unauthorized) as raised:
        transact(Guarded({"Put": {"TableName": TABLE}}, "the slot is taken"))
    assert raised.value.message == message


def test_the_actions_own_conflicts_stay_409s(fake):
    fake(transact_write_items=[_cancelled(FAILED, NONE)])
    with guarding(_guard()), pytest.raises(Conflict, match="the slot is taken"):
        transact(Guarded({"Put": {"TableName": TABLE}}, "the slot is taken"))


def test_an_action_on_the_identity_itself_carries_the_condition(fake):
    """Editing or signing out one's own account: a transaction may touch an item only once."""
    client = fake(transact_write_items=[{}])
    own = {"Put": {"TableName": TABLE, "Item": {**_identity(), "signed_out_at": {"N": "5"}}}}
    user = {
        "Put": {
            "TableName": TABLE,
            "Item": {"PK": {"S": "USER#u1"}, "SK": {"S": "PROFILE"}},
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": "1"}},
        }
    }
    with guarding(_guard()):
        transact(Guarded(user, "changed"), own)
    sent = _sent(client)
    assert len(sent) == 2 and sent[0] == user
    folded = sent[1]["Put"]
    assert folded["Item"] == own["Put"]["Item"]
    assert "#actor_status = :actor_active" in folded["ConditionExpression"]
    assert folded["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_a_folded_condition_tells_the_actor_from_the_actions_own_condition(fake):
    update = {
        "Update": {
            "TableName": TABLE,
            "Key": IDENTITY,
            "UpdateExpression": "SET x = :x",
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":x": {"N": "1"}, ":v": {"N": "1"}},
        }
    }
    fake(transact_write_items=[_cancelled(dict(FAILED, Item=_identity()))])
    with guarding(_guard()), pytest.raises(Conflict, match="changed meanwhile"):
        transact(Guarded(update, "changed meanwhile"))
    client = fake(transact_write_items=[_cancelled(dict(FAILED, Item=_identity(status="deleted")))])
    with guarding(_guard()), pytest.raises(Unauthorized):
        transact(Guarded(update, "changed meanwhile"))
    sent = _sent(client)[0]["Update"]
    assert sent["ConditionExpression"].startswith("(version = :v) AND (")
    assert {":x", ":v", ":actor_active", ":actor_issued_end"} <= set(sent["ExpressionAttributeValues"])


def test_a_full_transaction_checks_the_actor_with_a_read_first(fake):
    actions = [{"Put": {"TableName": TABLE, "Item": {"PK": {"S": f"A{n}"}}}} for n in range(100)]
    client = fake(get_item=[{"Item": _identity(status="deleted")}], transact_write_items=[{}])
    with guarding(_guard()), pytest.raises(Unauthorized):
        transact(*actions)
    assert [operation for operation, _ in client.requests] == ["get_item"]
    client = fake(get_item=[{"Item": _identity()}], transact_write_items=[{}])
    with guarding(_guard()):
        transact(*actions)
    assert len(_sent(client)) == 100
    assert client.requests[0][1]["ConsistentRead"] is True


def test_a_single_put_of_a_guarded_request_becomes_a_checked_transaction(fake):
    put = {"TableName": "audit", "Item": {"PK": {"S": "AUDIT"}}}
    client = fake(put_item=[{}], transact_write_items=[{}, _cancelled(NONE, dict(FAILED, Item=_identity("deleted")))])
    dynamo.put_item(put)
    assert client.requests[-1] == ("put_item", put)
    with guarding(_guard()):
        dynamo.put_item(put)
        assert _sent(client)[0] == {"Put": put} and "ConditionCheck" in _sent(client)[1]
    with guarding(_guard()), pytest.raises(Unauthorized):
        dynamo.put_item(put)


# ---------------------------------------------------------------- outside calls


def test_confirm_reads_the_identity_once_per_request(fake):
    client = fake(get_item=[{"Item": _identity()}])
    actor.confirm()  # no guard: nothing to check
    with guarding(_guard()):
        actor.confirm()
        actor.confirm()
    assert [operation for operation, _ in client.requests] == ["get_item"]
    fake(get_item=[{"Item": _identity(signed_out_at=ISSUED * 1000 + 999)}])
    with guarding(_guard()), pytest.raises(Unauthorized, match="signed out"):
        actor.confirm()


def test_a_guarded_write_confirms_the_actor_for_later_outside_calls(fake):
    client = fake(transact_write_items=[{}])
    with guarding(_guard()):
        transact({"Put": {"TableName": TABLE}})
        actor.confirm()
    assert [operation for operation, _ in client.requests] == ["transact_write_items"]


def test_aws_calls_that_change_something_confirm_the_actor_first(fake):
    client = fake(get_item=[{"Item": _identity(status="deleted")}])
    with guarding(_guard()):
        for read in ("GetMeeting", "ListAttendees", "DescribeExecution", "Decrypt", "Encrypt"):
            aws._confirm_actor_before_change(SimpleNamespace(name=read))
        assert client.requests == []
        with pytest.raises(Unauthorized):
            aws._confirm_actor_before_change(SimpleNamespace(name="CreateMeeting"))


def test_every_aws_client_but_dynamodbs_checks_before_a_change():
    """Through botocore's own events: refused before any request is sent (sockets are off here)."""
    aws.reset_clients()
    scheduler = aws.client("scheduler")
    fake_dynamodb = FakeDynamoDB(get_item=[{"Item": _identity(status="deleted")}])
    # A patch of its own: undoing the test's shared monkeypatch would also undo the fixtures' environment.
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(aws, "client", lambda service: fake_dynamodb)
            with guarding(_guard()), pytest.raises(Unauthorized):
                scheduler.delete_schedule(Name="reminder")
    finally:
        aws.reset_clients()
    assert [operation for operation, _ in fake_dynamodb.requests] == ["get_item"]
