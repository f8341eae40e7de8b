"""The one secrets cache (`realty.core.secrets`) that Stripe, OpenAI and the cursors read through."""

from __future__ import annotations

import json
import os

import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

from realty.core.aws import client, reset_clients
from realty.core.secrets import forget_secrets, get_secret


@pytest.fixture
def secret(aws):
    forget_secrets()
    arn = os.environ["OPENAI_SECRET_ARN"]
    client("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps({"api_key": "first"}))
    yield arn
    forget_secrets()


def _rotate(arn: str, value: str) -> None:
    client("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps({"api_key": value}))


def test_a_value_is_read_once_per_max_age_and_again_once_forgotten(secret):
    assert get_secret(secret, max_age=300, transform="json") == {"api_key": "first"}
    _rotate(secret, "second")

    assert get_secret(secret, max_age=300, transform="json") == {"api_key": "first"}  # cached
    forget_secrets()
    assert get_secret(secret, max_age=300, transform="json") == {"api_key": "second"}


def test_a_new_client_never_gets_the_previous_accounts_values(secret):
    assert json.loads(get_secret(secret, max_age=300)) == {"api_key": "first"}
    _rotate(secret, "second")
    reset_clients()  # what every test's fresh emulator does

    assert json.loads(get_secret(secret, max_age=300)) == {"api_key": "second"}


def test_the_providers_errors_reach_the_caller(secret):
    _rotate(secret, "second")
    client("secretsmanager").put_secret_value(SecretId=secret, SecretString="not json")
    forget_secrets()
    with pytest.raises(TransformParameterError):
        get_secret(secret, max_age=300, transform="json")
    with pytest.raises(GetParameterError):
        get_secret(secret + "-missing", max_age=300)
