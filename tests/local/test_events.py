"""Event sources: S3 notifications, due Scheduler schedules, and the email outbox (against moto in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.events import (
    EventBridgeBridge,
    EventSourceContext,
    S3NotificationHub,
    S3Subscription,
    SchedulerPoller,
    SqsEventSourceHub,
    schedule_due_at,
    wire_event_sources,
)
from local.lambdas import FunctionSpec
from local.outbox import Outbox
from local.template import Resolver, Template

REGION = "us-east-1"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:RemindersFunction"


class RecordingFunctions:
    """Stands in for LocalFunctions: remembers every invocation."""

    def __init__(self, specs: list[FunctionSpec] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._specs = specs or []

    def __iter__(self) -> Iterator[FunctionSpec]:
        return iter(self._specs)

    def __contains__(self, key: object) -> bool:
        return key in (FUNCTION_ARN, "RemindersFunction", "ProcessorFunction")

    def invoke(self, key: str, event: Any, *, request_id: str | None = None) -> Any:
        self.calls.append((key, event))
        return None


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _context(functions: RecordingFunctions, resolver: Resolver | None = None) -> EventSourceContext:
    return EventSourceContext(
        functions=functions,  # type: ignore[arg-type]
        resolver=resolver or Resolver(Template({})),
        client=_client,
    )


# ---------------------------------------------------------------- S3


@pytest.mark.usefixtures("aws")
def test_new_objects_are_delivered_as_s3_notifications() -> None:
    s3 = _client("s3")
    s3.create_bucket(Bucket="recordings")
    s3.put_object(Bucket="recordings", Key="uploads/old.mp4", Body=b"before the stack")
    functions = RecordingFunctions()
    hub = S3NotificationHub(_context(functions))
    hub.subscribe("recordings", S3Subscription("ProcessorFunction", ("s3:ObjectCreated:*",), "uploads/", ".mp4"))
    hub._seen["recordings"] = hub._listing("recordings")  # what start() does, without the thread

    s3.put_object(Bucket="recordings", Key="uploads/tour 1.mp4", Body=b"12345")
    s3.put_object(Bucket="recordings", Key="uploads/notes.txt", Body=b"ignored by suffix")
    s3.put_object(Bucket="recordings", Key="other/x.mp4", Body=b"ignored by prefix")
    hub.poll()
    hub.poll()

    assert len(functions.calls) == 1
    function, event = functions.calls[0]
    record = event["Records"][0]
    assert function == "ProcessorFunction"
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"] == {
        "name": "recordings",
        "ownerIdentity": {"principalId": "LOCAL"},
        "arn": "arn:aws:s3:::recordings",
    }
    assert record["s3"]["object"]["key"] == "uploads/tour+1.mp4"
    assert record["s3"]["object"]["size"] == 5
    assert len(record["s3"]["object"]["eTag"]) == 32


@pytest.mark.usefixtures("aws")
def test_s3_events_are_wired_from_the_template() -> None:
    _client("s3").create_bucket(Bucket="physical-bucket")
    resolver = Resolver(Template({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}))
    resolver.record("Bucket", "physical-bucket")
    spec = FunctionSpec(
        logical_id="ProcessorFunction",
        name="ProcessorFunction",
        code_dir=Path(),
        handler="app.handler",
        timeout_seconds=3,
        memory_mb=128,
        environment={},
        events={
            "Upload": {
                "Type": "S3",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "Events": "s3:ObjectCreated:*",
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "in/"}]}},
                },
            }
        },
    )

    services = wire_event_sources(_context(RecordingFunctions([spec]), resolver))

    assert len(services) == 1
    hub = services[0]
    assert isinstance(hub, S3NotificationHub)
    assert hub._subscriptions == {
        "physical-bucket": [S3Subscription("ProcessorFunction", ("s3:ObjectCreated:*",), "in/", "")]
    }


# ---------------------------------------------------------------- EventBridge rules


@pytest.mark.usefixtures("aws")
def test_events_matching_a_function_rule_are_delivered() -> None:
    spec = FunctionSpec(
        logical_id="ProcessorFunction",
        name="ProcessorFunction",
        code_dir=Path(),
        handler="app.handler",
        timeout_seconds=3,
        memory_mb=128,
        environment={},
        events={
            "MeetingEnded": {
                "Type": "EventBridgeRule",
                "Properties": {
                    "Pattern": {
                        "source": ["aws.chime"],
                        "detail-type": ["Chime Meeting State Change"],
                        "detail": {"eventType": ["chime:MeetingEnded"]},
                    }
                },
            }
        },
    )
    functions = RecordingFunctions([spec])
    (hub,) = wire_event_sources(_context(functions))
    assert isinstance(hub, EventBridgeBridge)

    def put(event_type: str) -> None:
        _client("events").put_events(
            Entries=[
                {
                    "Source": "aws.chime",
                    "DetailType": "Chime Meeting State Change",
                    "Detail": json.dumps({"eventType": event_type, "meetingId": "m-1"}),
                }
            ]
        )

    put("chime:MeetingEnded")
    put("chime:AttendeeJoined")
    hub.poll()

    assert len(functions.calls) == 1
    function, event = functions.calls[0]
    assert function == "ProcessorFunction"
    assert event["source"] == "aws.chime"
    assert event["detail-type"] == "Chime Meeting State Change"
    assert event["detail"] == {"eventType": "chime:MeetingEnded", "meetingId": "m-1"}


# ---------------------------------------------------------------- SQS


class HandingBack(RecordingFunctions):
    """Processes only the first message of each batch and hands the rest back, as the processing drain
    does when there is room for one more execution."""

    def invoke(self, key: str, event: Any, *, request_id: str | None = None) -> Any:
        self.calls.append((key, event))
        return {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in event["Records"][1:]]}


@pytest.mark.usefixtures("aws")
def test_a_fifo_queue_is_delivered_in_order_and_handed_back_messages_come_again_first(monkeypatch) -> None:
    import local.events as events

    monkeypatch.setattr(events, "SQS_RETRY_SECONDS", 0)
    sqs = _client("sqs")
    url = sqs.create_queue(QueueName="starts.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for number in range(5):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"n": number}),
            MessageGroupId="one",
            MessageDeduplicationId=str(number),
        )
    resolver = Resolver(Template({"Resources": {"Starts": {"Type": "AWS::SQS::Queue"}}}))
    resolver.record("Starts", url, {"Arn": arn})
    spec = FunctionSpec(
        logical_id="ProcessorFunction",
        name="ProcessorFunction",
        code_dir=Path(),
        handler="app.handler",
        timeout_seconds=3,
        memory_mb=128,
        environment={},
        events={
            "Queued": {
                "Type": "SQS",
                "Properties": {
                    "Queue": {"Fn::GetAtt": ["Starts", "Arn"]},
                    "BatchSize": 3,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                },
            }
        },
    )
    functions = HandingBack([spec])
    (hub,) = wire_event_sources(_context(functions, resolver))
    assert isinstance(hub, SqsEventSourceHub)

    for _ in range(8):
        hub.poll()

    batches = [[json.loads(record["body"])["n"] for record in event["Records"]] for _, event in functions.calls]
    assert batches[0] == [0, 1, 2]
    # Each delivery starts with the oldest message not yet processed: order of arrival is kept.
    assert [batch[0] for batch in batches[:5]] == [0, 1, 2, 3, 4]
    assert all(event["Records"][0]["eventSource"] == "aws:sqs" for _, event in functions.calls)
    assert all(event["Records"][0]["eventSourceARN"] == arn for _, event in functions.calls)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


# ---------------------------------------------------------------- Scheduler


def test_at_expressions_honour_their_timezone() -> None:
    assert schedule_due_at("at(2026-01-15T10:15:00)", "UTC") == datetime(2026, 1, 15, 10, 15, tzinfo=UTC)
    assert schedule_due_at("at(2026-01-15T10:15:00)", "Europe/Paris") == datetime(2026, 1, 15, 9, 15, tzinfo=UTC)
    assert schedule_due_at("rate(5 minutes)", None) is None


def _schedule(scheduler: Any, name: str, when: datetime, *, delete: bool = True, group: str = "default") -> None:
    scheduler.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FUNCTION_ARN, "RoleArn": "arn:aws:iam::123456789012:role/r", "Input": json.dumps({"b": name})},
        ActionAfterCompletion="DELETE" if delete else "NONE",
    )


@pytest.mark.usefixtures("aws")
def test_due_schedules_fire_once_and_are_deleted() -> None:
    scheduler = _client("scheduler")
    scheduler.create_schedule_group(Name="reminders")
    now = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    _schedule(scheduler, "due", now - timedelta(seconds=1), group="reminders")
    _schedule(scheduler, "kept", now - timedelta(minutes=1), delete=False)
    _schedule(scheduler, "later", now + timedelta(minutes=15), group="reminders")
    functions = RecordingFunctions()
    poller = SchedulerPoller(_context(functions), clock=lambda: now)

    poller.poll()
    poller.poll()

    assert sorted(functions.calls, key=str) == [(FUNCTION_ARN, {"b": "due"}), (FUNCTION_ARN, {"b": "kept"})]
    remaining = {s["Name"] for s in scheduler.list_schedules(GroupName="reminders")["Schedules"]}
    assert remaining == {"later"}
    assert [s["Name"] for s in scheduler.list_schedules(GroupName="default")["Schedules"]] == ["kept"]


# ---------------------------------------------------------------- outbox


@pytest.mark.usefixtures("aws")
def test_sent_email_lands_in_the_outbox(tmp_path: Path) -> None:
    sesv2 = _client("sesv2")
    sesv2.create_email_identity(EmailIdentity="realtyforyou.example")
    outbox = Outbox(tmp_path)
    outbox._written = 0
    sesv2.send_email(
        FromEmailAddress="no-reply@realtyforyou.example",
        Destination={"ToAddresses": ["buyer@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Your tour is confirmed!"}, "Body": {"Text": {"Data": "See you."}}}},
    )
    raw = (
        "From: no-reply@realtyforyou.example\r\nTo: realtor@example.com\r\nSubject: New booking\r\n"
        "Content-Type: text/plain\r\n\r\nHello"
    )
    sesv2.send_email(
        FromEmailAddress="no-reply@realtyforyou.example",
        Destination={"ToAddresses": ["realtor@example.com"]},
        Content={"Raw": {"Data": raw.encode()}},  # boto3 base64-encodes blobs itself
    )

    written = outbox.flush()

    assert [path.name.split("-", 1)[1] for path in written] == [
        "buyer@example.com-your-tour-is-confirmed.eml",
        "realtor@example.com-new-booking.eml",
    ]
    simple = message_from_bytes(written[0].read_bytes())
    assert simple["Subject"] == "Your tour is confirmed!"
    assert simple["To"] == "buyer@example.com"
    assert simple.get_payload().strip() == "See you."
    assert outbox.flush() == []
