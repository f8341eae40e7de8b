"""An emulated account that executes the tour-processing state machine, tasks routed to our handlers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.support import env


def reset_caches() -> None:
    from realty.adapters import openai as openai_adapter
    from realty.core.aws import reset_clients
    from realty.core.config import reset_settings
    from realty.processing.config import reset_processing_settings

    reset_settings()
    reset_clients()
    reset_processing_settings()
    openai_adapter.reset()
    openai_adapter.set_http_client_factory(None)


@pytest.fixture
def processing_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Yields {"state_machine": arn, "invoked": [logical ids of tasks run, in order]}."""
    from tests.support.aws import provision
    from tests.support.stepfunctions import create_state_machine, route_lambda_invokes, template_functions

    env.apply()
    reset_caches()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}):
        provision()
        arn = create_state_machine()
        monkeypatch.setenv("TOUR_PROCESSING_STATE_MACHINE_ARN", arn)
        reset_caches()
        with route_lambda_invokes(template_functions("processing")) as invoked:
            yield {"state_machine": arn, "invoked": invoked}
    reset_caches()


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
    from tests.support.processing import OPENAI, set_openai_key

    set_openai_key("sk-test-0123456789")
    # openai 3.x sends through httpx2 by default; handed a legacy httpx client it uses that one,
    # and that is the transport respx mocks. Everything above the transport is the real SDK.
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
