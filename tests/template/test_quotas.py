"""Quotas a deployment must raise or watch are parameters, each with an alarm at 80% of it."""

from __future__ import annotations

import pytest

from tools.template import resources, template

QUOTA_ALARMS = {
    "ChimeMeetingsQuota": ("ChimeMeetingsQuotaAlarm", "ToursStarted"),
    "LambdaConcurrencyQuota": ("LambdaConcurrencyQuotaAlarm", "ClaimedAccountConcurrency"),
    "OpenAIRequestsPerMinute": ("OpenAIRequestsQuotaAlarm", "OpenAIRequests"),
}


@pytest.mark.parametrize(("parameter", "expected"), QUOTA_ALARMS.items())
def test_each_quota_is_a_parameter_with_an_alarm_at_80_percent(parameter, expected):
    alarm_name, metric_name = expected
    assert template()["Parameters"][parameter]["Type"] == "Number"
    alarm = resources("AWS::CloudWatch::Alarm")[alarm_name]["Properties"]

    assert alarm["Threshold"] == 0.8
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    expression = next(m for m in alarm["Metrics"] if m.get("Id") == "share")["Expression"]
    # The share of the quota: the watched metric divided by the parameter the deployment sets.
    assert f"${{{parameter}}}" in expression["Fn::Sub"]
    watched = [m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert metric_name in watched
    assert alarm["AlarmActions"]
