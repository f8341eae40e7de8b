"""`make first-admin`: a new stage's first admin, from the stack's outputs, who signs in as an admin."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from realty.core.auth import Role
from scripts.first_admin import FirstAdminError, create_first_admin, stack_outputs
from testkit.api import FakeLambdaContext, call, load_function

PASSWORD = "Chosen-Later-2026!"


class _CloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {
            "Stacks": [
                {
                    "StackName": StackName,
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()],
                }
            ]
        }


@pytest.fixture
def outputs(aws) -> dict[str, str]:
    from realty.core.config import get_settings

    settings = get_settings()
    stack = {
        "UserPoolId": settings.user_pool_id,
        "MainTableName": settings.main_table,
        "AuditTableName": settings.audit_table,
        "ApiUrl": "https://example.execute-api.us-east-1.amazonaws.com/prod/api/v1",
    }
    return stack_outputs(_CloudFormation(stack), "realtyforyou-prod")


def _authorize(token: str) -> dict[str, Any]:
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/v1/admin/users",
    }
    return dict(load_function("authorizer").lambda_handler(event, FakeLambdaContext()))


def test_the_first_admin_signs_in_as_an_admin_after_choosing_a_password(outputs, jwks_server):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")

    admin = create_first_admin(cognito, outputs, email="Ops@Example.com", full_name="Ops")

    assert admin.created and admin.email == "ops@example.com"
    # The password the script set is never shown: the admin picks one (here as "Forgot password" would).
    cognito.admin_set_user_password(
        UserPoolId=outputs["UserPoolId"], Username="ops@example.com", Password=PASSWORD, Permanent=True
    )
    tokens = call("POST", "/api/v1/auth/login", body={"email": "ops@example.com", "password": PASSWORD})
    assert tokens.status == 200, tokens.body
    context = _authorize(tokens.data["attributes"]["access_token"])["context"]
    assert context["role"] == "admin" and context["user_id"] == admin.user_id


def test_running_it_again_changes_nothing_and_an_existing_non_admin_is_refused(outputs, make_user):
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    first = create_first_admin(cognito, outputs, email="ops@example.com", full_name="Ops")

    again = create_first_admin(cognito, outputs, email="ops@example.com", full_name="Ops")

    assert (again.created, again.user_id) == (False, first.user_id)
    listed = call("GET", "/api/v1/admin/users", caller=make_user(Role.ADMIN))
    assert [u["attributes"]["email"] for u in listed.data].count("ops@example.com") == 1

    cognito.admin_create_user(
        UserPoolId=outputs["UserPoolId"],
        Username="buyer@example.com",
        UserAttributes=[{"Name": "email", "Value": "buyer@example.com"}],
        MessageAction="SUPPRESS",
    )
    sub = next(
        a["Value"]
        for a in cognito.admin_get_user(UserPoolId=outputs["UserPoolId"], Username="buyer@example.com")[
            "UserAttributes"
        ]
        if a["Name"] == "sub"
    )
    from realty.users.service import provision_user

    provision_user(cognito_sub=sub, email="buyer@example.com", full_name="B", role=Role.BUYER)
    with pytest.raises(FirstAdminError, match="already a buyer"):
        create_first_admin(cognito, outputs, email="buyer@example.com", full_name="B")


def test_a_stack_without_the_outputs_is_refused():
    with pytest.raises(FirstAdminError, match="UserPoolId"):
        stack_outputs(_CloudFormation({"MainTableName": "t", "AuditTableName": "a"}), "something-else")
