"""In-process functions: import isolation, the Lambda context, and Lambda Invoke routing (Step Functions)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.lambdas import FunctionSpec, LocalFunctions, install_lambda_invoke_router, split_environment

HANDLER_A = """
import os
from . import helper

SERVICE_AT_IMPORT = os.environ.get("POWERTOOLS_SERVICE_NAME")

def lambda_handler(event, context):
    return {"who": helper.NAME, "service": SERVICE_AT_IMPORT, "event": event,
            "remaining": context.get_remaining_time_in_millis(), "name": context.function_name}
"""

HANDLER_B = """
class UpstreamError(Exception):
    pass

def lambda_handler(event, context):
    if event.get("fail"):
        raise UpstreamError("provider answered 503")
    return {"who": "b", "doubled": event["n"] * 2}
"""


def _spec(root: Path, logical_id: str, source: str, **environment: str) -> FunctionSpec:
    code_dir = root / logical_id.lower()
    code_dir.mkdir()
    (code_dir / "app.py").write_text(source)
    (code_dir / "helper.py").write_text(f"NAME = {logical_id.lower()!r}\n")
    return FunctionSpec(
        logical_id=logical_id,
        name=logical_id,
        code_dir=code_dir,
        handler="app.lambda_handler",
        timeout_seconds=3,
        memory_mb=256,
        environment=environment,
    )


@pytest.fixture
def functions(tmp_path: Path) -> LocalFunctions:
    specs = [
        _spec(tmp_path, "FirstFunction", HANDLER_A, POWERTOOLS_SERVICE_NAME="first", SHARED="x"),
        _spec(tmp_path, "SecondFunction", HANDLER_B, POWERTOOLS_SERVICE_NAME="second", SHARED="x"),
        _spec(tmp_path, "ThirdFunction", HANDLER_A, POWERTOOLS_SERVICE_NAME="realtyforyou"),
    ]
    _, overrides = split_environment(specs, {"POWERTOOLS_SERVICE_NAME": "realtyforyou"})
    return LocalFunctions(specs, overrides)


def test_split_environment_keeps_agreements_shared() -> None:
    specs = [
        FunctionSpec("A", "A", Path(), "app.h", 3, 128, {"S": "same", "P": "a"}),
        FunctionSpec("B", "B", Path(), "app.h", 3, 128, {"S": "same", "P": "b", "ONLY_B": "1"}),
    ]

    shared, overrides = split_environment(specs, {"P": "global"})

    assert shared == {"S": "same", "P": "global", "ONLY_B": "1"}
    assert overrides == {"A": {"P": "a"}, "B": {"P": "b"}}


def test_each_function_imports_its_own_app_module(functions: LocalFunctions) -> None:
    first = functions.invoke("FirstFunction", {"n": 1})
    third = functions.invoke("ThirdFunction", {"n": 3})

    assert first["who"] == "firstfunction"
    assert third["who"] == "thirdfunction"
    assert first["service"] == "first"  # the function's own value while its module was imported
    assert first["name"] == "FirstFunction"
    assert 0 < first["remaining"] <= 3000


def test_lookup_by_name_arn_and_qualifier(functions: LocalFunctions) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:SecondFunction"

    assert functions.get(arn).logical_id == "SecondFunction"
    assert functions.get(f"{arn}:$LATEST").logical_id == "SecondFunction"
    assert functions.find("arn:aws:lambda:us-east-1:123456789012:function:Other") is None
    assert "SecondFunction" in functions


# ---------------------------------------------------------------- Lambda Invoke and Step Functions

MACHINE = {
    "StartAt": "Double",
    "States": {
        "Double": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:SecondFunction",
            "Catch": [{"ErrorEquals": ["UpstreamError"], "ResultPath": "$.error", "Next": "Failed"}],
            "End": True,
        },
        "Failed": {"Type": "Pass", "Result": "caught", "ResultPath": "$.outcome", "End": True},
    },
}


@pytest.fixture
def routed(functions: LocalFunctions) -> Iterator[LocalFunctions]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        uninstall = install_lambda_invoke_router(functions)
        try:
            yield functions
        finally:
            uninstall()


def _run(machine: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name=f"m{time.monotonic_ns()}", definition=json.dumps(machine), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.1)
    raise AssertionError("the execution did not finish")


@pytest.mark.usefixtures("routed")
def test_lambda_invoke_reaches_the_handler_in_process() -> None:
    response = boto3.client("lambda", region_name="us-east-1").invoke(
        FunctionName="SecondFunction", Payload=json.dumps({"n": 21}).encode()
    )

    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == {"who": "b", "doubled": 42}


@pytest.mark.usefixtures("routed")
def test_lambda_invoke_reports_function_errors_like_lambda() -> None:
    response = boto3.client("lambda", region_name="us-east-1").invoke(
        FunctionName="SecondFunction", Payload=json.dumps({"fail": True}).encode()
    )

    payload = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "UpstreamError"
    assert payload["errorMessage"] == "provider answered 503"


@pytest.mark.usefixtures("routed")
def test_state_machine_lambda_task_runs_the_local_handler() -> None:
    execution = _run(MACHINE, {"n": 5})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"who": "b", "doubled": 10}


@pytest.mark.usefixtures("routed")
def test_state_machine_catches_the_handler_error_by_type() -> None:
    execution = _run(MACHINE, {"fail": True})

    output = json.loads(execution["output"])
    assert execution["status"] == "SUCCEEDED"
    assert output["outcome"] == "caught"
    assert output["error"]["Error"] == "UpstreamError"


def test_one_function_handles_one_event_at_a_time(tmp_path: Path) -> None:
    source = """
import threading, time
ACTIVE = []
def lambda_handler(event, context):
    ACTIVE.append(1)
    overlap = len(ACTIVE) > 1
    time.sleep(0.05)
    ACTIVE.pop()
    return overlap
"""
    functions = LocalFunctions([_spec(tmp_path, "SlowFunction", source)])
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(functions.invoke("SlowFunction", {}))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [False, False, False, False]
