"""The bench's machinery (`make bench` itself is not part of `make test`): the AWS call counter, the
invoker that attributes calls to routes, and the verdicts the per-route table prints."""

from __future__ import annotations

import os

from bench.api import _verdict
from bench.aws_calls import AwsCall, counting, dynamodb_operations, other_operations
from bench.harness import Api, Invocation, Recorder
from realty.core.aws import client
from realty.core.dynamo import key


def test_the_counter_counts_each_call_of_our_clients_by_service_and_operation(aws):
    table = os.environ["MAIN_TABLE"]
    with counting() as log:
        client("dynamodb").get_item(TableName=table, Key=key("USER#nobody", "PROFILE"))
        mark = log.mark()
        client("dynamodb").query(
            TableName=table, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "USER#x"}}
        )
        client("s3").list_buckets()
    client("dynamodb").get_item(TableName=table, Key=key("USER#nobody", "PROFILE"))  # after: not counted

    assert log.calls == [AwsCall("dynamodb", "GetItem"), AwsCall("dynamodb", "Query"), AwsCall("s3", "ListBuckets")]
    assert dynamodb_operations(log.since(mark)) == {"Query": 1}
    assert other_operations(log.calls) == {"s3:ListBuckets": 1}


def test_a_request_is_recorded_under_its_template_route_with_its_calls(aws, make_user):
    buyer = make_user("buyer")
    recorder = Recorder()
    with counting() as log:
        api = Api(log, recorder)
        answer = api.request("GET", "/api/v1/auth/me", caller=buyer)
        with recorder.paused():
            api.request("GET", "/api/v1/auth/me", caller=buyer)

    assert answer.status == 200 and answer.data["id"] == buyer.user_id
    [invocation] = recorder.invocations
    assert invocation.route == "GET /api/v1/auth/me" and invocation.function == "auth"
    assert invocation.calls == [AwsCall("dynamodb", "GetItem")]
    assert invocation.seconds > 0


def _invocation(route: str, *operations: str) -> Invocation:
    return Invocation(route, "f", 200, 0.01, [AwsCall("dynamodb", op) for op in operations])


def test_verdicts_hold_reads_to_one_call_and_changes_to_one_transaction():
    assert _verdict("GET /r", [_invocation("GET /r", "Query")]) == ("1 DynamoDB call", True)
    assert _verdict("GET /r", [_invocation("GET /r", "GetItem", "PutItem")])[1] is False
    assert _verdict("PUT /r", [_invocation("PUT /r", "GetItem", "TransactWriteItems")])[1] is True
    assert _verdict("PUT /r", [_invocation("PUT /r", "GetItem", "PutItem")])[1] is False
    assert _verdict("POST /r", [_invocation("POST /r", "TransactWriteItems", "TransactWriteItems")])[1] is False
    assert _verdict("POST /r", [_invocation("POST /r", "Query", "Scan", "TransactWriteItems")]) == ("no Scan", False)
    assert _verdict("POST /r", [_invocation("POST /r")]) == ("no table state", None)


def test_requesting_a_tour_reads_the_listing_then_calendar_and_people_in_one_call(aws, make_user, fake_clock, outbox):
    from tests.support.bookings import at, book, items_under, new_property

    realtor, buyer = make_user("realtor", full_name="Rita Realtor"), make_user("buyer", full_name="Bo Buyer")
    listing = new_property(realtor)
    with counting() as log:
        requested = book(buyer, listing, at(10, days=1))

    assert requested.status == 201, requested.body
    assert dynamodb_operations(log.calls) == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    [stored] = items_under(f"BOOKING#{requested.data['id']}")
    assert (stored["buyer_name"], stored["realtor_name"]) == ("Bo Buyer", "Rita Realtor")
    assert (stored["buyer_email"], stored["realtor_email"]) == (buyer.email, realtor.email)
