"""`make smoke API_URL=https://<id>.execute-api.<region>.amazonaws.com/<stage>/api/v1`: a deployed stage checked
in one command, with the end-to-end tests' HTTP client pointed at it.

The journey, without media (no call, no recording, no processing): health; a realtor and a buyer created for
the run; the realtor lists a property; the buyer finds it and books a tour; the realtor confirms; the buyer sees
the tour; a buyer's token is refused a realtor's route; then everything the run made is deleted again (the
booking cancelled, the property deleted, both users removed).

The two users are created with the Cognito admin API (no email is sent, nothing waits for a code), so it needs
AWS credentials allowed `cognito-idp:AdminCreateUser/AdminSetUserPassword/AdminDeleteUser` on the stage's user
pool: `--user-pool-id` (or `USER_POOL_ID`), else the pool of the CloudFormation stack whose `ApiUrl` output is
`--api-url`. `--aws-endpoint` points the admin calls at an emulator (the local stack's moto).

Exit status 0 when every step passed; each step prints one line.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from tests.e2e.conftest import Reply, http_request


class SmokeFailed(Exception):
    """A step of the journey did not answer as a working stage would."""


@dataclass
class Stage:
    api_url: str  # .../api/v1

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Reply:
        return http_request(self.api_url, method, path, body, token=token)

    def expect(
        self, status: int, method: str, path: str, body: Any = None, *, token: str | None = None
    ) -> dict[str, Any]:
        reply = self.call(method, path, body, token=token)
        if reply.status != status:
            raise SmokeFailed(f"{method} {path} answered {reply.status}, expected {status}: {reply.body[:500]!r}")
        if not reply.body:
            return {}
        try:
            document: dict[str, Any] = reply.json
        except ValueError:
            # A URL that is not the API (the web app's page, a proxy's error page) answers something else.
            kind = reply.headers.get("Content-Type") or reply.headers.get("content-type") or "no content type"
            raise SmokeFailed(f"{method} {path} answered {reply.status}, a body that is not JSON ({kind})") from None
        if not isinstance(document, dict) or document.get("success") is not (status < 400):
            raise SmokeFailed(f"{method} {path}: not the envelope expected: {reply.body[:500]!r}")
        return document


def _region(api_url: str, given: str | None) -> str:
    if given:
        return given
    host = urlparse(api_url).hostname or ""
    parts = host.split(".")
    if len(parts) > 3 and parts[1] == "execute-api":
        return parts[2]
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _client(service: str, region: str, endpoint: str | None) -> Any:
    import boto3  # the operator's AWS SDK; only this command needs it

    return boto3.session.Session(region_name=region).client(service, endpoint_url=endpoint)


def find_user_pool(api_url: str, region: str, endpoint: str | None) -> str:
    """The UserPoolId output of the stack whose ApiUrl output is `api_url`."""
    wanted = api_url.rstrip("/")
    for page in _client("cloudformation", region, endpoint).get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
            if outputs.get("ApiUrl", "").rstrip("/") == wanted and "UserPoolId" in outputs:
                return outputs["UserPoolId"]
    raise SmokeFailed(f"no CloudFormation stack in {region} has the ApiUrl output {api_url}: pass --user-pool-id")


@contextmanager
def temporary_user(cognito: Any, pool_id: str, role: str, run: str) -> Iterator[tuple[str, str]]:
    """A confirmed user of `role` for this run only (email, password); deleted afterwards."""
    email = f"smoke-{role}-{run}@example.com"
    password = f"Smoke-{secrets.token_urlsafe(12)}-9a!"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": f"Smoke {role.title()}"},
            {"Name": "custom:role", "Value": role},
        ],
    )
    try:
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
        yield email, password
    finally:
        cognito.admin_delete_user(UserPoolId=pool_id, Username=email)


def journey(stage: Stage, realtor: tuple[str, str], buyer: tuple[str, str], say: Callable[[str], None]) -> None:
    health = stage.expect(200, "GET", "/health")
    say(f"health: {health['data']['attributes'].get('status', 'ok')}")

    def login(user: tuple[str, str]) -> str:
        tokens = stage.expect(200, "POST", "/auth/login", {"email": user[0], "password": user[1]})
        token: str = tokens["data"]["attributes"]["access_token"]
        return token

    realtor_token, buyer_token = login(realtor), login(buyer)
    me = stage.expect(200, "GET", "/auth/me", token=realtor_token)
    if me["data"]["attributes"]["role"] != "realtor":
        raise SmokeFailed(f"the realtor's profile says role {me['data']['attributes']['role']!r}")
    say("sign-in: a realtor and a buyer")

    run = uuid.uuid4().hex[:6]
    listing = {
        "address": f"{run} Smoke Test Lane",
        "city": "Springfield",
        "price": 350_000,
        "bedrooms": 3,
        "bathrooms": 2,
        "sqft": 1500,
    }
    property_id = stage.expect(201, "POST", "/realtors/properties", listing, token=realtor_token)["data"]["id"]
    try:
        found = stage.expect(200, "GET", f"/buyers/properties/{property_id}", token=buyer_token)
        if found["data"]["id"] != property_id:
            raise SmokeFailed("the buyer was shown another property")
        say(f"property: listed and visible to buyers ({property_id})")

        denied = stage.call("POST", "/realtors/properties", listing, token=buyer_token)
        if denied.status != 403 or denied.json.get("success") is not False:
            raise SmokeFailed(f"a buyer's token on a realtor route answered {denied.status}: {denied.body[:300]!r}")
        say("roles: a buyer is refused a realtor's route (403)")

        start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
        request = {"property_id": property_id, "scheduled_at": start.strftime("%Y-%m-%dT%H:%M:%SZ")}
        booking_id = stage.expect(201, "POST", "/buyers/bookings", request, token=buyer_token)["data"]["id"]
        try:
            stage.expect(200, "PUT", f"/realtors/bookings/{booking_id}/confirm", token=realtor_token)
            booking = stage.expect(200, "GET", f"/buyers/bookings/{booking_id}", token=buyer_token)
            if booking["data"]["attributes"]["status"] != "confirmed":
                raise SmokeFailed(f"the confirmed booking says {booking['data']['attributes']['status']!r}")
            say(f"booking: requested, confirmed ({booking_id})")
            tours = stage.expect(200, "GET", "/buyers/tours", token=buyer_token)["data"]
            if not tours:
                raise SmokeFailed("the confirmed booking's tour is not in the buyer's tours")
            say("tour: scheduled and listed for the buyer")
        finally:
            stage.call("DELETE", f"/realtors/bookings/{booking_id}", token=realtor_token)
    finally:
        stage.call("DELETE", f"/realtors/properties/{property_id}", token=realtor_token)
    say("clean-up: booking cancelled, property deleted")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--api-url", default=os.environ.get("API_URL"), help="the stack's ApiUrl output")
    parser.add_argument("--user-pool-id", default=os.environ.get("USER_POOL_ID"))
    parser.add_argument("--region", default=None, help="default: from the API URL")
    parser.add_argument("--aws-endpoint", default=None, help="an emulator's endpoint for the Cognito admin calls")
    args = parser.parse_args(argv)
    if not args.api_url:
        parser.error("give the stage's ApiUrl output: make smoke API_URL=https://.../<stage>/api/v1")
    api_url = str(args.api_url).rstrip("/")
    if not api_url.endswith("/api/v1"):
        parser.error("API_URL is the stack's ApiUrl output, ending in /api/v1")

    def say(line: str) -> None:
        print(f"ok  {line}", flush=True)

    try:
        region = _region(api_url, args.region)
        pool_id = args.user_pool_id or find_user_pool(api_url, region, args.aws_endpoint)
        cognito = _client("cognito-idp", region, args.aws_endpoint)
        run = uuid.uuid4().hex[:8]
        with (
            temporary_user(cognito, pool_id, "realtor", run) as realtor,
            temporary_user(cognito, pool_id, "buyer", run) as buyer,
        ):
            journey(Stage(api_url), realtor, buyer, say)
        say("users: removed")
    except SmokeFailed as failure:
        print(f"FAILED  {failure}", file=sys.stderr)
        return 1
    print(f"smoke passed against {api_url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
