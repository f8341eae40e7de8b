"""Event sources: what makes a function run besides an HTTP request.

A small dispatcher reads each function's template `Events` and starts, per `Type`, the local
service that delivers those events. A later capability that adds a trigger in the template
adds one entry to `EVENT_SOURCES`.

What it emulates:
- `Type: S3` (`Bucket`, `Events` such as `s3:ObjectCreated:*`, `Filter.S3Key.Rules` prefix and
  suffix): the bucket is listed every `S3_POLL_SECONDS`; each new or overwritten object is
  delivered to the function as an S3 event notification (`Records[0]` with `eventSource
  aws:s3`, `eventName ObjectCreated:Put`, bucket name and ARN, URL-encoded key, size, eTag);
- EventBridge Scheduler one-time schedules (`at(...)`): moto stores schedules but never fires
  them. `SchedulerPoller` lists every group every `SCHEDULER_POLL_SECONDS`, invokes the target of
  each due schedule (one of our functions with the target's `Input`, or a state machine
  execution) and deletes it when `ActionAfterCompletion` is `DELETE`;
- `Type: EventBridgeRule` / `CloudWatchEvent` (`Pattern`, optional `EventBusName`, `Input`):
  the rule is created in moto, which matches `put_events` against it; moto cannot run a Lambda
  target, so the rule targets an SQS queue of ours, drained every `EVENTBRIDGE_POLL_SECONDS` into
  the function with the event (or the rule's `Input`);
- `Type: SQS` (`Queue`, `BatchSize`, `FunctionResponseTypes: [ReportBatchItemFailures]`): the queue
  is received from every `SQS_POLL_SECONDS` and each batch delivered as Lambda's SQS event; what the
  function processed is deleted, what it handed back is offered again after `SQS_RETRY_SECONDS`;
- Step Functions Lambda tasks are not an event source here: `local.lambdas` routes the `lambda
  invoke` calls of moto's interpreter to the in-process handlers.

What it does not: `s3:ObjectRemoved:*` and other non-creation S3 events, multipart vs. put
(every creation is reported as `ObjectCreated:Put`), delivery latency and at-least-once
duplicates, recurring `rate()`/`cron()` schedules (`Type: Schedule`/`ScheduleV2` and Scheduler
`rate`/`cron` expressions are logged and skipped for now), Scheduler flexible time windows,
retry policies and dead-letter queues (a failing target is logged and the schedule is completed),
EventBridge `InputPath`/`InputTransformer`, retries and DLQs of rule targets.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from local.lambdas import FunctionSpec, LocalFunctions
from local.template import REGION, Resolver

log = logging.getLogger("local.events")

S3_POLL_SECONDS = 1.0
EVENTBRIDGE_POLL_SECONDS = 0.5
SQS_POLL_SECONDS = 0.5
SQS_RETRY_SECONDS = 2  # a message handed back (batch item failure) is offered again this soon locally
SCHEDULER_POLL_SECONDS = 5.0  # EventBridge Scheduler fires within a minute; keep this well under 30 s


class Service(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Poller:
    """Calls `tick` every `interval` seconds on a daemon thread until stopped; a failing tick is logged."""

    def __init__(self, name: str, interval: float, tick: Callable[[], None]) -> None:
        self.name = name
        self.interval = interval
        self._tick = tick
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()

    def run_once(self) -> None:
        try:
            self._tick()
        except Exception:
            # One bad tick must not stop the poller.
            log.exception("%s failed", self.name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.interval * 2))


# ---------------------------------------------------------------- the dispatcher


@dataclass
class EventSourceContext:
    """What event sources share: the functions, the resolved stack, AWS clients, shared hubs."""

    functions: LocalFunctions
    resolver: Resolver
    client: Callable[[str], Any]
    hubs: dict[str, Service] = field(default_factory=dict)

    def hub(self, key: str, factory: Callable[[], Service]) -> Service:
        if key not in self.hubs:
            self.hubs[key] = factory()
        return self.hubs[key]


EventSourceFactory = Callable[[EventSourceContext, FunctionSpec, str, Mapping[str, Any]], None]

EVENT_SOURCES: dict[str, EventSourceFactory] = {}


def event_source(*types: str) -> Callable[[EventSourceFactory], EventSourceFactory]:
    def register(factory: EventSourceFactory) -> EventSourceFactory:
        for kind in types:
            EVENT_SOURCES[kind] = factory
        return factory

    return register


def wire_event_sources(context: EventSourceContext) -> list[Service]:
    """Register every function event with its source; returns the services to start."""
    for spec in context.functions:
        for name, event in spec.events.items():
            kind = str(event.get("Type"))
            factory = EVENT_SOURCES.get(kind)
            if factory is None:
                log.warning("%s.%s: event type %s is not emulated locally", spec.logical_id, name, kind)
                continue
            factory(context, spec, name, event.get("Properties") or {})
    return list(context.hubs.values())


@event_source("Api")
def _api(context: EventSourceContext, spec: FunctionSpec, name: str, properties: Mapping[str, Any]) -> None:
    """Served by local.gateway."""


@event_source("Schedule", "ScheduleV2")
def _recurring_schedule(
    context: EventSourceContext, spec: FunctionSpec, name: str, properties: Mapping[str, Any]
) -> None:
    # The place for rate()/cron() triggers: a Poller per expression invoking the function with the
    # EventBridge "Scheduled Event" (or the schedule's Input). Not needed by any flow yet.
    expression = context.resolver.resolve(properties.get("Schedule") or properties.get("ScheduleExpression"))
    log.info("%s.%s: recurring schedule %s is not fired locally", spec.logical_id, name, expression)


# ---------------------------------------------------------------- S3 notifications


@dataclass(frozen=True)
class S3Subscription:
    function: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def wants(self, event_name: str, key: str) -> bool:
        full_name = f"s3:{event_name}"
        if not any(_s3_event_matches(pattern, full_name) for pattern in self.events):
            return False
        return key.startswith(self.prefix) and key.endswith(self.suffix)


def _s3_event_matches(pattern: str, event_name: str) -> bool:
    return pattern == event_name or (pattern.endswith("*") and event_name.startswith(pattern[:-1]))


def _key_filter(properties: Mapping[str, Any]) -> tuple[str, str]:
    rules = ((properties.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    values = {str(rule.get("Name", "")).lower(): str(rule.get("Value", "")) for rule in rules}
    return values.get("prefix", ""), values.get("suffix", "")


class S3NotificationHub:
    """Lists each subscribed bucket and delivers object-created notifications for new objects."""

    def __init__(self, context: EventSourceContext, interval: float = S3_POLL_SECONDS) -> None:
        self._context = context
        self._subscriptions: dict[str, list[S3Subscription]] = {}
        self._seen: dict[str, dict[str, str]] = {}
        self._poller = Poller("s3-notifications", interval, self.poll)

    def subscribe(self, bucket: str, subscription: S3Subscription) -> None:
        self._subscriptions.setdefault(bucket, []).append(subscription)

    def start(self) -> None:
        for bucket in self._subscriptions:
            # Objects present before the stack started are not news.
            self._seen[bucket] = self._listing(bucket)
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def _listing(self, bucket: str) -> dict[str, str]:
        s3 = self._context.client("s3")
        found: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = f"{item['ETag']}|{item['LastModified'].isoformat()}"
        return found

    def poll(self) -> None:
        for bucket, subscriptions in self._subscriptions.items():
            current = self._listing(bucket)
            previous = self._seen.get(bucket, {})
            fresh = [key for key, stamp in current.items() if previous.get(key) != stamp]
            self._seen[bucket] = current
            for key in fresh:
                self._deliver(bucket, key, subscriptions)

    def _deliver(self, bucket: str, key: str, subscriptions: list[S3Subscription]) -> None:
        wanted = [sub for sub in subscriptions if sub.wants("ObjectCreated:Put", key)]
        if not wanted:
            return
        head = self._context.client("s3").head_object(Bucket=bucket, Key=key)
        for subscription in wanted:
            event = s3_event(bucket, key, head, configuration_id=subscription.function)
            log.info("s3://%s/%s -> %s", bucket, key, subscription.function)
            try:
                self._context.functions.invoke(subscription.function, event)
            except Exception:
                # S3 would retry the async invocation; locally we report it.
                log.exception("%s failed on s3://%s/%s", subscription.function, bucket, key)


def s3_event(bucket: str, key: str, head: Mapping[str, Any], *, configuration_id: str) -> dict[str, Any]:
    """An S3 `ObjectCreated:Put` notification as Lambda receives it."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": int(head.get("ContentLength", 0)),
        "eTag": str(head.get("ETag", "")).strip('"'),
        "sequencer": f"{int(datetime.now(UTC).timestamp() * 1e6):016X}",
    }
    if head.get("VersionId") and head["VersionId"] != "null":
        obj["versionId"] = head["VersionId"]
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": uuid.uuid4().hex},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


