"""Create the first admin of a deployed stage: a Cognito user and its user record with the admin role.

    make first-admin EMAIL=ops@example.com STACK=realtyforyou-prod [NAME="Ops Team"] [REGION=eu-west-1]

Nobody can register as an admin (self-service roles are buyer and realtor) and only an admin can
change a role, so a new stage needs one made from outside the API. With the caller's AWS credentials,
the script reads the stack's outputs (UserPoolId, MainTableName, AuditTableName), creates the
Cognito user with `AdminCreateUser` (email verified, no invitation sent, a random password nobody
sees) and writes the user record through the app's own `realty.users.service.provision_user` with
the admin role, audited as `user.created`: the role the authorizer reads is the table's, never a
Cognito attribute. The new admin then chooses a password with "Forgot password"
(`POST /api/v1/auth/password-reset/request`), so no password ever appears in a terminal or a log.

Run it again for the same email and it changes nothing: an existing admin is reported as such; an
existing user with another role is refused (promote them through `PUT /api/v1/admin/users/{id}`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import sys
from dataclasses import dataclass
from typing import Any

REQUIRED_OUTPUTS = ("UserPoolId", "MainTableName", "AuditTableName")


class FirstAdminError(Exception):
    """A reason to stop, said to the operator as is."""


@dataclass(frozen=True)
class FirstAdmin:
    user_id: str
    email: str
    created: bool  # False when this email was already an admin


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    missing = [name for name in REQUIRED_OUTPUTS if name not in outputs]
    if missing:
        raise FirstAdminError(f"stack {stack_name} has no output {', '.join(missing)}: is it a RealtyForYou stack?")
    return outputs


def use_stack(stack_name: str, region: str | None) -> dict[str, str]:
    """Point the layer at a deployed stack for a maintenance script: its Region, its tables (from the
    stack's outputs) and fresh settings; the outputs. Raises FirstAdminError for a stack that isn't ours."""
    import boto3

    session: Any = boto3.session.Session(region_name=region)
    if session.region_name:
        os.environ["AWS_REGION"] = session.region_name
    outputs = stack_outputs(session.client("cloudformation"), stack_name)
    os.environ["MAIN_TABLE"] = outputs["MainTableName"]
    os.environ["AUDIT_TABLE"] = outputs["AuditTableName"]
    from realty.core.config import reset_settings

    reset_settings()
    return outputs


def _unusable_password() -> str:
    # Meets any Cognito password policy and is never shown: the admin replaces it through "Forgot password".
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(40)) + "aA1!"


def _cognito_sub(cognito: Any, pool_id: str, email: str, full_name: str) -> str:
    try:
        created = cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": full_name},
            ],
            MessageAction="SUPPRESS",
        )
        attributes = created["User"]["Attributes"]
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=_unusable_password(), Permanent=True
        )
    except cognito.exceptions.UsernameExistsException:
        attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=email)["UserAttributes"]
    return next(item["Value"] for item in attributes if item["Name"] == "sub")


def create_first_admin(cognito: Any, outputs: dict[str, str], *, email: str, full_name: str) -> FirstAdmin:
    """The Cognito user and the admin user record; the app's settings point at the stack's tables."""
    from realty.core.config import reset_settings

    os.environ["MAIN_TABLE"] = outputs["MainTableName"]
    os.environ["AUDIT_TABLE"] = outputs["AuditTableName"]
    os.environ["USER_POOL_ID"] = outputs["UserPoolId"]
    reset_settings()
    from realty.core.auth import Role
    from realty.users import store
    from realty.users.service import provision_user

    email = email.strip().lower()
    sub = _cognito_sub(cognito, outputs["UserPoolId"], email, full_name)
    identity = store.get_identity(sub)
    existing = store.get_user(identity.user_id) if identity else None
    if existing is not None:
        if existing.role != Role.ADMIN:
            raise FirstAdminError(
                f"{email} is already a {existing.role.value} (user {existing.id}); an admin can change the role"
            )
        return FirstAdmin(user_id=existing.id, email=email, created=False)
    user = provision_user(cognito_sub=sub, email=email, full_name=full_name, role=Role.ADMIN)
    return FirstAdmin(user_id=user.id, email=email, created=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="", help="display name (default: the part of the email before @)")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    if "@" not in args.email:
        parser.error("--email must be an email address")
    import boto3

    session: Any = boto3.session.Session(region_name=args.region)
    if args.region:
        os.environ["AWS_REGION"] = args.region
    elif session.region_name:
        os.environ.setdefault("AWS_REGION", session.region_name)
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
        admin = create_first_admin(
            session.client("cognito-idp"),
            outputs,
            email=args.email,
            full_name=args.name or args.email.split("@")[0],
        )
    except FirstAdminError as error:
        print(f"first-admin: {error}", file=sys.stderr)
        return 1
    if admin.created:
        print(f"{admin.email} is an admin (user {admin.user_id}).")
    else:
        print(f"{admin.email} was already an admin (user {admin.user_id}); nothing changed.")
    print("They choose a password with 'Forgot password' (POST /api/v1/auth/password-reset/request).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
