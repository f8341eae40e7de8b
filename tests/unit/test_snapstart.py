"""SnapStart: copies restored from one snapshot share nothing that must be their own; tracing loads lazily."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from realty.auth import tokens
from realty.core import aws, ids, observability, secrets, snapstart
from tools.functions import ROOT


def _forget_everything() -> None:
    aws.reset_clients()
    # The hooks made a botocore session; one made before moto is imported would never be mocked
    # (moto registers its handler with botocore on import), so none is left for later tests.
    aws._session.cache_clear()
    tokens.jwks_client.cache_clear()
    secrets.forget_secrets()


@pytest.fixture
def fresh_caches():
    _forget_everything()
    yield
    _forget_everything()


def _restore(snapshot_random_state: Any) -> dict[str, Any]:
    """One copy of the snapshot: the snapshot's memory (here, what the test can put back: `random`'s
    state; the caches are the ones init left), then the after-restore hooks the way the runtime runs them."""
    random.setstate(snapshot_random_state)
    for hook, args, kwargs in snapstart.after_restore_hooks():
        hook(*args, **kwargs)
    dynamodb = aws.client("dynamodb")
    return {
        "draw": random.random(),  # noqa: S311 - the state under test is random's own
        "id": ids.new_id(),
        "dynamodb": dynamodb,
        "connections": dynamodb._endpoint.http_session,
        "credentials": aws._session().get_credentials(),
        "jwks": tokens.jwks_client(),
        "secrets_provider": secrets._provider,
    }


def test_two_restores_of_one_snapshot_get_their_own_randomness_ids_clients_and_connections(fresh_caches):
    # Init, as before the snapshot: clients, the JWKS client and the secrets provider built and cached.
    snapstart.run_before_snapshot()
    at_snapshot = {"dynamodb": aws.client("dynamodb"), "jwks": tokens.jwks_client(), "loader": None}
    at_snapshot["connections"] = at_snapshot["dynamodb"]._endpoint.http_session
    at_snapshot["credentials"] = aws._session().get_credentials()
    at_snapshot["loader"] = aws._session().get_component("data_loader")
    secrets._secrets_provider()
    state = random.getstate()

    first, second = _restore(state), _restore(state)

    # Without the reseed, both copies would draw the same numbers (botocore's retry jitter among them).
    assert first["draw"] != second["draw"]
    assert first["id"] != second["id"] and ids.is_ulid(first["id"]) and ids.is_ulid(second["id"])
    for name in ("dynamodb", "connections", "credentials", "jwks"):
        assert first[name] is not at_snapshot[name], f"{name} kept from the snapshot"
        assert second[name] is not at_snapshot[name], f"{name} kept from the snapshot"
        assert first[name] is not second[name], f"{name} shared by two restored copies"
    assert first["secrets_provider"] is None and second["secrets_provider"] is None
    # What is not per copy stays: the service models parsed before the snapshot.
    assert aws._session().get_component("data_loader") is at_snapshot["loader"]


def test_hooks_are_registered_the_way_the_runtime_reads_them():
    assert observability.tracer  # its module registers the X-Ray emitter's hook
    registered = snapstart.after_restore_hooks()
    names = [hook.__qualname__ for hook, _, _ in registered]
    assert names[0] == "_reseed_random"  # registered by realty.core.snapstart itself, first
    assert {"renew_clients", "forget_secrets", "_renew_jwks_client", "_renew_xray_emitter"} <= set(names)
    assert all(args == () and kwargs == {} for _, args, kwargs in registered)


_TRACING_PROBE = """
import json, os, sys
from realty.core import observability
from testkit.api import FakeLambdaContext

@observability.instrument_handler()
def handler(event, context):
    return "answered"

at_import = "aws_xray_sdk" in sys.modules
seen = []
for trace_header in sys.argv[1:]:
    os.environ["_X_AMZN_TRACE_ID"] = trace_header
    answer = handler({}, FakeLambdaContext())
    seen.append({"answer": answer, "xray_loaded": "aws_xray_sdk" in sys.modules,
                 "tracer_built": observability._tracer is not None})
print(json.dumps({"at_import": at_import, "invocations": seen}))
"""


def _traced_run(*trace_headers: str, **environment: str) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'realty'}{os.pathsep}{ROOT}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "test-function",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / "health"),
        "POWERTOOLS_METRICS_NAMESPACE": "RealtyForYouTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **environment,
    }
    output = subprocess.run(
        [sys.executable, "-c", _TRACING_PROBE, *trace_headers],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return found


UNSAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
SAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad9;Sampled=1"


def test_the_xray_sdk_loads_on_the_first_sampled_invocation_not_at_import():
    run = _traced_run(UNSAMPLED, UNSAMPLED, SAMPLED, UNSAMPLED)
    assert run["at_import"] is False
    loaded = [(i["answer"], i["xray_loaded"], i["tracer_built"]) for i in run["invocations"]]
    assert loaded == [
        ("answered", False, False),
        ("answered", False, False),
        ("answered", True, True),
        ("answered", True, True),  # once built, every invocation goes through it (X-Ray drops the unsampled)
    ]


def test_disabled_tracing_never_loads_the_xray_sdk():
    run = _traced_run(SAMPLED, SAMPLED, POWERTOOLS_TRACE_DISABLED="true")
    assert run["at_import"] is False
    assert all(i["answer"] == "answered" and not i["xray_loaded"] for i in run["invocations"])
