"""The email adapter: a side effect that never raises and never lets user text into a header."""

from __future__ import annotations

import boto3
import pytest

from realty.adapters.email import Email, send
from testkit.api import call


@pytest.fixture
def ses(aws):
    client = boto3.client("sesv2", region_name="us-east-1")
    client.create_email_identity(EmailIdentity="realtyforyou.example")
    return client


def _sent_raw_messages():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def test_a_line_break_in_the_subject_cannot_inject_a_header(ses):
    sent = send(
        Email(to=["buyer@example.com"], subject="Tour of 12 Main St\nBcc: evil@example.com", text="t", html="h")
    )
    assert sent is True
    raw = _sent_raw_messages()[-1].raw_data
    assert "Bcc:" not in raw.split("\n\n", 1)[0].replace("Subject: Tour of 12 Main St Bcc: evil@example.com", "")


def test_a_message_that_cannot_be_built_is_reported_not_raised(ses):
    broken = Email(to=["buyer@example.com\nBcc: evil@example.com"], subject="s", text="t", html="h")
    assert send(broken) is False


def test_an_unverified_sender_is_reported_not_raised(aws):
    assert send(Email(to=["buyer@example.com"], subject="s", text="t", html="h")) is False


@pytest.mark.parametrize("field", ["address", "city"])
def test_property_text_that_reaches_email_headers_is_one_line(aws, make_user, field):
    realtor = make_user("realtor")
    body = {"address": "12 Main St", "city": "Austin", "price": 1, "bedrooms": 1, "bathrooms": 1, "sqft": 10}
    body[field] = "12 Main St\nApt 4"
    result = call("POST", "/api/v1/realtors/properties", caller=realtor, body=body)
    assert result.status == 422
    assert result.body["errors"][0]["field"] == field
