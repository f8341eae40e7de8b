"""What operators see: business metrics flushed per invocation, correlated JSON logs, no personal data.

Powertools writes logs and EMF metrics to stdout, which CloudWatch Logs collects in Lambda; the tests
read them from there (capsys). Log level is raised to INFO for these tests (the suite runs at WARNING).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from realty.adapters import email
from realty.core.aws import client
from realty.core.observability import logger
from testkit.api import FakeLambdaContext, call, load_function
from tests.support.bookings import at, booked, confirmed, new_property

BUYER_EMAIL = "bo@example.com"
BUYER_NAME = "Bo Buyer"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the handlers log at INFO, as written to stdout (the Powertools handler's stream, swapped)."""
    buffer = io.StringIO()
    handler = logger.registered_handler
    level = logger.log_level
    stream = handler.setStream(buffer)  # type: ignore[attr-defined]
    logger.setLevel("INFO")
    yield buffer
    logger.setLevel(level)
    handler.setStream(stream)  # type: ignore[attr-defined]


def _json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _metrics(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Metric name -> the EMF documents that carry it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        for directive in (line.get("_aws") or {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                found.setdefault(metric["Name"], []).append(line | {"_namespace": directive["Namespace"]})
    return found


def _total(document: dict[str, Any], name: str) -> float:
    value = document[name]
    return float(sum(value)) if isinstance(value, list) else float(value)


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor", email="rita@example.com", full_name="Rita Realtor")
    buyer = make_user("buyer", email=BUYER_EMAIL, full_name=BUYER_NAME)
    return {"realtor": realtor, "buyer": buyer, "property": new_property(realtor)}


def test_bookings_created_and_confirmed_are_counted_when_each_request_ends(world, capsys, logs):
    capsys.readouterr()
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    created = _metrics(_json_lines(capsys.readouterr().out))
    confirmed(world["realtor"], booking_id)
    confirmations = _metrics(_json_lines(capsys.readouterr().out))

    [document] = created["BookingsCreated"]
    assert _total(document, "BookingsCreated") == 1
    assert document["_namespace"] == "RealtyForYouTest"
    assert "service" in document
    assert "BookingsConfirmed" not in created
    assert _total(confirmations["BookingsConfirmed"][0], "BookingsConfirmed") == 1


def test_api_log_lines_carry_the_request_id(world, capsys, logs):
    capsys.readouterr()
    # Stripe's secret still holds the template's placeholder: 503, logged as an upstream failure.
    result = call("POST", "/api/v1/realtors/billing/checkout-session", caller=world["realtor"], body={"plan": "pro"})
    assert result.status == 503

    [line] = [line for line in _json_lines(logs.getvalue()) if line.get("message") == "request failed upstream"]
    assert line["correlation_id"] == result.body["meta"]["request_id"]
    assert line["level"] == "WARNING" and line["function_name"] == FakeLambdaContext.function_name


def test_no_personal_data_reaches_the_logs(world, capsys, logs):
    capsys.readouterr()
    booking_id = booked(world["buyer"], world["property"], at(days=2))
    confirmed(world["realtor"], booking_id)
    me = call("GET", "/api/v1/auth/me", caller=world["buyer"])
    assert me.status == 200 and me.data["attributes"]["email"] == BUYER_EMAIL
    captured = capsys.readouterr()

    everything = captured.out + captured.err + logs.getvalue()
    assert BUYER_EMAIL not in everything
    assert BUYER_NAME not in everything


def test_event_handlers_log_with_their_correlation_id(aws, capsys, logs):
    capsys.readouterr()
    booking_id = "01J0000000000000000000TEST"
    outcome = load_function("reminders").lambda_handler(
        {"booking_id": booking_id, "kind": "15m", "sequence": 0}, FakeLambdaContext()
    )
    assert outcome == {"outcome": "missing"}

    lines = [line for line in _json_lines(logs.getvalue()) if "level" in line]
    assert lines
    assert {line["correlation_id"] for line in lines} == {booking_id}
    assert {line["function_name"] for line in lines} == {FakeLambdaContext.function_name}


def test_a_refused_email_is_counted_without_the_addresses_ses_names(aws, capsys, logs):
    ses = client("sesv2")
    refusal = f"Email address is not verified. The following identities failed the check: {BUYER_EMAIL}"
    with Stubber(ses) as stub:
        stub.add_client_error("send_email", service_error_code="MessageRejected", service_message=refusal)
        message = email.Email(to=[BUYER_EMAIL], subject="Tour confirmed", text="See you.", html="<p>See you.</p>")
        sent = email.ses_sender(message)
        # The adapter counts; a handler's decorator would flush. Flush here as the decorator would.
        from realty.core.metrics import metrics

        metrics.flush_metrics()

    assert sent is False
    captured = capsys.readouterr()
    assert _metrics(_json_lines(captured.out))["EmailSendFailed"]
    [warning] = [line for line in _json_lines(logs.getvalue()) if line.get("message") == "email not sent"]
    assert warning["code"] == "MessageRejected"
    assert BUYER_EMAIL not in captured.out + captured.err + logs.getvalue()
