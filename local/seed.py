"""Demo data for the local stack: three users who can sign in, then whatever later capabilities add.

Cognito users are created with the admin APIs (confirmed, verified email, permanent password),
so they sign in with USER_PASSWORD_AUTH straight away. Their user records are written by the
app's own `realty.users.service.provision_user`, never as hand-written items, so the stored
shape is always the one the code expects.

Capabilities append to `seed_hooks` (properties, a demo tour, a sample recording); each hook gets
the `SeedContext` with the demo users, runs after them, and should be idempotent enough to run
once per fresh start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("local.seed")

DEMO_PASSWORD = "Demo-Pass-2026!"  # noqa: S105 - the published password of the local demo users


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@example.com", "Ada Admin", "admin"),
    DemoUser("realtor@example.com", "Riley Realtor", "realtor"),
    DemoUser("buyer@example.com", "Blake Buyer", "buyer"),
)


@dataclass(frozen=True)
class SeededUser:
    email: str
    role: str
    cognito_sub: str
    user_id: str


@dataclass
class SeedContext:
    """What seed hooks can use: AWS clients, the resolved stack, and the demo users by role."""

    client: Callable[[str], Any]
    refs: dict[str, Any]
    users: dict[str, SeededUser] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


SeedHook = Callable[[SeedContext], None]

DEMO_LISTINGS = (
    {
        "address": "48 Lakeview Drive",
        "city": "Austin",
        "mls_id": "DEMO-1001",
        "price": 725000,
        "bedrooms": 4,
        "bathrooms": 3,
        "sqft": 2650,
        "description": "A lake-facing family home with an open kitchen and a finished basement.",
    },
    {
        "address": "7 Harbor Lane, Unit 3B",
        "city": "Seattle",
        "mls_id": "DEMO-1002",
        "price": 489000,
        "bedrooms": 2,
        "bathrooms": 2,
        "sqft": 1120,
        "description": "A bright corner condo two blocks from the water, with in-unit laundry.",
    },
    {
        "address": "301 Orchard Road",
        "city": "Austin",
        "mls_id": "DEMO-1003",
        "price": 389000,
        "bedrooms": 3,
        "bathrooms": 2,
        "sqft": 1540,
        "description": "A renovated bungalow with a large back yard and a detached workshop.",
    },
)


def _caller(context: SeedContext, role: str) -> Any:
    from realty.core.auth import Caller, Role

    user = context.users[role]
    return Caller(user_id=user.user_id, role=Role(role), email=user.email)


def seed_pro_plan(context: SeedContext) -> None:
    """The demo realtor is on `pro`, so the local demo can record and process tours without Stripe."""
    from realty.billing.service import grant_plan

    grant_plan(context.users["realtor"].user_id, plan="pro", status="active")


def seed_listings(context: SeedContext) -> None:
    """A few active listings for buyers to browse, created through the properties service."""
    from realty.properties.models import CreatePropertyRequest
    from realty.properties.service import create_property

    realtor = _caller(context, "realtor")
    for listing in DEMO_LISTINGS:
        create_property(realtor, CreatePropertyRequest.model_validate(listing))


def seed_demo_tour(context: SeedContext) -> None:
    """A confirmed tour between the demo realtor and buyer, starting now: start, join, record, end.

    `REALTY_DEMO_TOUR=0` leaves it out: it holds the demo realtor's time for the next hour, which a
    journey that books that realtor for a tour starting now (the browser tests) needs free.
    """
    if os.environ.get("REALTY_DEMO_TOUR", "1") == "0":
        return
    from local.demo_tour import local_demo_tour

    context.extra["demo_tour_id"] = local_demo_tour(context)


# The demo tour first: it creates 12 Maple Street, the house the sample recording talks about.
seed_hooks: list[SeedHook] = [seed_pro_plan, seed_demo_tour, seed_listings]


def create_cognito_user(cognito: Any, pool_id: str, user: DemoUser, password: str = DEMO_PASSWORD) -> str:
    """A confirmed user with a permanent password; returns the Cognito `sub`."""
    created = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=user.email,
        UserAttributes=[
            {"Name": "email", "Value": user.email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": user.full_name},
            {"Name": "custom:role", "Value": user.role},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=user.email, Password=password, Permanent=True)
    attributes = {item["Name"]: item["Value"] for item in created["User"]["Attributes"]}
    return attributes["sub"]


def seed_demo_users(context: SeedContext, pool_id: str) -> None:
    from realty.users.service import provision_user

    cognito = context.client("cognito-idp")
    for user in DEMO_USERS:
        sub = create_cognito_user(cognito, pool_id, user)
        record = provision_user(cognito_sub=sub, email=user.email, full_name=user.full_name, role=user.role)
        context.users[user.role] = SeededUser(email=user.email, role=user.role, cognito_sub=sub, user_id=record.id)
        log.info("seeded %s (%s) as user %s", user.email, user.role, record.id)


def run_seed(context: SeedContext, pool_id: str) -> None:
    seed_demo_users(context, pool_id)
    for hook in seed_hooks:
        log.info("seed hook %s", getattr(hook, "__qualname__", hook))
        hook(context)
