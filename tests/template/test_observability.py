"""Operations: every function, queue and log group is watched; alarms reach someone; logs keep no secrets."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tools.functions import ROOT
from tools.template import api_routes, invoked_function, resources, template

FUNCTIONS = resources("AWS::Serverless::Function")
QUEUES = resources("AWS::SQS::Queue")
LOG_GROUPS = resources("AWS::Logs::LogGroup")
ALARMS = resources("AWS::CloudWatch::Alarm")
STATE_MACHINES = resources("AWS::Serverless::StateMachine")
REST_APIS = resources("AWS::Serverless::Api")
LAYER = ROOT / "layers" / "realty" / "realty"


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _get_att(value: Any) -> list[str] | None:
    return value.get("Fn::GetAtt") if isinstance(value, dict) else None


def _watched_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm's state depends on: its single metric, or those its returned expression uses."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [{"Namespace": props["Namespace"], "MetricName": props["MetricName"], "Dimensions": props["Dimensions"]}]
    queries = {query["Id"]: query for query in props["Metrics"]}
    returned = [q for q in props["Metrics"] if q.get("ReturnData", True)]
    assert len(returned) == 1, "a metric-math alarm returns exactly one series"
    expression = returned[0].get("Expression", "")
    if isinstance(expression, dict):  # !Sub: an expression naming a parameter (a quota's value)
        expression = expression["Fn::Sub"]
    used = {name for name in re.findall(r"[a-z][A-Za-z0-9_]*", expression) if name in queries}
    return [queries[name]["MetricStat"]["Metric"] for name in sorted(used) if "MetricStat" in queries[name]]


def _dimension(metric: dict[str, Any], name: str) -> Any:
    return next((d["Value"] for d in metric.get("Dimensions", []) if d["Name"] == name), None)


def _alarms_on(namespace: str, metric_name: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, metric)
        for logical_id, alarm in ALARMS.items()
        for metric in _watched_metrics(alarm)
        if metric["Namespace"] == namespace and metric["MetricName"] == metric_name
    ]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_an_alarm_on_its_errors_and_throttles(logical_id):
    for metric_name in ("Errors", "Throttles"):
        watched = [_ref(_dimension(m, "FunctionName")) for _, m in _alarms_on("AWS/Lambda", metric_name)]
        assert logical_id in watched, f"no alarm watches the {metric_name} of {logical_id}"


@pytest.mark.parametrize("logical_id", sorted(QUEUES))
def test_every_queue_has_a_depth_alarm(logical_id):
    depth_alarms = [
        alarm
        for alarm in ALARMS.values()
        if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and _get_att(_dimension(alarm["Properties"], "QueueName")) == [logical_id, "QueueName"]
    ]
    assert depth_alarms, f"no alarm on the depth of {logical_id}"
    # Dead-letter queues: one message is already one lost event.
    assert all(
        a["Properties"]["Threshold"] == 0 and a["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        for a in depth_alarms
    )


@pytest.mark.parametrize("logical_id", sorted(LOG_GROUPS))
def test_every_log_group_has_a_retention(logical_id):
    assert _ref(LOG_GROUPS[logical_id]["Properties"].get("RetentionInDays")) == "LogRetentionDays"


def test_everything_that_logs_writes_to_a_log_group_of_the_template():
    for logical_id, machine in STATE_MACHINES.items():
        for destination in machine["Properties"]["Logging"]["Destinations"]:
            group = _get_att(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
            assert group is not None and group[0] in LOG_GROUPS, logical_id
    for logical_id, api in REST_APIS.items():
        group = _get_att(api["Properties"]["AccessLogSetting"]["DestinationArn"])
        assert group is not None and group[0] in LOG_GROUPS, logical_id


@pytest.mark.parametrize("logical_id", sorted(ALARMS))
def test_every_alarm_notifies_the_alarm_topic(logical_id):
    props = ALARMS[logical_id]["Properties"]
    assert {"Ref": "AlarmTopic"} in props.get("AlarmActions", []), f"{logical_id} tells no one"
    assert {"Ref": "AlarmTopic"} in props.get("OKActions", []), f"{logical_id} never says it recovered"


def _synchronously_invoked() -> set[str]:
    """API functions, the authorizer, state-machine tasks (Step Functions waits for them) and functions
    an SQS event source mapping polls (a failed batch stays in its queue; a function DLQ never sees it)."""
    found = {route.function for route in api_routes()}
    for logical_id, function in FUNCTIONS.items():
        event_types = {event["Type"] for event in (function["Properties"].get("Events") or {}).values()}
        if event_types == {"SQS"}:
            found.add(logical_id)
    for api in REST_APIS.values():
        for authorizer in api["Properties"]["Auth"]["Authorizers"].values():
            found.add(str(invoked_function(authorizer["FunctionArn"])))
    for machine in STATE_MACHINES.values():
        for value in machine["Properties"].get("DefinitionSubstitutions", {}).values():
            if _get_att(value):
                found.add(_get_att(value)[0])  # type: ignore[index]
    return found


def _asynchronously_invoked() -> list[str]:
    """S3, EventBridge and Scheduler invoke asynchronously: Lambda retries twice, then drops the event."""
    found = []
    for logical_id, function in FUNCTIONS.items():
        event_types = {event["Type"] for event in (function["Properties"].get("Events") or {}).values()}
        if logical_id not in _synchronously_invoked() or event_types - {"Api", "SQS"}:
            found.append(logical_id)
    return sorted(found)


def test_event_driven_functions_are_recognised():
    assert {"ImagesFunction", "RemindersFunction", "RecordingEventsFunction"} <= set(_asynchronously_invoked())


@pytest.mark.parametrize("logical_id", _asynchronously_invoked())
def test_functions_invoked_asynchronously_keep_failed_events_in_a_dead_letter_queue(logical_id):
    props = FUNCTIONS[logical_id]["Properties"]
    dead_letter = props.get("DeadLetterQueue") or {}
    assert dead_letter.get("Type") == "SQS", f"{logical_id} drops the events it fails on"
    assert _get_att(dead_letter["TargetArn"])[0] in QUEUES  # type: ignore[index]


def test_api_access_log_is_one_json_line_without_headers():
    api_format = REST_APIS["RestApi"]["Properties"]["AccessLogSetting"]["Format"]
    # Every $context variable API Gateway fills in is quoted, so the line stays JSON whatever the value.
    entry = json.loads(re.sub(r"\$context\.[\w.]+", "x", api_format))
    assert {"requestId", "ip", "status", "responseLatency", "integrationLatency"} <= set(entry)
    assert "Authorization" not in api_format and "$input" not in api_format and "header" not in api_format.lower()


def _globals_env() -> dict[str, Any]:
    return dict(template()["Globals"]["Function"]["Environment"]["Variables"])


def _emitted_metric_names() -> set[str]:
    text = "\n".join(path.read_text() for path in LAYER.rglob("*.py"))
    return set(re.findall(r"\bcount(?:_by)?\(\s*\"(\w+)\"", text))


def test_alarms_on_business_metrics_watch_what_the_code_emits():
    namespace = _globals_env()["POWERTOOLS_METRICS_NAMESPACE"]
    emitted = _emitted_metric_names()
    services = {
        str(f["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME"))
        for f in FUNCTIONS.values()
    }
    custom = [
        metric for alarm in ALARMS.values() for metric in _watched_metrics(alarm) if metric["Namespace"] == namespace
    ]
    assert custom, "no alarm on a business metric"
    for metric in custom:
        assert metric["MetricName"] in emitted, f"{metric['MetricName']} is never counted by the code"
        assert _dimension(metric, "service") in services, "Powertools adds the function's service as a dimension"


def test_processing_failures_page_both_from_the_tours_and_from_step_functions():
    assert _alarms_on(_globals_env()["POWERTOOLS_METRICS_NAMESPACE"], "TourProcessingFailed")
    for metric_name in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
        watched = [_ref(_dimension(m, "StateMachineArn")) for _, m in _alarms_on("AWS/States", metric_name)]
        assert set(STATE_MACHINES) <= set(watched), metric_name


def test_api_5xx_rate_alarm_watches_the_api_and_stage_the_template_deploys():
    [(logical_id, metric)] = _alarms_on("AWS/ApiGateway", "5XXError")
    props = ALARMS[logical_id]["Properties"]
    api = REST_APIS["RestApi"]["Properties"]
    assert _dimension(metric, "ApiName") == api["Name"]
    assert _dimension(metric, "Stage") == api["StageName"]
    assert props["Statistic"] == "Average" and props["Period"] == 300 and props["Threshold"] == 0.01


def test_the_alarm_email_is_optional():
    subscription = resources("AWS::SNS::Subscription")["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template()["Parameters"]["AlarmEmail"]["Default"] == ""


def _samconfig_overrides() -> dict[str, dict[str, str]]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    found = {}
    for environment, commands in config.items():
        if not isinstance(commands, dict):  # `version`
            continue
        overrides = (commands.get("deploy") or {}).get("parameters", {}).get("parameter_overrides")
        if overrides:
            found[environment] = dict(item.split("=", 1) for item in shlex.split(overrides))
    return found


def test_samconfig_deploys_dev_staging_and_prod_with_values_the_template_accepts():
    overrides = _samconfig_overrides()
    assert {"dev", "staging", "prod"} <= set(overrides)
    parameters = template()["Parameters"]
    for environment, values in overrides.items():
        assert values.get("Stage") in {"dev", "staging", "prod"}, environment
        assert set(values) <= set(parameters), f"{environment}: undeclared {set(values) - set(parameters)}"
        for name, value in values.items():
            allowed = [str(v) for v in parameters[name].get("AllowedValues", [])]
            assert not allowed or value in allowed, f"{environment}: {name}={value!r} is not one of {allowed}"
            pattern = parameters[name].get("AllowedPattern")
            assert pattern is None or re.fullmatch(pattern, value), f"{environment}: {name}={value!r} !~ {pattern}"


def test_handlers_are_instrumented():
    """Logger, Tracer and Metrics come together from one decorator, never a partial stack by hand."""
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        text = app.read_text()
        assert "inject_lambda_context" not in text and "log_metrics" not in text, app
        assert "make_handler(app)" in text or "@instrument_handler(" in text, f"{app} is not instrumented"
    assert Path(LAYER / "core" / "api.py").read_text().count("@instrument_handler(") == 1
