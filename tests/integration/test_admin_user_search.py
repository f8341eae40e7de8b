"""Admins find a user by the start of their email: one Query of an index, never a Scan."""

from __future__ import annotations

from realty.core.auth import Role
from testkit.api import call


def _emails(result) -> list[str]:
    assert result.status == 200, result.body
    return [u["attributes"]["email"] for u in result.data]


def test_users_are_found_by_email_prefix_case_insensitively_in_email_order(make_user):
    admin = make_user(Role.ADMIN, email="admin@example.com")
    for email, role in [
        ("maria.lopez@example.com", Role.BUYER),
        ("mark@homes.example", Role.REALTOR),
        ("marco@example.com", Role.BUYER),
        ("zoe@example.com", Role.BUYER),
    ]:
        make_user(role, email=email)

    found = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "MAR"})
    assert _emails(found) == ["marco@example.com", "maria.lopez@example.com", "mark@homes.example"]
    assert not {"GSI3PK", "GSI3SK"} & set(found.data[0]["attributes"])

    exact = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "mark@homes.example"})
    assert _emails(exact) == ["mark@homes.example"]
    assert _emails(call("GET", "/api/v1/admin/users", caller=admin, query={"email": "maz"})) == []

    realtors = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "mar", "role": "realtor"})
    assert _emails(realtors) == ["mark@homes.example"]


def test_a_prefix_search_pages_with_its_own_cursor(make_user):
    admin = make_user(Role.ADMIN, email="admin@example.com")
    for n in range(5):
        make_user(Role.BUYER, email=f"pat{n}@example.com")
    make_user(Role.BUYER, email="paula@example.com")

    seen: list[str] = []
    cursor = None
    while True:
        query = {"email": "pat", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = call("GET", "/api/v1/admin/users", caller=admin, query=query)
        seen += _emails(page)
        cursor = page.body["meta"]["pagination"]["next_cursor"]
        if not cursor:
            break
    assert seen == [f"pat{n}@example.com" for n in range(5)]

    first = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "pat", "limit": "1"})
    elsewhere = call(
        "GET",
        "/api/v1/admin/users",
        caller=admin,
        query={"email": "pau", "cursor": first.body["meta"]["pagination"]["next_cursor"]},
    )
    assert elsewhere.status == 400
    assert elsewhere.body["errors"][0]["field"] == "cursor"


def test_bad_searches_are_refused_naming_the_field_and_only_admins_search(make_user):
    admin = make_user(Role.ADMIN)
    blank = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "   "})
    assert blank.status == 400 and blank.body["errors"][0]["field"] == "email"
    empty = call("GET", "/api/v1/admin/users", caller=admin, query={"email": ""})
    assert empty.status in (400, 422) and "email" in str(empty.body["errors"][0].get("field"))
    too_long = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "a" * 255})
    assert too_long.status == 422 and "email" in str(too_long.body["errors"][0].get("field"))

    buyer = make_user(Role.BUYER)
    assert call("GET", "/api/v1/admin/users", caller=buyer, query={"email": "a"}).status == 403


def test_users_saved_before_the_search_key_existed_are_found_after_the_backfill(make_user):
    import boto3

    from realty.core.config import get_settings
    from realty.users.store import backfill_email_search_keys, user_key

    admin = make_user(Role.ADMIN, email="admin@example.com")
    old = [make_user(Role.BUYER, email=f"legacy{n}@example.com") for n in range(3)]
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for user in old:  # as a user saved by the release before this key
        dynamodb.update_item(
            TableName=get_settings().main_table, Key=user_key(user.user_id), UpdateExpression="REMOVE GSI3PK, GSI3SK"
        )
    assert _emails(call("GET", "/api/v1/admin/users", caller=admin, query={"email": "legacy"})) == []

    assert backfill_email_search_keys(page_size=2) == 3
    assert backfill_email_search_keys() == 0  # nothing left: running it again changes nothing

    found = call("GET", "/api/v1/admin/users", caller=admin, query={"email": "legacy"})
    assert _emails(found) == [f"legacy{n}@example.com" for n in range(3)]
