"""`make smoke` (tests/smoke.py) run as an operator would, against the local stack instead of a deployed stage."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import REPO_ROOT, LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _smoke(local_stack: LocalStackProcess, api_url: str) -> subprocess.CompletedProcess[str]:
    """`python -m tests.smoke` (what `make smoke` runs) with the local stack's moto as the Cognito endpoint."""
    pool_id = local_stack.aws("cognito-idp").list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", PYTHONPATH=os.pathsep.join(sys.path))
    command = ["--api-url", api_url, "--region", "us-east-1", "--user-pool-id", pool_id]
    return subprocess.run(
        [sys.executable, "-m", "tests.smoke", *command, "--aws-endpoint", local_stack.moto_url],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_smoke_command_walks_the_journey_and_cleans_up(local_stack: LocalStackProcess) -> None:
    cognito = local_stack.aws("cognito-idp")
    pool_id = cognito.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    users_before = len(cognito.list_users(UserPoolId=pool_id)["Users"])

    result = _smoke(local_stack, local_stack.api)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for step in ("health", "sign-in", "property", "roles", "booking", "tour", "clean-up", "users"):
        assert any(line.startswith(f"ok  {step}") for line in lines), result.stdout
    assert lines[-1] == f"smoke passed against {local_stack.api}"
    assert len(cognito.list_users(UserPoolId=pool_id)["Users"]) == users_before


def test_the_smoke_command_fails_loudly_on_a_stage_that_does_not_answer(local_stack: LocalStackProcess) -> None:
    result = _smoke(local_stack, local_stack.api.replace("/api/v1", "/nowhere/api/v1"))

    assert result.returncode == 1
    assert "FAILED  GET /health answered" in result.stderr
