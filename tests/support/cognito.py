"""Cognito's verified email change, which moto does not emulate.

With `AttributesRequireVerificationBeforeUpdate: [email]` (template.yaml) AWS keeps a user's email
when `AdminUpdateUserAttributes` sets a new one, emails a code to the new address, and makes it the
email only when `VerifyUserAttribute` gets that code. moto changes the email at once and has no
`VerifyUserAttribute`. `EmailVerification` answers both operations of the app's Cognito client as
AWS would, keeping the pending address and its code here, and applies the change to moto's user on
a right code (through a separate client, with `email_verified: true`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

_PARAMS = "realty_test_cognito_params"


@dataclass
class EmailVerification:
    pending: dict[str, str] = field(default_factory=dict)  # current email -> new email
    codes: dict[str, str] = field(default_factory=dict)  # new email -> code sent to it
    sent: list[str] = field(default_factory=list)  # addresses a code was sent to, in order

    def code_for(self, email: str) -> str:
        return self.codes[email]


def _answer(status: int, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = "test"
    parsed = {**body, "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "test"}}
    return AWSResponse("https://cognito-idp.local/", status, headers, None), parsed


def _error(code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return _answer(400, {"Error": {"Code": code, "Message": message}})


@pytest.fixture
def email_verification(aws: dict[str, str], jwks_server: Any) -> Iterator[EmailVerification]:
    from realty.core.aws import client
    from realty.core.config import get_settings

    state = EmailVerification()
    pool = get_settings().user_pool_id
    moto_cognito = boto3.client("cognito-idp", region_name="us-east-1")
    events = client("cognito-idp").meta.events

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = dict(params)

    def admin_update(context: dict[str, Any], **_: Any) -> Any:
        params = context.get(_PARAMS) or {}
        attributes = {a["Name"]: a["Value"] for a in params.get("UserAttributes", [])}
        if "email" not in attributes or attributes.get("email_verified") == "true":
            return None  # nothing that needs verification: moto answers
        username = str(params["Username"]).lower()
        new_email = attributes["email"].lower()
        try:
            moto_cognito.admin_get_user(UserPoolId=pool, Username=username)
        except moto_cognito.exceptions.UserNotFoundException:
            return _error("UserNotFoundException", "User does not exist.")
        taken = moto_cognito.list_users(UserPoolId=pool, Filter=f'email = "{new_email}"')["Users"]
        if taken:
            return _error("AliasExistsException", "An account with the given email already exists.")
        state.pending[username] = new_email
        state.codes[new_email] = f"{len(state.sent) + 1:06d}"
        state.sent.append(new_email)
        return _answer(200, {})

    def verify(context: dict[str, Any], **_: Any) -> Any:
        params = context.get(_PARAMS) or {}
        user = moto_cognito.get_user(AccessToken=params["AccessToken"])
        current = {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"].lower()
        new_email = state.pending.get(current)
        if params.get("AttributeName") != "email" or new_email is None or state.codes[new_email] != params["Code"]:
            return _error("CodeMismatchException", "Invalid verification code provided, please try again.")
        moto_cognito.admin_update_user_attributes(
            UserPoolId=pool,
            Username=current,
            UserAttributes=[{"Name": "email", "Value": new_email}, {"Name": "email_verified", "Value": "true"}],
        )
        del state.pending[current]
        return _answer(200, {})

    registered = [
        ("before-parameter-build.cognito-idp.AdminUpdateUserAttributes", keep_params, "realty-test-aua-params"),
        ("before-parameter-build.cognito-idp.VerifyUserAttribute", keep_params, "realty-test-vua-params"),
        ("before-call.cognito-idp.AdminUpdateUserAttributes", admin_update, "realty-test-aua"),
        ("before-call.cognito-idp.VerifyUserAttribute", verify, "realty-test-vua"),
    ]
    for name, handler, unique_id in registered:
        events.register(name, handler, unique_id=unique_id)
    try:
        yield state
    finally:
        for name, _, unique_id in registered:
            events.unregister(name, unique_id=unique_id)
