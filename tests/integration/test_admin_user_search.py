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
