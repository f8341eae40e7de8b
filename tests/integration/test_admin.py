"""The admin function against moto: user lists, roles, deletion through Cognito, phones, avatars
(processed by the images function), and the audit trail with its filters and cursors."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from realty.core import clock
from realty.core.auth import Role
from testkit.api import ROOT, FakeLambdaContext, call, load_function

PASSWORD = "Correct-Horse-2026!"
LISTING = {"address": "5 Elm St", "city": "Boston", "price": 900000, "bedrooms": 2, "bathrooms": 1, "sqft": 950}


def _dynamodb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def _bucket() -> str:
    from realty.core.config import get_settings

    return get_settings().media_bucket


def media_keys() -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=_bucket())
    return sorted(o["Key"] for o in listed.get("Contents", []))


def audit_items(**filters: str) -> list[dict[str, Any]]:
    """Straight from the audit table (not through the API under test)."""
    if "resource" in filters:
        # A resource's history is the audit table's own partition.
        request: dict[str, Any] = {"KeyConditionExpression": "PK = :pk", "pk": f"RESOURCE#{filters['resource']}"}
    else:
        request = {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :pk", "pk": f"ACTOR#{filters['actor']}"}
    pk = request.pop("pk")
    return list(
        _dynamodb().query(TableName="realty-test-audit", ExpressionAttributeValues={":pk": {"S": pk}}, **request)[
            "Items"
        ]
    )


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(Role.ADMIN, full_name="Ada Admin"),
        "realtor": make_user(Role.REALTOR, full_name="Rae Realtor"),
        "buyer": make_user(Role.BUYER, full_name="Bo Buyer"),
    }


# ---------------------------------------------------------------- roles


def test_only_admins_reach_the_admin_function(people, make_user):
    target = make_user(Role.BUYER)
    routes = [
        ("GET", "/api/v1/admin/users", None, 200),
        ("GET", f"/api/v1/admin/users/{target.user_id}", None, 200),
        ("PUT", f"/api/v1/admin/users/{target.user_id}", {"full_name": "Renamed"}, 200),
        ("POST", f"/api/v1/admin/users/{target.user_id}/avatar", {"content_type": "image/webp"}, 201),
        ("GET", "/api/v1/admin/audit-logs", None, 200),
        ("DELETE", f"/api/v1/admin/users/{target.user_id}", None, 200),
    ]
    for method, path, body, admin_status in routes:
        for role in ("buyer", "realtor"):
            refused = call(method, path, caller=people[role], body=body)
            assert refused.status == 403, (method, path, role)
            assert refused.error_codes == ["FORBIDDEN"]
        # Even the user's own record is off limits through the admin routes.
        assert call(method, path, caller=target, body=body).status == 403
        allowed = call(method, path, caller=people["admin"], body=body)
        assert allowed.status == admin_status, (method, path, allowed.body)


def test_unknown_users_are_404(people):
    admin = people["admin"]
    for method, body in [("GET", None), ("PUT", {"full_name": "X"}), ("DELETE", None)]:
        assert call(method, "/api/v1/admin/users/01J0000000000000000000NONE", caller=admin, body=body).status == 404
    avatar = call(
        "POST",
        "/api/v1/admin/users/01J0000000000000000000NONE/avatar",
        caller=admin,
        body={"content_type": "image/png"},
    )
    assert avatar.status == 404


# ---------------------------------------------------------------- listing users


def test_users_are_listed_newest_first_by_role_across_pages(make_user):
    moments = iter(datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=n) for n in range(10_000))
    clock.set_clock(lambda: next(moments))
    try:
        admin = make_user(Role.ADMIN)
        buyers = [make_user(Role.BUYER).user_id for _ in range(5)]
        realtors = [make_user(Role.REALTOR).user_id for _ in range(2)]
    finally:
        clock.set_clock(None)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"role": "buyer", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = call("GET", "/api/v1/admin/users", caller=admin, query=query)
        assert page.status == 200, page.body
        seen += [u["id"] for u in page.data]
        assert {u["attributes"]["role"] for u in page.data} <= {"buyer"}
        pages += 1
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            break
    assert seen == buyers[::-1]
    assert pages == 3

    everyone = call("GET", "/api/v1/admin/users", caller=admin, query={"limit": "100"})
    assert [u["id"] for u in everyone.data] == [*realtors[::-1], *buyers[::-1], admin.user_id]
    first = everyone.data[0]["attributes"]
    assert first["status"] == "active"
    assert not {"cognito_sub", "phone_ciphertext", "PK", "GSI1PK", "avatar_key"} & set(first)

    buyer_cursor = call("GET", "/api/v1/admin/users", caller=admin, query={"role": "buyer", "limit": "1"})
    reused = call(
        "GET",
        "/api/v1/admin/users",
        caller=admin,
        query={"role": "realtor", "limit": "1", "cursor": buyer_cursor.body["meta"]["pagination"]["next_cursor"]},
    )
    assert reused.status == 400
    assert call("GET", "/api/v1/admin/users", caller=admin, query={"role": "superuser"}).status == 422


# ---------------------------------------------------------------- phones


def test_admins_read_phone_numbers_nobody_else_does(people):
    buyer, admin, realtor = people["buyer"], people["admin"], people["realtor"]
    assert call("PUT", "/api/v1/auth/me", caller=buyer, body={"phone": "+1 (617) 555-0142"}).status == 200

    shown = call("GET", f"/api/v1/admin/users/{buyer.user_id}", caller=admin)
    assert shown.data["attributes"]["phone"] == "+16175550142"
    listed = call("GET", "/api/v1/admin/users", caller=admin, query={"role": "buyer"})
    assert [u["attributes"]["phone"] for u in listed.data] == [None]
    assert call("GET", f"/api/v1/admin/users/{buyer.user_id}", caller=realtor).status == 403

    # Stored encrypted, and never copied into the audit trail.
    stored = _dynamodb().get_item(
        TableName="realty-test-main", Key={"PK": {"S": f"USER#{buyer.user_id}"}, "SK": {"S": "PROFILE"}}
    )
    assert "6175550142" not in json.dumps(stored["Item"])
    trail = json.dumps(audit_items(resource=f"user#{buyer.user_id}"))
    assert "6175550142" not in trail and "changed_fields" in trail


# ---------------------------------------------------------------- changing users


def identity_item(caller) -> dict[str, Any]:
    from realty.users import store

    user = store.get_user(caller.user_id)
    assert user is not None
    item = _dynamodb().get_item(
        TableName="realty-test-main", Key={"PK": {"S": f"IDENTITY#{user.cognito_sub}"}, "SK": {"S": "IDENTITY"}}
    )["Item"]
    return {k: v.get("S", v.get("N")) for k, v in item.items()}


def test_a_role_change_moves_user_and_identity_together_with_one_audit_item(people):
    admin, buyer = people["admin"], people["buyer"]
    changed = call(
        "PUT", f"/api/v1/admin/users/{buyer.user_id}", caller=admin, body={"role": "realtor", "full_name": "Bo Broker"}
    )
    assert changed.status == 200, changed.body
    assert changed.data["attributes"]["role"] == "realtor"
    assert changed.data["attributes"]["full_name"] == "Bo Broker"
    # The authorizer reads the identity item: it must carry the new role.
    assert identity_item(buyer)["role"] == "realtor"
    realtors = call("GET", "/api/v1/admin/users", caller=admin, query={"role": "realtor"})
    assert buyer.user_id in [u["id"] for u in realtors.data]
    buyers = call("GET", "/api/v1/admin/users", caller=admin, query={"role": "buyer"})
    assert buyer.user_id not in [u["id"] for u in buyers.data]

    trail = [i for i in audit_items(resource=f"user#{buyer.user_id}") if i["action"]["S"] != "user.created"]
    assert len(trail) == 1
    assert trail[0]["action"]["S"] == "user.role_changed"
    assert trail[0]["actor_id"]["S"] == admin.user_id
    details = trail[0]["details"]["M"]
    assert details["role"]["M"] == {"from": {"S": "buyer"}, "to": {"S": "realtor"}}
    assert sorted(f["S"] for f in details["changed_fields"]["L"]) == ["full_name", "role"]
    assert details["before"]["M"] == {"full_name": {"S": "Bo Buyer"}, "role": {"S": "buyer"}}
    assert details["after"]["M"] == {"full_name": {"S": "Bo Broker"}, "role": {"S": "realtor"}}


def test_an_admin_cannot_demote_or_delete_themself(people):
    admin = people["admin"]
    demote = call("PUT", f"/api/v1/admin/users/{admin.user_id}", caller=admin, body={"role": "buyer"})
    assert demote.status == 409
    assert demote.body["errors"][0]["field"] == "role"
    assert call("DELETE", f"/api/v1/admin/users/{admin.user_id}", caller=admin).status == 409
    assert identity_item(admin)["role"] == "admin"
    assert identity_item(admin)["status"] == "active"
    # Renaming oneself is fine.
    assert call("PUT", f"/api/v1/admin/users/{admin.user_id}", caller=admin, body={"full_name": "Ada A."}).status == 200


def test_invalid_user_changes_are_422_and_change_nothing(people):
    admin, buyer = people["admin"], people["buyer"]
    path = f"/api/v1/admin/users/{buyer.user_id}"
    before = call("GET", path, caller=admin).data
    for body, field in [
        ({"role": "superuser"}, "role"),
        ({"role": None}, "role"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        # An admin may now change an email (through the verified flow, test_admin_user_edits.py),
        # but not to something that is not one.
        ({"email": "not-an-email"}, "email"),
        ({"status": "active"}, "status"),
    ]:
        result = call("PUT", path, caller=admin, body=body)
        assert result.status == 422, (body, result.body)
        assert [e["field"] for e in result.body["errors"]] == [field]
    assert call("GET", path, caller=admin).data == before
    assert [i["action"]["S"] for i in audit_items(resource=f"user#{buyer.user_id}")] == ["user.created"]


@pytest.fixture
def signed_in(aws, jwks_server):
    """A real Cognito account, registered and signed in through the auth function, seen by the authorizer."""
    from realty.core.auth import Caller

    email = "leaving@example.com"
    call(
        "POST", "/api/v1/auth/register", body={"email": email, "password": PASSWORD, "full_name": "L", "role": "buyer"}
    )
    call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "000000"})
    tokens = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD}).data["attributes"]
    policy = authorize(tokens["access_token"])
    context = policy["context"]
    return Caller(user_id=context["user_id"], role=Role(context["role"]), email=context["email"]), tokens


def authorize(token: str) -> dict[str, Any]:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/api/v1/auth/me",
    }
    return dict(load_function("authorizer").lambda_handler(event, FakeLambdaContext()))


def test_deleting_a_user_disables_cognito_signs_out_and_the_authorizer_refuses(signed_in, make_user):
    user, tokens = signed_in
    admin = make_user(Role.ADMIN)

    deleted = call("DELETE", f"/api/v1/admin/users/{user.user_id}", caller=admin)
    assert deleted.status == 200, deleted.body
    assert deleted.data["attributes"]["status"] == "deleted"

    from realty.core.config import get_settings

    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    account = cognito.admin_get_user(UserPoolId=get_settings().user_pool_id, Username=user.email)
    assert account["Enabled"] is False
    # Refresh tokens were revoked by the global sign-out.
    assert call("POST", "/api/v1/auth/refresh", body={"refresh_token": tokens["refresh_token"]}).status == 401
    assert call("POST", "/api/v1/auth/login", body={"email": user.email, "password": PASSWORD}).status == 401
    # The still-unexpired access token is refused by the authorizer (identity marked deleted).
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(tokens["access_token"])

    # The record is kept (with its status) for the admin; a second delete or an edit is a conflict.
    shown = call("GET", f"/api/v1/admin/users/{user.user_id}", caller=admin)
    assert shown.data["attributes"]["status"] == "deleted"
    assert call("DELETE", f"/api/v1/admin/users/{user.user_id}", caller=admin).status == 409
    assert call("PUT", f"/api/v1/admin/users/{user.user_id}", caller=admin, body={"role": "realtor"}).status == 409
    actions = [i["action"]["S"] for i in audit_items(resource=f"user#{user.user_id}")]
    assert actions.count("user.deleted") == 1


# ---------------------------------------------------------------- avatars


def jpeg(width: int, height: int, colour: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    picture = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (42.0, 21.0, 3.0)})
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def upload_avatar(admin, user_id: str, data: bytes, content_type: str = "image/jpeg") -> str:
    grant = call("POST", f"/api/v1/admin/users/{user_id}/avatar", caller=admin, body={"content_type": content_type})
    assert grant.status == 201, grant.body
    attributes = grant.data["attributes"]
    key = attributes["fields"]["key"]
    assert key == f"uploads/avatars/{user_id}/{attributes['image_id']}"
    response = requests.post(attributes["url"], data=attributes["fields"], files={"file": ("a", data)}, timeout=10)
    assert response.status_code in {200, 204}
    event = copy.deepcopy(json.loads((ROOT / "events" / "s3_image_uploaded.json").read_text()))
    event["Records"][0]["s3"]["bucket"]["name"] = _bucket()
    event["Records"][0]["s3"]["object"]["key"] = key
    outcome = load_function("images").lambda_handler(event, FakeLambdaContext())
    return str(outcome["outcomes"][0])


def test_an_avatar_is_processed_to_400_square_and_replaces_the_previous_one(people):
    admin, realtor = people["admin"], people["realtor"]
    assert upload_avatar(admin, realtor.user_id, jpeg(1600, 900)) == "ready"
    first_keys = media_keys()
    assert len(first_keys) == 1 and first_keys[0].startswith(f"media/avatars/{realtor.user_id}/")
    avatar = Image.open(BytesIO(boto3.client("s3").get_object(Bucket=_bucket(), Key=first_keys[0])["Body"].read()))
    assert avatar.size == (400, 400)
    assert not avatar.getexif()

    shown = call("GET", f"/api/v1/admin/users/{realtor.user_id}", caller=admin).data["attributes"]
    assert first_keys[0] in shown["avatar_url"]
    own = call("GET", "/api/v1/auth/me", caller=realtor).data["attributes"]
    assert first_keys[0] in own["avatar_url"]

    assert upload_avatar(admin, realtor.user_id, jpeg(500, 500, (200, 10, 10))) == "ready"
    second_keys = media_keys()
    assert len(second_keys) == 1 and second_keys != first_keys  # the old avatar is gone
    actions = [i["action"]["S"] for i in audit_items(resource=f"user#{realtor.user_id}")]
    assert actions.count("user.avatar_upload_requested") == 2
    assert actions.count("user.avatar_updated") == 2
    assert {
        i["actor_id"]["S"] for i in audit_items(resource=f"user#{realtor.user_id}") if "avatar" in i["action"]["S"]
    } == {admin.user_id}


def test_an_avatar_that_is_not_an_image_is_deleted_and_the_old_one_kept(people):
    admin, realtor = people["admin"], people["realtor"]
    assert upload_avatar(admin, realtor.user_id, jpeg(400, 400)) == "ready"
    kept = media_keys()
    assert upload_avatar(admin, realtor.user_id, b"%PDF-1.7 definitely not a photo", "image/png") == "failed"
    assert media_keys() == kept
    actions = [i["action"]["S"] for i in audit_items(resource=f"user#{realtor.user_id}")]
    assert "user.avatar_rejected" in actions


# ---------------------------------------------------------------- the audit log


def _all_pages(admin, query: dict[str, str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = call(
            "GET", "/api/v1/admin/audit-logs", caller=admin, query={**query, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200, page.body
        entries += page.data
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            return entries
        assert len(page.data) == int(query.get("limit", "20"))


def test_the_audit_log_filters_by_actor_resource_and_time_newest_first(people):
    admin, realtor = people["admin"], people["realtor"]
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    moments = iter(start + timedelta(minutes=n) for n in range(10_000))
    clock.set_clock(lambda: next(moments))
    try:
        prop = call("POST", "/api/v1/realtors/properties", caller=realtor, body=LISTING).data["id"]
        for price in (910000, 920000, 930000):
            call("PUT", f"/api/v1/realtors/properties/{prop}", caller=realtor, body={"price": price})
        call("PUT", f"/api/v1/admin/properties/{prop}", caller=admin, body={"status": "sold"})
        other = call("POST", "/api/v1/realtors/properties", caller=realtor, body=LISTING).data["id"]
    finally:
        clock.set_clock(None)

    by_resource = _all_pages(admin, {"resource_type": "property", "resource_id": prop, "limit": "2"})
    assert [e["attributes"]["action"] for e in by_resource] == ["property.updated"] * 4 + ["property.created"]
    times = [e["attributes"]["created_at"] for e in by_resource]
    assert times == sorted(times, reverse=True)
    assert by_resource[0]["type"] == "audit_log"
    assert not {"PK", "SK", "GSI1PK", "GSI2PK"} & set(by_resource[0]["attributes"])

    by_realtor = _all_pages(admin, {"actor_id": realtor.user_id, "limit": "3"})
    assert [e["attributes"]["resource_id"] for e in by_realtor if e["attributes"]["resource_type"] == "property"] == [
        other,
        prop,
        prop,
        prop,
        prop,
    ]
    both = _all_pages(
        admin, {"actor_id": admin.user_id, "resource_type": "property", "resource_id": prop, "limit": "1"}
    )
    assert [e["attributes"]["details"]["status"]["to"] for e in both] == ["sold"]

    # An inclusive window from the first price change to the last one: the creation and the
    # admin's status change fall outside it.
    oldest_first = by_resource[::-1]
    lower, upper = oldest_first[1]["attributes"]["created_at"], oldest_first[3]["attributes"]["created_at"]
    window = _all_pages(admin, {"resource_type": "property", "resource_id": prop, "from": lower, "to": upper})
    assert [e["id"] for e in window] == [e["id"] for e in oldest_first[1:4]][::-1]
    everything = _all_pages(admin, {"limit": "4"})
    assert len(everything) >= 6 + 3  # the six property changes and the three users' creation


def test_audit_log_cursors_and_parameters_are_checked(people):
    admin = people["admin"]
    first = call("GET", "/api/v1/admin/audit-logs", caller=admin, query={"limit": "1"})
    cursor = first.body["meta"]["pagination"]["next_cursor"]
    assert cursor
    other_query = call(
        "GET",
        "/api/v1/admin/audit-logs",
        caller=admin,
        query={"limit": "1", "actor_id": admin.user_id, "cursor": cursor},
    )
    assert other_query.status == 400
    forged = call("GET", "/api/v1/admin/audit-logs", caller=admin, query={"limit": "1", "cursor": cursor[::-1]})
    assert forged.status == 400
    assert call("GET", "/api/v1/admin/audit-logs", caller=admin, query={"limit": "1", "cursor": cursor}).status == 200

    for query, field in [
        ({"resource_type": "property"}, "resource_id"),
        ({"resource_id": "01J0000000000000000000NONE"}, "resource_type"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-05-02T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, "to"),
        ({"limit": "1000"}, "limit"),
    ]:
        result = call("GET", "/api/v1/admin/audit-logs", caller=admin, query=query)
        assert result.status == 422, (query, result.body)
        assert result.body["errors"][0]["field"] == field


def test_the_sample_events_drive_the_handlers(people):
    """events/admin_*.json are real requests: with a real admin and target they are answered."""
    admin, buyer = people["admin"], people["buyer"]
    event = json.loads((ROOT / "events" / "admin_update_user.json").read_text())
    event["requestContext"]["authorizer"].update(user_id=admin.user_id, principalId=admin.user_id)
    event["path"] = event["path"].replace(event["pathParameters"]["id"], buyer.user_id)
    event["pathParameters"]["id"] = buyer.user_id
    response = load_function("admin").lambda_handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200, response["body"]
    assert json.loads(response["body"])["data"]["attributes"]["role"] == "realtor"

    logs = json.loads((ROOT / "events" / "admin_audit_logs.json").read_text())
    logs["requestContext"]["authorizer"].update(user_id=admin.user_id, principalId=admin.user_id)
    response = load_function("admin").lambda_handler(logs, FakeLambdaContext())
    assert response["statusCode"] == 200, response["body"]
    assert json.loads(response["body"])["data"] == []
