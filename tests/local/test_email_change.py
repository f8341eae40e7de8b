"""The admin's email change through the local stack's Cognito (moto with `local.moto_fixes`): moto
changes the address at once and has no `VerifyUserAttribute` of its own, so the fix answers it and
the app's flow completes as on AWS: pending, then verified, then the user's email."""

from __future__ import annotations

import boto3

from local import moto_fixes
from realty.core.auth import Caller, Role
from realty.core.config import get_settings
from testkit.api import FakeLambdaContext, call, load_function

PASSWORD = "Correct-Horse-2026!"


def test_an_admins_email_change_is_verified_on_the_local_stack(aws, jwks_server, make_user, monkeypatch):
    from moto.cognitoidp.responses import CognitoIdpResponse

    monkeypatch.setattr(moto_fixes, "_INSTALLED", False)
    monkeypatch.setattr(CognitoIdpResponse, "verify_user_attribute", None, raising=False)  # removed after
    moto_fixes.install()
    body = {"email": "local@example.com", "password": PASSWORD, "full_name": "L", "role": "buyer"}
    assert call("POST", "/api/v1/auth/register", body=body).status == 201
    call("POST", "/api/v1/auth/confirm", body={"email": "local@example.com", "code": "000000"})
    token = call("POST", "/api/v1/auth/login", body={"email": "local@example.com", "password": PASSWORD}).data[
        "attributes"
    ]["access_token"]
    event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": "arn:aws:execute-api:x/dev/GET/a"}
    context = load_function("authorizer").lambda_handler(event, FakeLambdaContext())["context"]
    user = Caller(user_id=context["user_id"], role=Role.BUYER, email="local@example.com")
    admin = make_user(Role.ADMIN)

    asked = call("PUT", f"/api/v1/admin/users/{user.user_id}", caller=admin, body={"email": "moved@example.com"})
    assert asked.status == 200 and asked.data["attributes"]["pending_email"] == "moved@example.com"
    headers = {"Authorization": f"Bearer {token}"}
    verify = "/api/v1/auth/me/email/verify"
    wrong = call("POST", verify, caller=user, headers=headers, body={"code": "moto-confirmation-code:1"})
    assert wrong.status == 422 and wrong.body["errors"][0]["field"] == "code"

    done = call("POST", verify, caller=user, headers=headers, body={"code": "123456"})

    assert done.status == 200, done.body
    assert (done.data["attributes"]["email"], done.data["attributes"]["pending_email"]) == ("moved@example.com", None)
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    found = cognito.admin_get_user(UserPoolId=get_settings().user_pool_id, Username="moved@example.com")
    assert {a["Name"]: a["Value"] for a in found["UserAttributes"]}["email"] == "moved@example.com"
