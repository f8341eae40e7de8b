"""Step Functions under moto's ASL interpreter, with Lambda tasks answered by our handlers in-process.

The seam: moto 5.2.5's interpreter invokes a Lambda task through a boto3 client it builds with
`boto3.client("lambda", ...)` (moto/stepfunctions/parser/asl/utils/boto_client.py, used by
.../state_task/lambda_eval_utils.py). That client comes from boto3's default session, so two
handlers on the default session's event system route every `Invoke` that names one of our functions
to its Python handler: `before-parameter-build` keeps the call's parameters, `before-call` answers
it as Lambda would (a JSON payload, or `FunctionError: Unhandled` with `errorType`/`errorMessage`
for an exception, which is what Retry and Catch match on). Every other call goes on to moto.

The state machine is created from template.yaml itself: the DefinitionUri file with the
DefinitionSubstitutions applied (a function's `!GetAtt X.Arn` becomes the emulated account's ARN
of that function), optionally overriding substitutions (tests shorten the upstream retry waits).
"""

from __future__ import annotations

import io
import json
import os
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from testkit.api import load_function
from testkit.env import TEST_ENV
from tools.template import ROOT, resources, template

REGION = TEST_ENV["AWS_REGION"]
ACCOUNT = "123456789012"
STATE_MACHINE = "TourProcessingStateMachine"
# Upstream retries in tests: 1 s base, two retries (jittered), so a failing run takes seconds.
FAST_RETRIES = {"UpstreamRetryIntervalSeconds": 1, "UpstreamRetryMaxAttempts": 2}

Handler = Callable[[Any, Any], Any]


def function_name(logical_id: str) -> str:
    """The emulated name of a template function (as testkit/aws.py names its ARNs)."""
    return f"realty-test-{logical_id.lower()}"


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name(logical_id)}"


@dataclass
class TaskContext:
    """The Lambda context a handler gets: its name and the deadline of its template Timeout."""

    function_name: str
    timeout_seconds: int
    aws_request_id: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "test"

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class TaskFunction:
    logical_id: str
    handler: Handler
    timeout_seconds: int


def template_functions(code_dir: str) -> dict[str, TaskFunction]:
    """Emulated function name -> handler, for every template function whose code is functions/<code_dir>/."""
    found = {}
    default_timeout = int(template()["Globals"]["Function"].get("Timeout", 3))
    for logical_id, function in resources("AWS::Serverless::Function").items():
        props = function["Properties"]
        if Path(props["CodeUri"]).name != code_dir:
            continue
        module = load_function(code_dir)
        handler = getattr(module, props["Handler"].rpartition(".")[2])
        found[function_name(logical_id)] = TaskFunction(logical_id, handler, int(props.get("Timeout", default_timeout)))
    return found


def _payload(raw: Any) -> Any:
    if raw is None or raw in (b"", ""):
        return {}
    if hasattr(raw, "read"):
        raw = raw.read()
    return json.loads(raw.decode() if isinstance(raw, bytes | bytearray) else raw)