@event_source("S3")
def _s3(context: EventSourceContext, spec: FunctionSpec, name: str, properties: Mapping[str, Any]) -> None:
    bucket = str(context.resolver.resolve(properties["Bucket"]))
    events = properties.get("Events") or []
    prefix, suffix = _key_filter(context.resolver.resolve(properties))
    subscription = S3Subscription(
        function=spec.logical_id,
        events=tuple(events if isinstance(events, list) else [events]),
        prefix=prefix,
        suffix=suffix,
    )
    hub = context.hub("s3", lambda: S3NotificationHub(context))
    assert isinstance(hub, S3NotificationHub)
    hub.subscribe(bucket, subscription)


# ---------------------------------------------------------------- EventBridge rules


@dataclass(frozen=True)
class RuleSubscription:
    function: str
    queue_url: str
    input: str | None = None


class EventBridgeBridge:
    """Delivers events matching a function's `EventBridgeRule` pattern to that function.

    moto matches `put_events` against rules itself but cannot call a Lambda target (it has no local
    Lambda runtime), while it does deliver to SQS. So each rule is created in moto with its own
    queue as the target, and this hub drains the queues into the functions.
    """

    def __init__(self, context: EventSourceContext, interval: float = EVENTBRIDGE_POLL_SECONDS) -> None:
        self._context = context
        self._subscriptions: list[RuleSubscription] = []
        self._poller = Poller("eventbridge", interval, self.poll)

    def subscribe(self, rule_name: str, function: str, properties: Mapping[str, Any]) -> None:
        sqs = self._context.client("sqs")
        queue_url = sqs.create_queue(QueueName=f"{rule_name}-bridge"[:80])["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = {"EventBusName": properties["EventBusName"]} if properties.get("EventBusName") else {}
        events = self._context.client("events")
        events.put_rule(
            Name=rule_name,
            EventPattern=json.dumps(properties["Pattern"]),
            State=str(properties.get("State", "ENABLED")),
            **bus,
        )
        events.put_targets(Rule=rule_name, Targets=[{"Id": "local-bridge", "Arn": queue_arn}], **bus)
        self._subscriptions.append(RuleSubscription(function, queue_url, properties.get("Input")))

    def start(self) -> None:
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def poll(self) -> None:
        sqs = self._context.client("sqs")
        for subscription in self._subscriptions:
            received = sqs.receive_message(QueueUrl=subscription.queue_url, MaxNumberOfMessages=10)
            for message in received.get("Messages", []):
                sqs.delete_message(QueueUrl=subscription.queue_url, ReceiptHandle=message["ReceiptHandle"])
                self._deliver(subscription, json.loads(message["Body"]))

    def _deliver(self, subscription: RuleSubscription, event: Mapping[str, Any]) -> None:
        payload = json.loads(subscription.input) if subscription.input else event
        log.info("%s / %s -> %s", event.get("source"), event.get("detail-type"), subscription.function)
        try:
            self._context.functions.invoke(subscription.function, payload)
        except Exception:
            # EventBridge would retry the async invocation; locally we report it.
            log.exception("%s failed on %s", subscription.function, event.get("detail-type"))


@event_source("EventBridgeRule", "CloudWatchEvent")
def _eventbridge_rule(
    context: EventSourceContext, spec: FunctionSpec, name: str, properties: Mapping[str, Any]
) -> None:
    resolved = context.resolver.resolve(properties)
    if "Pattern" not in resolved:
        log.warning("%s.%s: an EventBridgeRule without Pattern is not emulated locally", spec.logical_id, name)
        return
    rule_name = str(resolved.get("RuleName") or f"{context.resolver.stack_name}-{spec.logical_id}-{name}"[:64])
    hub = context.hub("eventbridge", lambda: EventBridgeBridge(context))
    assert isinstance(hub, EventBridgeBridge)
    hub.subscribe(rule_name, spec.logical_id, resolved)


# ---------------------------------------------------------------- SQS event source mappings


@dataclass(frozen=True)
class QueueSubscription:
    function: str
    queue_url: str
    queue_arn: str
    batch_size: int = 10
    reports_item_failures: bool = False


class SqsEventSourceHub:
    """Delivers a function's `Type: SQS` queue to it in batches, as Lambda's event source mapping does.

    Each poll receives up to `BatchSize` messages (a FIFO queue hands over a message group in order
    and nothing behind an unfinished message), invokes the function with the SQS event and deletes
    what it processed: everything, or with `ReportBatchItemFailures` everything but the
    `batchItemFailures` it answers. A failing invocation leaves the batch for a later delivery.
    Departure: a message handed back is offered again after `SQS_RETRY_SECONDS`, not the queue's
    `VisibilityTimeout`, so local backpressure moves at the pace of local processing.
    """

    def __init__(self, context: EventSourceContext, interval: float = SQS_POLL_SECONDS) -> None:
        self._context = context
        self._subscriptions: list[QueueSubscription] = []
        self._poller = Poller("sqs", interval, self.poll)

    def subscribe(self, subscription: QueueSubscription) -> None:
        self._subscriptions.append(subscription)

    def start(self) -> None:
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def poll(self) -> None:
        for subscription in self._subscriptions:
            self.deliver_once(subscription)

    def deliver_once(self, subscription: QueueSubscription) -> int:
        """One batch received and delivered; returns how many messages it held."""
        sqs = self._context.client("sqs")
        received = sqs.receive_message(
            QueueUrl=subscription.queue_url,
            MaxNumberOfMessages=min(max(subscription.batch_size, 1), 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = received.get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(subscription.queue_arn, messages)
        try:
            answer = self._context.functions.invoke(subscription.function, event)
        except Exception:
            log.exception("%s failed on a batch of %d from its queue", subscription.function, len(messages))
            self._hand_back(subscription, messages)
            return len(messages)
        failed: set[str] = set()
        if subscription.reports_item_failures and isinstance(answer, Mapping):
            failed = {str(item.get("itemIdentifier")) for item in answer.get("batchItemFailures") or []}
        done = [message for message in messages if message["MessageId"] not in failed]
        for message in done:
            sqs.delete_message(QueueUrl=subscription.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self._hand_back(subscription, [message for message in messages if message["MessageId"] in failed])
        return len(messages)

    def _hand_back(self, subscription: QueueSubscription, messages: list[Mapping[str, Any]]) -> None:
        sqs = self._context.client("sqs")
        for message in messages:
            sqs.change_message_visibility(
                QueueUrl=subscription.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=SQS_RETRY_SECONDS,
            )


def sqs_event(queue_arn: str, messages: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping sends: one record per message, in order."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": dict(message.get("MessageAttributes") or {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


@event_source("SQS")
def _sqs(context: EventSourceContext, spec: FunctionSpec, name: str, properties: Mapping[str, Any]) -> None:
    resolved = context.resolver.resolve(properties)
    queue_arn = str(resolved["Queue"])
    queue_url = context.client("sqs").get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
    hub = context.hub("sqs", lambda: SqsEventSourceHub(context))
    assert isinstance(hub, SqsEventSourceHub)
    hub.subscribe(
        QueueSubscription(
            function=spec.logical_id,
            queue_url=queue_url,
            queue_arn=queue_arn,
            batch_size=int(resolved.get("BatchSize", 10)),
            reports_item_failures="ReportBatchItemFailures" in (resolved.get("FunctionResponseTypes") or []),
        )
    )


# ---------------------------------------------------------------- EventBridge Scheduler


def schedule_due_at(expression: str, timezone: str | None) -> datetime | None:
    """When a one-time `at(yyyy-mm-ddThh:mm:ss)` schedule is due (UTC); None for rate/cron."""
    if not (expression.startswith("at(") and expression.endswith(")")):
        return None
    local_time = datetime.fromisoformat(expression[3:-1])
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown schedule timezone %s, using UTC", timezone)
        zone = ZoneInfo("UTC")
    return local_time.replace(tzinfo=zone).astimezone(UTC)


class SchedulerPoller:
    """Fires due one-time EventBridge Scheduler schedules, which moto stores but never runs."""

    def __init__(
        self,
        context: EventSourceContext,
        interval: float = SCHEDULER_POLL_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._context = context
        self._clock = clock
        self._fired: set[tuple[str, str]] = set()
        self._reported: set[str] = set()
        self._poller = Poller("scheduler", interval, self.poll)

    def start(self) -> None:
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()

    def poll(self) -> None:
        scheduler = self._context.client("scheduler")
        groups = [group["Name"] for group in scheduler.list_schedule_groups().get("ScheduleGroups", [])]
        for group in groups:
            for summary in scheduler.list_schedules(GroupName=group).get("Schedules", []):
                schedule = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
                self._consider(scheduler, schedule)

    def _consider(self, scheduler: Any, schedule: Mapping[str, Any]) -> None:
        if schedule.get("State", "ENABLED") != "ENABLED":
            return
        marker = (str(schedule["Arn"]), str(schedule.get("LastModificationDate")))
        if marker in self._fired:
            return
        due = schedule_due_at(str(schedule.get("ScheduleExpression", "")), schedule.get("ScheduleExpressionTimezone"))
        if due is None:
            if schedule["Arn"] not in self._reported:
                self._reported.add(schedule["Arn"])
                log.info(
                    "schedule %s (%s) is recurring; not fired locally", schedule["Name"], schedule["ScheduleExpression"]
                )
            return
        if due > self._clock():
            return
        self._fired.add(marker)
        self._fire(schedule)
        if schedule.get("ActionAfterCompletion") == "DELETE":
            scheduler.delete_schedule(GroupName=schedule["GroupName"], Name=schedule["Name"])

    def _fire(self, schedule: Mapping[str, Any]) -> None:
        target = schedule.get("Target") or {}
        arn = str(target.get("Arn", ""))
        payload = _schedule_input(target.get("Input"))
        log.info("schedule %s/%s fired -> %s", schedule.get("GroupName"), schedule.get("Name"), arn)
        try:
            if arn in self._context.functions:
                self._context.functions.invoke(arn, payload)
            elif arn.startswith("arn:aws:states:"):
                self._context.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))
            else:
                log.warning("schedule %s: target %s is not emulated locally", schedule.get("Name"), arn)
        except Exception:
            # Scheduler would retry, then dead-letter; locally we report it.
            log.exception("schedule %s: target %s failed", schedule.get("Name"), arn)


def _schedule_input(raw: Any) -> Any:
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw
