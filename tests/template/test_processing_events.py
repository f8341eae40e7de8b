"""Nothing leaves a tour `processing` for good: the wiring between the state machine and MarkFailed."""

from __future__ import annotations

import json
import re
from typing import Any

from realty.processing.service import EXECUTION_TIMEOUT
from testkit.stepfunctions import definition
from tests.support.template import ROOT, resources

FUNCTIONS = resources("AWS::Serverless::Function")
DEPLOYED = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "Stage": "dev"}


def _sub(value: Any) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return re.sub(r"\$\{([^}]+)\}", lambda m: DEPLOYED[m.group(1)], text)


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge matching for patterns of exact values (all this rule uses)."""
    for name, expected in pattern.items():
        value = event.get(name)
        if isinstance(expected, dict):
            if not isinstance(value, dict) or not _matches(expected, value):
                return False
        elif value not in [_sub(option) for option in expected]:
            return False
    return True


def _rule() -> dict[str, Any]:
    [event] = [
        e
        for e in FUNCTIONS["ProcessingMarkFailedFunction"]["Properties"]["Events"].values()
        if e["Type"] == "EventBridgeRule"
    ]
    return event["Properties"]["Pattern"]


def test_a_failed_timed_out_or_aborted_execution_reaches_mark_failed():
    pattern = _rule()
    machine_name = _sub(resources("AWS::Serverless::StateMachine")["TourProcessingStateMachine"]["Properties"]["Name"])
    sample = json.loads((ROOT / "events" / "processing_execution_timed_out.json").read_text())

    assert sorted(pattern["detail"]["status"]) == ["ABORTED", "FAILED", "TIMED_OUT"]
    # The rule names the state machine by its fixed name: the two must not drift apart.
    assert [_sub(arn).rpartition(":stateMachine:")[2] for arn in pattern["detail"]["stateMachineArn"]] == [machine_name]
    for status in ("FAILED", "TIMED_OUT", "ABORTED"):
        assert _matches(pattern, sample | {"detail": sample["detail"] | {"status": status}})
    assert not _matches(pattern, sample | {"detail": sample["detail"] | {"status": "SUCCEEDED"}})
    other_machine = sample["detail"]["stateMachineArn"].replace("tour-processing", "other")
    assert not _matches(pattern, sample | {"detail": sample["detail"] | {"stateMachineArn": other_machine}})


def test_reprocess_waits_exactly_as_long_as_an_execution_may_run():
    assert json.loads(definition())["TimeoutSeconds"] == EXECUTION_TIMEOUT.total_seconds()