def _answer(function: TaskFunction, name: str, params: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders
    from botocore.response import StreamingBody

    request_id = str(uuid.uuid4())
    parsed: dict[str, Any] = {"ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 200}, "StatusCode": 200}
    try:
        result = function.handler(
            _payload(params.get("Payload")), TaskContext(name, function.timeout_seconds, request_id)
        )
        body = json.dumps(result).encode()
    except Exception as error:
        body = json.dumps(
            {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
        ).encode()
        parsed["FunctionError"] = "Unhandled"
    parsed["Payload"] = StreamingBody(io.BytesIO(body), len(body))
    parsed["ExecutedVersion"] = "$LATEST"
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    return AWSResponse("https://lambda.local/", 200, headers, None), parsed


@contextmanager
def route_lambda_invokes(functions: Mapping[str, TaskFunction]) -> Iterator[list[str]]:
    """Answer `lambda.invoke` of these function names (or ARNs) in-process; yields the invoked names, in order."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    session: Any = boto3.DEFAULT_SESSION
    events = session.events
    invoked: list[str] = []
    key = "realty_test_invoke_params"

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[key] = dict(params)

    def answer(context: dict[str, Any], **_: Any) -> Any:
        params = context.get(key) or {}
        name = str(params.get("FunctionName", "")).split(":function:")[-1].split(":")[0]
        function = functions.get(name)
        if function is None:
            return None
        invoked.append(function.logical_id)
        return _answer(function, name, params)

    events.register("before-parameter-build.lambda.Invoke", keep_params, unique_id="realty-test-params")
    events.register("before-call.lambda.Invoke", answer, unique_id="realty-test-invoke")
    try:
        yield invoked
    finally:
        events.unregister("before-parameter-build.lambda.Invoke", unique_id="realty-test-params")
        events.unregister("before-call.lambda.Invoke", unique_id="realty-test-invoke")


def _substitution(value: Any) -> str:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target, attribute = value["Fn::GetAtt"]
        if attribute == "Arn" and template()["Resources"][target]["Type"] == "AWS::Serverless::Function":
            return function_arn(target)
        raise AssertionError(f"no emulated value for !GetAtt {target}.{attribute}")
    if isinstance(value, dict):
        raise AssertionError(f"no emulated value for {value}")
    return str(value)


def definition(logical_id: str = STATE_MACHINE, overrides: Mapping[str, Any] | None = None) -> str:
    """The state machine's definition as deployed: DefinitionUri's file with its substitutions applied."""
    props = template()["Resources"][logical_id]["Properties"]
    text = (ROOT / props["DefinitionUri"]).read_text()
    values = {name: _substitution(value) for name, value in (props.get("DefinitionSubstitutions") or {}).items()}
    values.update({name: str(value) for name, value in (overrides or {}).items()})
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    json.loads(text)  # every placeholder resolved: the result is JSON
    return text


def create_state_machine(
    logical_id: str = STATE_MACHINE, overrides: Mapping[str, Any] | None = None, *, name: str | None = None
) -> str:
    """Create it in the emulated account (must run inside mock_aws); returns its ARN."""
    response = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name=name or f"realty-test-{logical_id.lower()}",
        definition=definition(logical_id, FAST_RETRIES if overrides is None else overrides),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/realty-test-{logical_id.lower()}",
        type=str(template()["Resources"][logical_id]["Properties"].get("Type", "STANDARD")),
    )
    return str(response["stateMachineArn"])


def wait_for_execution(execution_arn: str, *, timeout: float = 180) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return dict(described)
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {execution_arn} still running after {timeout} s")
        time.sleep(0.05)


def execution_history(execution_arn: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


# moto runs what a state machine says (its ASL interpreter), and never Lambda containers.
EXECUTING = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def reset_processing_caches() -> None:
    """A fresh container for the processing functions too: the account's caches and OpenAI's client."""
    from realty.adapters import openai as openai_adapter
    from testkit.aws import reset_caches

    reset_caches()
    openai_adapter.reset()
    openai_adapter.set_http_client_factory(None)


@contextmanager
def executing_account(
    overrides: Mapping[str, Any] | None = None, *, name: str | None = None
) -> Iterator[tuple[str, list[str]]]:
    """An emulated account whose moto executes the tour-processing state machine, every task one of our
    real handlers run in-process. The machine is the template's (substitutions `overrides`, FAST_RETRIES
    when None), its ARN in `TOUR_PROCESSING_STATE_MACHINE_ARN`. Yields (its ARN, the logical ids of
    the tasks invoked so far, in order)."""
    from local.moto_fixes import serialise_dynamodb_writes
    from testkit.aws import emulated_account

    serialise_dynamodb_writes()  # Map iterations write from several threads
    reset_processing_caches()
    with emulated_account(**EXECUTING):
        arn = create_state_machine(STATE_MACHINE, overrides, name=name)
        os.environ["TOUR_PROCESSING_STATE_MACHINE_ARN"] = arn
        reset_processing_caches()
        try:
            with route_lambda_invokes(template_functions("processing")) as invoked:
                yield arn, invoked
        finally:
            reset_processing_caches()
