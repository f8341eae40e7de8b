"""Per-user rate limits: reads and writes a minute, one conditional counter write, 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from realty.core import clock
from realty.core.auth import Role
from testkit.api import call

ME = "/api/v1/auth/me"


@pytest.fixture
def limits(aws, monkeypatch) -> Iterator[list[datetime]]:
    """Three reads and two writes a minute per user; a clock 15 s into a minute."""
    from realty.core.config import reset_settings

    monkeypatch.setenv("RATE_LIMIT_READS_PER_MINUTE", "3")
    monkeypatch.setenv("RATE_LIMIT_WRITES_PER_MINUTE", "2")
    reset_settings()
    moment = [datetime(2027, 3, 1, 12, 0, 15, tzinfo=UTC)]
    clock.set_clock(lambda: moment[0])
    yield moment
    clock.set_clock(None)
    monkeypatch.delenv("RATE_LIMIT_READS_PER_MINUTE")
    monkeypatch.delenv("RATE_LIMIT_WRITES_PER_MINUTE")
    reset_settings()


def _listing() -> dict:
    return {"address": "5 Elm St", "city": "Boston", "price": 900000, "bedrooms": 2, "bathrooms": 1, "sqft": 950}


def test_a_user_over_the_read_limit_gets_429_with_retry_after_until_the_next_minute(limits, make_user):
    buyer, other = make_user(Role.BUYER), make_user(Role.BUYER)

    answers = [call("GET", "/api/v1/buyers/properties", caller=buyer) for _ in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.error_codes == ["RATE_LIMITED"]
    assert refused.headers["retry-after"] == "45"
    assert "at most 3 a minute" in refused.body["errors"][0]["message"]
    assert refused.headers["access-control-allow-origin"]  # the browser can read the refusal
    # Another user has a budget of their own.
    assert call("GET", "/api/v1/buyers/properties", caller=other).status == 200
    # The next minute starts a new count.
    limits[0] = datetime(2027, 3, 1, 12, 1, 0, tzinfo=UTC)
    assert call("GET", "/api/v1/buyers/properties", caller=buyer).status == 200


def test_writes_have_their_own_limit_and_a_refused_write_changes_nothing(limits, make_user):
    from realty.core.aws import client
    from realty.core.config import get_settings

    realtor = make_user(Role.REALTOR)

    created = [call("POST", "/api/v1/realtors/properties", caller=realtor, body=_listing()) for _ in range(3)]

    assert [c.status for c in created] == [201, 201, 429]
    assert created[-1].headers["retry-after"] == "45"
    listed = call("GET", "/api/v1/realtors/properties", caller=realtor)
    assert listed.status == 200  # reads are counted apart
    assert len(listed.data) == 2
    properties = client("dynamodb").query(
        TableName=get_settings().main_table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REALTOR#{realtor.user_id}#PROPERTIES"}},
    )["Items"]
    assert len(properties) == 2


def test_the_limit_costs_one_conditional_write_and_is_off_at_zero(aws, make_user, monkeypatch):
    from realty.core.aws import client
    from realty.core.config import reset_settings

    buyer = make_user(Role.BUYER)
    calls: list[str] = []
    client("dynamodb").meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    assert call("GET", ME, caller=buyer).status == 200
    unlimited = list(calls)
    monkeypatch.setenv("RATE_LIMIT_READS_PER_MINUTE", "100")
    reset_settings()
    calls.clear()
    assert call("GET", ME, caller=buyer).status == 200

    assert "UpdateItem" not in unlimited
    assert calls == ["UpdateItem", *unlimited]
    reset_settings()


def test_a_failing_counter_lets_the_request_through(limits, make_user, monkeypatch):
    from botocore.exceptions import ClientError

    from realty.core import ratelimit

    buyer = make_user(Role.BUYER)

    class Broken:
        def update_item(self, **_: object) -> None:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "UpdateItem")

    monkeypatch.setattr(ratelimit, "client", lambda _: Broken())

    assert all(call("GET", ME, caller=buyer).status == 200 for _ in range(5))


def test_routes_without_a_caller_are_not_counted(limits):
    assert all(call("GET", "/api/v1/health").status in (200, 503) for _ in range(5))


def test_the_template_sets_the_limits_for_every_function():
    from tests.support.template import template

    body = template()
    variables = body["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["RATE_LIMIT_READS_PER_MINUTE"] == {"Ref": "RateLimitReadsPerMinute"}
    assert variables["RATE_LIMIT_WRITES_PER_MINUTE"] == {"Ref": "RateLimitWritesPerMinute"}
