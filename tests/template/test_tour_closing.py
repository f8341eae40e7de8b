"""The close schedules' wiring: who may put them, what they invoke, and with which settings."""

from __future__ import annotations

from typing import Any

from tools.template import resources, template

FUNCTIONS = resources("AWS::Serverless::Function")
CLOSER = {"Fn::GetAtt": ["MeetingEventsFunction", "Arn"]}


def _statements(logical_id: str) -> list[dict[str, Any]]:
    return [s for policy in FUNCTIONS[logical_id]["Properties"]["Policies"] for s in policy["Statement"]]


def _actions(logical_id: str) -> set[str]:
    found: set[str] = set()
    for statement in _statements(logical_id):
        actions = statement["Action"]
        found |= set(actions if isinstance(actions, list) else [actions])
    return found


def _env(logical_id: str) -> dict[str, Any]:
    return FUNCTIONS[logical_id]["Properties"]["Environment"]["Variables"]


def test_grace_period_and_maximum_length_are_parameters_every_function_reads():
    parameters = template()["Parameters"]
    assert parameters["MissedTourGraceMinutes"]["Default"] == 30
    assert parameters["TourMaxLengthMinutes"]["Default"] == 180
    # Chime ends every meeting after 24 hours; the maximum length must come first.
    assert parameters["TourMaxLengthMinutes"]["MaxValue"] < 24 * 60
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["MISSED_TOUR_GRACE_MINUTES"] == {"Ref": "MissedTourGraceMinutes"}
    assert variables["TOUR_MAX_LENGTH_MINUTES"] == {"Ref": "TourMaxLengthMinutes"}


def test_the_functions_that_put_a_close_schedule_name_the_closer_and_may_pass_the_role():
    # Bookings: on confirm. Calls: on start.
    for logical_id in ("BookingsFunction", "CallsFunction"):
        assert _env(logical_id)["TOUR_CLOSER_FUNCTION_ARN"] == CLOSER, logical_id
        assert {"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "iam:PassRole"} <= _actions(logical_id)
    # Starting a tour only moves its schedule: the calls function deletes none.
    assert "scheduler:DeleteSchedule" not in _actions("CallsFunction")


def test_the_scheduler_role_may_invoke_the_closer_through_a_policy_of_its_own():
    policy = resources("AWS::IAM::Policy")["TourCloserInvokePolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "ReminderSchedulerRole"}]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == CLOSER


def test_the_closer_can_close_a_tour_and_email_both_parties_but_not_delete_schedules():
    actions = _actions("MeetingEventsFunction")
    assert {"dynamodb:ConditionCheckItem", "dynamodb:UpdateItem", "ses:SendEmail", "chime:DeleteMeeting"} <= actions
    assert "scheduler:DeleteSchedule" not in actions
    assert "dynamodb:DeleteItem" not in actions
    assert "dynamodb:Scan" not in actions
