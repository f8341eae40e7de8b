"""What the local stack adds to moto, checked in the running stack: Step Functions tasks run the local
handlers, due Scheduler schedules fire, and sent email lands in the outbox."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from tests.e2e.conftest import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

T = TypeVar("T")
HEALTH_ARN = "arn:aws:lambda:us-east-1:123456789012:function:HealthFunction"
ROLE_ARN = "arn:aws:iam::123456789012:role/local"


def eventually(probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"nothing within {timeout} s")


def health_event() -> dict[str, Any]:
    """A REST proxy event for GET /api/v1/health, as a Step Functions or Scheduler input."""
    return {
        "resource": "/api/v1/health",
        "path": "/api/v1/health",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "from-a-test", "stage": "dev", "resourcePath": "/api/v1/health"},
        "body": None,
        "isBase64Encoded": False,
    }


def test_state_machine_lambda_tasks_run_the_local_handlers(local_stack: LocalStackProcess) -> None:
    sfn = local_stack.aws("stepfunctions")
    definition = {
        "StartAt": "CheckHealth",
        "States": {"CheckHealth": {"Type": "Task", "Resource": HEALTH_ARN, "End": True}},
    }
    machine = sfn.create_state_machine(name="e2e-health", definition=json.dumps(definition), roleArn=ROLE_ARN)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(health_event()))

    def finished() -> dict[str, Any] | None:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        return described if described["status"] != "RUNNING" else None

    described = eventually(finished)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["statusCode"] == 200
    assert json.loads(output["body"])["data"]["type"] == "health"


def test_due_one_time_schedules_fire_and_are_deleted(local_stack: LocalStackProcess) -> None:
    scheduler = local_stack.aws("scheduler")
    due = datetime.now(UTC) - timedelta(seconds=1)
    scheduler.create_schedule(
        Name="e2e-reminder",
        ScheduleExpression=f"at({due:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": HEALTH_ARN, "RoleArn": ROLE_ARN, "Input": json.dumps(health_event())},
        ActionAfterCompletion="DELETE",
    )

    def gone() -> bool:
        names = {item["Name"] for item in scheduler.list_schedules()["Schedules"]}
        return "e2e-reminder" not in names

    eventually(gone, timeout=30)
    assert "schedule default/e2e-reminder fired" in local_stack.log.read_text()


def test_sent_email_lands_in_the_outbox(local_stack: LocalStackProcess) -> None:
    local_stack.aws("sesv2").send_email(
        FromEmailAddress="no-reply@realtyforyou.example",
        Destination={"ToAddresses": ["buyer@example.com"]},
        Content={"Simple": {"Subject": {"Data": "E2E outbox check"}, "Body": {"Text": {"Data": "Hello"}}}},
    )

    files = eventually(lambda: list(local_stack.outbox.glob("*-buyer@example.com-e2e-outbox-check.eml")))

    assert "Subject: E2E outbox check" in files[0].read_text()


def _first_rule_event() -> tuple[str, dict[str, Any]] | None:
    """(function, an event its template EventBridgeRule pattern matches), from template.yaml itself."""
    from local.template import FUNCTION_TYPE, load_template
    from tests.e2e.conftest import REPO_ROOT

    template = load_template(REPO_ROOT / "template.yaml")
    for logical_id, _ in template.resources_of_type(FUNCTION_TYPE):
        for event in (template.function_properties(logical_id).get("Events") or {}).values():
            pattern = (event.get("Properties") or {}).get("Pattern")
            if event.get("Type") == "EventBridgeRule" and pattern:
                return logical_id, _matching(pattern)
    return None


def _matching(pattern: dict[str, Any]) -> dict[str, Any]:
    return {key: _matching(value) if isinstance(value, dict) else value[0] for key, value in pattern.items()}


def test_events_matching_a_template_rule_reach_the_function(local_stack: LocalStackProcess) -> None:
    found = _first_rule_event()
    if found is None:
        pytest.skip("no function in the template has an EventBridgeRule event")
    function, event = found

    local_stack.aws("events").put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event.get("detail", {})),
            }
        ]
    )

    eventually(lambda: f"-> {function}" in local_stack.log.read_text())


def _first_s3_subscription() -> tuple[str, str, str] | None:
    """(function, bucket name, a key its template S3 event filter accepts), from template.yaml itself."""
    from local.provision import ProvisionContext
    from local.template import FUNCTION_TYPE, Resolver, load_template
    from tests.e2e.conftest import REPO_ROOT

    template = load_template(REPO_ROOT / "template.yaml")
    for logical_id, _ in template.resources_of_type(FUNCTION_TYPE):
        for event in (template.function_properties(logical_id).get("Events") or {}).values():
            properties = event.get("Properties") or {}
            if event.get("Type") == "S3" and isinstance(properties.get("Bucket"), dict):
                bucket_id = properties["Bucket"]["Ref"]
                named = (template.resources[bucket_id].get("Properties") or {}).get("BucketName")
                context = ProvisionContext(Resolver(template))
                bucket = context.resolver.resolve(named) if named else context.physical_name(bucket_id)
                rules = ((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
                affixes = {rule["Name"].lower(): rule["Value"] for rule in rules}
                key = f"{affixes.get('prefix', '')}e2e/{uuid.uuid4().hex}{affixes.get('suffix', '.bin')}"
                return logical_id, str(bucket), key
    return None


def test_uploads_matching_a_template_s3_event_reach_the_function(local_stack: LocalStackProcess) -> None:
    found = _first_s3_subscription()
    if found is None:
        pytest.skip("no function in the template has an S3 event")
    function, bucket, key = found

    local_stack.aws("s3").put_object(Bucket=bucket, Key=key, Body=b"not really audio")

    eventually(lambda: f"s3://{bucket}/{key} -> {function}" in local_stack.log.read_text())
