"""The auth function against emulated Cognito and DynamoDB, end to end through the authorizer."""

from __future__ import annotations

import pytest

from testkit.api import FakeLambdaContext, call, load_function

PASSWORD = "Correct-Horse-2026!"


def _authorize(token: str) -> dict:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/api/v1/auth/me",
    }
    return load_function("authorizer").lambda_handler(event, FakeLambdaContext())


class _Session:
    """A caller as the authorizer describes them, for `call(..., caller=...)`."""

    def __init__(self, policy: dict) -> None:
        from realty.core.auth import Caller, Role

        context = policy["context"]
        self.caller = Caller(user_id=context["user_id"], role=Role(context["role"]), email=context["email"])


def _register_and_login(email: str = "new.buyer@example.com", role: str = "buyer") -> dict:
    registered = call(
        "POST",
        "/api/v1/auth/register",
        body={"email": email, "password": PASSWORD, "full_name": "Nia Buyer", "role": role},
    )
    assert registered.status == 201, registered.body
    confirmed = call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "123456"})
    assert confirmed.status == 200, confirmed.body
    login = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    assert login.status == 200, login.body
    return login.data["attributes"]


def test_register_confirm_login_me_update_logout(aws, jwks_server):
    tokens = _register_and_login(role="realtor")
    assert set(tokens) >= {"access_token", "id_token", "refresh_token", "expires_in"}

    policy = _authorize(tokens["access_token"])
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["policyDocument"]["Statement"][0]["Resource"].endswith("abc123/dev/*/*")
    session = _Session(policy)
    assert session.caller.role.value == "realtor"

    me = call("GET", "/api/v1/auth/me", caller=session.caller)
    assert me.status == 200
    assert me.data["type"] == "user"
    assert me.data["attributes"]["role"] == "realtor"
    assert me.data["attributes"]["full_name"] == "Nia Buyer"
    assert "cognito_sub" not in me.data["attributes"]

    updated = call(
        "PUT", "/api/v1/auth/me", caller=session.caller, body={"full_name": "Nia Realtor", "phone": "+1 415 555 0123"}
    )
    assert updated.status == 200, updated.body
    assert updated.data["attributes"]["phone"] == "+14155550123"
    again = call("GET", "/api/v1/auth/me", caller=session.caller)
    assert again.data["attributes"]["full_name"] == "Nia Realtor"
    assert again.data["attributes"]["phone"] == "+14155550123"

    refreshed = call("POST", "/api/v1/auth/refresh", body={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 200
    assert refreshed.data["attributes"]["access_token"]

    out = call(
        "POST",
        "/api/v1/auth/logout",
        caller=session.caller,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert out.status == 200, out.body
    revoked = call("POST", "/api/v1/auth/refresh", body={"refresh_token": tokens["refresh_token"]})
    assert revoked.status == 401


def test_first_sight_creates_the_user_once_with_the_registered_role(aws, jwks_server):
    tokens = _register_and_login(email="twice@example.com", role="realtor")
    first = _authorize(tokens["access_token"])
    second = _authorize(tokens["access_token"])
    assert first["context"]["user_id"] == second["context"]["user_id"]
    assert first["context"]["role"] == "realtor"


def test_registering_as_admin_is_a_validation_error(aws):
    result = call(
        "POST",
        "/api/v1/auth/register",
        body={"email": "sneaky@example.com", "password": PASSWORD, "full_name": "S", "role": "admin"},
    )
    assert result.status == 422
    assert result.body["errors"][0]["field"] == "role"


def test_duplicate_email_is_a_conflict(aws):
    body = {"email": "dup@example.com", "password": PASSWORD, "full_name": "D", "role": "buyer"}
    assert call("POST", "/api/v1/auth/register", body=body).status == 201
    second = call("POST", "/api/v1/auth/register", body=body)
    assert second.status == 409
    assert second.body["errors"][0]["field"] == "email"


def test_weak_password_names_the_password_field(aws):
    result = call(
        "POST",
        "/api/v1/auth/register",
        body={"email": "weak@example.com", "password": "short", "full_name": "W", "role": "buyer"},
    )
    assert result.status == 422
    assert result.body["errors"][0]["field"] == "password"


def test_wrong_password_and_unknown_email_answer_the_same(aws):
    _register_and_login(email="known@example.com")
    wrong = call("POST", "/api/v1/auth/login", body={"email": "known@example.com", "password": "Wrong-Pass-2026!"})
    unknown = call("POST", "/api/v1/auth/login", body={"email": "nobody@example.com", "password": "Wrong-Pass-2026!"})
    assert wrong.status == unknown.status == 401
    assert wrong.body["errors"][0]["message"] == unknown.body["errors"][0]["message"]


def test_unconfirmed_user_gets_user_not_confirmed(aws):
    call(
        "POST",
        "/api/v1/auth/register",
        body={"email": "later@example.com", "password": PASSWORD, "full_name": "L", "role": "buyer"},
    )
    result = call("POST", "/api/v1/auth/login", body={"email": "later@example.com", "password": PASSWORD})
    assert result.status == 403
    assert result.error_codes == ["USER_NOT_CONFIRMED"]


@pytest.mark.parametrize(
    ("raw_body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "BAD_REQUEST"),
        ("[1, 2]", "application/json", 400, "BAD_REQUEST"),
        ("email=a@b.c", "application/x-www-form-urlencoded", 400, "BAD_REQUEST"),
        ('{"email": "a@example.com", "password": "x", "extra": 1}', "application/json", 422, "VALIDATION_ERROR"),
        ('{"email": "not-an-email", "password": "x"}', "application/json", 422, "VALIDATION_ERROR"),
        ('{"email": "a@example.com"}', "application/json", 422, "VALIDATION_ERROR"),
        ('{"email": "a@example.com", "password": "' + "x" * 70000 + '"}', "application/json", 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_bodies_get_a_clear_4xx(aws, raw_body, content_type, status, code):
    result = call("POST", "/api/v1/auth/login", raw_body=raw_body, headers={"Content-Type": content_type})
    assert result.status == status, result.body
    assert result.body["success"] is False
    assert result.error_codes[0] == code
    if status == 422:
        assert result.body["errors"][0]["field"] in {"extra", "email", "password"}


def test_password_reset_does_not_reveal_accounts(aws):
    unknown = call("POST", "/api/v1/auth/password-reset/request", body={"email": "ghost@example.com"})
    assert unknown.status == 202


def test_phone_must_be_e164(aws, make_user):
    caller = make_user("buyer")
    result = call("PUT", "/api/v1/auth/me", caller=caller, body={"phone": "555-0123"})
    assert result.status == 422
    assert result.body["errors"][0]["field"] == "phone"


def test_a_json_array_body_is_refused_not_read_as_its_first_element(aws):
    body = '[{"email": "a@example.com", "password": "Correct-Horse-2026!"}]'
    result = call("POST", "/api/v1/auth/login", raw_body=body)
    assert result.status == 400
    assert result.body["errors"][0]["message"] == "the request body must be a JSON object"


def test_two_edits_from_the_same_read_cannot_both_win_even_within_one_second(aws, make_user):
    from realty.core.audit import audit_action
    from realty.core.errors import Conflict
    from realty.users import store

    caller = make_user("buyer")
    read = store.get_user(caller.user_id)

    def audit():
        return audit_action(actor_id=caller.user_id, action="user.updated", resource_type="user", resource_id=read.id)

    store.save_user(read.model_copy(update={"full_name": "First"}), audit=audit())
    with pytest.raises(Conflict):
        store.save_user(read.model_copy(update={"full_name": "Second"}), audit=audit())
    assert store.get_user(caller.user_id).full_name == "First"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/health", None),
        ("POST", "/api/v1/auth/login", {"email": "x"}),
        ("POST", "/api/v1/auth/login", [1]),
    ],
)
def test_every_answer_names_the_web_apps_origin_for_cors(aws, method, path, body):
    result = call(method, path, body=body, headers={"Origin": "http://localhost:5173"})
    assert result.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_an_email_cognito_refuses_at_sign_up_is_a_422_naming_the_email(aws):
    # The local Cognito (moto) accepts fewer addresses than `format: email` describes.
    body = {"email": "*odd+@example.com", "password": "Correct-Horse-2026!", "full_name": "Odd", "role": "buyer"}

    result = call("POST", "/api/v1/auth/register", body=body)

    assert result.status == 422, result.body
    assert result.body["errors"][0]["field"] == "email"


def _sign_in_audit(email: str) -> list[dict]:
    from realty.core.aws import client
    from realty.core.config import get_settings
    from realty.core.dynamo import from_item

    response = client("dynamodb").query(
        TableName=get_settings().audit_table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#account#{email}"}},
        ScanIndexForward=True,
    )
    return [from_item(item) for item in response["Items"]]


def test_sign_ins_and_failed_sign_ins_are_audited_without_secrets(aws, jwks_server):
    email = "audited@example.com"
    tokens = _register_and_login(email=email)
    user_id = _authorize(tokens["access_token"])["context"]["user_id"]
    wrong = call("POST", "/api/v1/auth/login", body={"email": email, "password": "Wrong-Horse-2026!"})
    assert wrong.status == 401
    again = call("POST", "/api/v1/auth/login", body={"email": email.upper(), "password": PASSWORD})
    assert again.status == 200

    entries = _sign_in_audit(email)

    assert [(e["action"], e["actor_id"]) for e in entries][-2:] == [
        ("auth.sign_in_failed", "anonymous"),
        ("auth.signed_in", user_id),
    ]
    assert entries[0]["action"] == "auth.signed_in"  # the first one, before the user record existed
    assert entries[0]["actor_id"].startswith("cognito:")
    assert entries[-2]["details"] == {"reason": wrong.error_codes[0]}
    flat = repr(entries)
    assert PASSWORD not in flat and "Wrong-Horse" not in flat
    assert tokens["access_token"] not in flat and again.data["attributes"]["access_token"] not in flat
