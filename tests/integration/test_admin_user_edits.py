"""Admins edit what support needs of a user: phone and active state, audited with before and after."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from realty.core.auth import Caller, Role
from testkit.api import FakeLambdaContext, call, load_function

PASSWORD = "Correct-Horse-2026!"


def _audit(user_id: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName="realty-test-audit",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#user#{user_id}"}},
    )["Items"]
    return [i for i in items if i["action"]["S"] != "user.created"]


def _authorize(token: str) -> dict[str, Any]:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/api/v1/auth/me",
    }
    return dict(load_function("authorizer").lambda_handler(event, FakeLambdaContext()))


def _login(email: str) -> Any:
    return call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})


@pytest.fixture
def member(aws, jwks_server) -> tuple[Caller, dict[str, str]]:
    email = "member@example.com"
    call(
        "POST",
        "/api/v1/auth/register",
        body={"email": email, "password": PASSWORD, "full_name": "M", "role": "realtor"},
    )
    call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "000000"})
    tokens = _login(email).data["attributes"]
    context = _authorize(tokens["access_token"])["context"]
    return Caller(user_id=context["user_id"], role=Role(context["role"]), email=email), tokens


def test_an_admin_sets_and_removes_a_phone_and_the_audit_keeps_it_masked(make_user):
    admin, buyer = make_user(Role.ADMIN), make_user(Role.BUYER)
    path = f"/api/v1/admin/users/{buyer.user_id}"

    set_ = call("PUT", path, caller=admin, body={"phone": "+1 (415) 555-0123"})
    assert set_.status == 200, set_.body
    assert set_.data["attributes"]["phone"] == "+14155550123"
    assert call("GET", "/api/v1/auth/me", caller=buyer).data["attributes"]["phone"] == "+14155550123"
    removed = call("PUT", path, caller=admin, body={"phone": ""})
    assert removed.status == 200 and removed.data["attributes"]["phone"] is None

    first, second = sorted(_audit(buyer.user_id), key=lambda i: i["SK"]["S"])
    assert first["action"]["S"] == "user.updated" and first["actor_id"]["S"] == admin.user_id
    assert first["details"]["M"]["before"]["M"]["phone"] == {"NULL": True}
    assert first["details"]["M"]["after"]["M"]["phone"] == {"S": "***23"}
    assert second["details"]["M"]["before"]["M"]["phone"] == {"S": "***23"}
    assert "5550123" not in str(first) + str(second)


def test_bad_phone_or_active_values_are_422_naming_the_field_and_change_nothing(make_user):
    admin, buyer = make_user(Role.ADMIN), make_user(Role.BUYER)
    path = f"/api/v1/admin/users/{buyer.user_id}"
    for body, field in [
        ({"phone": "555-0123"}, "phone"),
        ({"phone": None}, "phone"),
        ({"active": None}, "active"),
        ({"active": "sometimes"}, "active"),
    ]:
        result = call("PUT", path, caller=admin, body=body)
        assert result.status == 422, (body, result.body)
        assert [e["field"] for e in result.body["errors"]] == [field]
    assert _audit(buyer.user_id) == []


def test_deactivating_signs_the_user_out_and_reactivating_lets_them_back_in(member, make_user):
    user, tokens = member
    admin = make_user(Role.ADMIN)
    path = f"/api/v1/admin/users/{user.user_id}"
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    from realty.core.config import get_settings

    pool = get_settings().user_pool_id

    off = call("PUT", path, caller=admin, body={"active": False})
    assert off.status == 200, off.body
    assert off.data["attributes"]["status"] == "deactivated"
    assert cognito.admin_get_user(UserPoolId=pool, Username=user.email)["Enabled"] is False
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        _authorize(tokens["access_token"])
    assert _login(user.email).status == 401
    listed = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "member@"})
    assert [u["attributes"]["status"] for u in listed.data] == ["deactivated"]
    # Deactivating twice changes nothing more.
    assert call("PUT", path, caller=admin, body={"active": False}).status == 200

    on = call("PUT", path, caller=admin, body={"active": True})
    assert on.status == 200 and on.data["attributes"]["status"] == "active"
    assert cognito.admin_get_user(UserPoolId=pool, Username=user.email)["Enabled"] is True
    fresh = _login(user.email)
    assert fresh.status == 200, fresh.body
    assert _authorize(fresh.data["attributes"]["access_token"])["context"]["user_id"] == user.user_id

    trail = sorted(_audit(user.user_id), key=lambda i: i["SK"]["S"])
    assert [i["action"]["S"] for i in trail] == ["user.deactivated", "user.reactivated"]
    assert trail[0]["details"]["M"]["before"]["M"] == {"active": {"BOOL": True}}
    assert trail[0]["details"]["M"]["after"]["M"] == {"active": {"BOOL": False}}


def test_an_admin_cannot_deactivate_themself_nor_revive_a_deleted_user(make_user):
    admin, buyer = make_user(Role.ADMIN), make_user(Role.BUYER)
    own = call("PUT", f"/api/v1/admin/users/{admin.user_id}", caller=admin, body={"active": False})
    assert own.status == 409 and own.body["errors"][0]["field"] == "active"

    assert call("DELETE", f"/api/v1/admin/users/{buyer.user_id}", caller=admin).status == 200
    revived = call("PUT", f"/api/v1/admin/users/{buyer.user_id}", caller=admin, body={"active": True})
    assert revived.status == 409
    assert call("GET", f"/api/v1/admin/users/{buyer.user_id}", caller=admin).data["attributes"]["status"] == "deleted"


# ---------------------------------------------------------------- email, through the verified flow


def _verify(user: Caller, tokens: dict[str, str], code: str) -> Any:
    return call(
        "POST",
        "/api/v1/auth/me/email/verify",
        caller=user,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        body={"code": code},
    )


def test_an_admins_new_email_for_a_user_takes_effect_only_once_the_user_verifies_it(
    member, make_user, email_verification
):
    from tests.support.bookings import at, booked, new_property

    user, tokens = member
    admin, buyer = make_user(Role.ADMIN), make_user(Role.BUYER)
    booking_id = booked(buyer, new_property(user), at(days=2), 30)
    path = f"/api/v1/admin/users/{user.user_id}"

    asked = call("PUT", path, caller=admin, body={"email": "New.Member@Example.com"})

    assert asked.status == 200, asked.body
    assert asked.data["attributes"]["email"] == "member@example.com"
    assert asked.data["attributes"]["pending_email"] == "new.member@example.com"
    assert email_verification.sent == ["new.member@example.com"]
    assert call("GET", "/api/v1/admin/users", caller=admin, query={"email": "new.member"}).data == []
    assert _login("member@example.com").status == 200  # the old address still signs in until verified
    [requested] = _audit(user.user_id)
    assert requested["action"]["S"] == "user.email_change_requested"
    assert requested["details"]["M"]["before"]["M"]["email"] == {"S": "member@example.com"}
    assert requested["details"]["M"]["after"]["M"]["email"] == {"S": "new.member@example.com"}

    wrong = _verify(user, tokens, "999999")
    assert wrong.status == 422 and wrong.body["errors"][0]["field"] == "code"
    assert call("GET", "/api/v1/auth/me", caller=user).data["attributes"]["email"] == "member@example.com"

    verified = _verify(user, tokens, email_verification.code_for("new.member@example.com"))

    assert verified.status == 200, verified.body
    assert verified.data["attributes"]["email"] == "new.member@example.com"
    assert verified.data["attributes"]["pending_email"] is None
    found = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "new.member"}).data
    assert [u["id"] for u in found] == [user.user_id]
    assert call("GET", "/api/v1/admin/users", caller=admin, query={"email": "member@"}).data == []
    booking = call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=buyer).data
    assert booking["attributes"]["realtor"]["name"] == "M"
    admin_view = call("GET", f"/api/v1/admin/bookings/{booking_id}", caller=admin).data
    assert admin_view["attributes"]["realtor"]["email"] == "new.member@example.com"
    assert _login("new.member@example.com").status == 200
    changed = [i for i in _audit(user.user_id) if i["action"]["S"] == "user.email_changed"]
    assert [i["details"]["M"]["after"]["M"]["email"]["S"] for i in changed] == ["new.member@example.com"]
    assert changed[0]["details"]["M"]["before"]["M"]["email"] == {"S": "member@example.com"}

    again = _verify(user, tokens, email_verification.code_for("new.member@example.com"))
    assert again.status == 409


def test_an_email_another_account_uses_is_409_and_bad_email_fields_are_422(member, make_user, email_verification):
    user, _ = member
    admin = make_user(Role.ADMIN)
    other = make_user(Role.BUYER, email="taken@example.com")
    path = f"/api/v1/admin/users/{user.user_id}"

    taken = call("PUT", path, caller=admin, body={"email": "Taken@example.com"})
    assert taken.status == 409 and taken.body["errors"][0]["field"] == "email"
    for body, field in (
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"emial": "a@b.co"}, "emial"),
    ):
        invalid = call("PUT", path, caller=admin, body=body)
        assert invalid.status == 422, (body, invalid.body)
        assert [e["field"] for e in invalid.body["errors"]] == [field]
    seeded = call("PUT", f"/api/v1/admin/users/{other.user_id}", caller=admin, body={"email": "fresh@example.com"})
    assert seeded.status == 409  # no sign-in account to send the code through
    assert email_verification.sent == []
    assert _audit(user.user_id) == [] and _audit(other.user_id) == []
    nothing = call(
        "POST",
        "/api/v1/auth/me/email/verify",
        caller=user,
        headers={"Authorization": "Bearer whatever"},
        body={"code": "000001"},
    )
    assert nothing.status == 409
