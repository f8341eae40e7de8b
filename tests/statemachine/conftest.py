"""An emulated account that executes the tour-processing state machine, tasks routed to our handlers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testkit.stepfunctions import executing_account


@pytest.fixture
def processing_aws() -> Iterator[dict[str, Any]]:
    """Yields {"state_machine": arn, "invoked": [logical ids of tasks run, in order]}."""
    with executing_account() as (arn, invoked):
        yield {"state_machine": arn, "invoked": invoked}


@pytest.fixture
def people(processing_aws: dict[str, Any]) -> tuple[Any, Any]:
    """A realtor and a buyer with real user records: (realtor, buyer) as Callers."""
    from realty.core.auth import Caller, Role
    from realty.users.service import provision_user

    made = []
    for role in (Role.REALTOR, Role.BUYER):
        user = provision_user(
            cognito_sub=f"sub-{role.value}", email=f"{role.value}@example.com", full_name=role.value.title(), role=role
        )
        made.append(Caller(user_id=user.id, role=user.role, email=user.email))
    return made[0], made[1]


@pytest.fixture
def openai_api(processing_aws: dict[str, Any]) -> Iterator[Any]:
    """OpenAI configured with a key; the real SDK's HTTP answered by respx (routes added by the test)."""
    import httpx
    import respx

    from realty.adapters import openai as openai_adapter
    from testkit.processing import OPENAI, set_openai_key

    set_openai_key("sk-test-0123456789")
    # openai 3.x sends through httpx2 by default; handed a legacy httpx client it uses that one,
    # and that is the transport respx mocks. Everything above the transport is the real SDK.
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
