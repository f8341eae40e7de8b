"""The template's functions, run in this process instead of Lambda.

What it emulates:
- one "container" per function: `functions/<dir>/app.py` is imported once (under a module name
  unique to the function, since every function directory has its own `app.py`) and reused, so
  module-level state and lazily created clients behave as in a warm container;
- a Lambda context object (`function_name`, `aws_request_id`, `get_remaining_time_in_millis()`...);
- the function's resolved environment. All handlers share one process, so variables that every
  function agrees on are set once in `os.environ`; a variable that differs between functions
  (`POWERTOOLS_SERVICE_NAME`) keeps its Globals value process-wide and gets the function's own
  value while that function's module is imported, which is when Powertools reads it;
- the Lambda `Invoke` API for the functions of the template: `install_lambda_invoke_router`
  answers boto3 `lambda.invoke` calls naming one of our functions in-process. moto's Step
  Functions interpreter invokes Lambda tasks through exactly such a client
  (`moto/stepfunctions/parser/asl/component/state/exec/state_task/lambda_eval_utils.py` builds it
  with `boto3.client("lambda")`), so this one botocore hook routes state machine tasks here.

What it does not: timeouts are not enforced (a slow handler is only reported), memory is not
limited, each function has exactly one warm container (concurrent events for one function wait
for each other instead of scaling out), there is no cold start beyond the first import (and the
shared layer is imported once for all functions, so Powertools' `cold_start` flag is only true for
the first function to run), and function
errors are reported the way Lambda does (`FunctionError: Unhandled` and an error payload) but
without Lambda's async retries.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.template import ACCOUNT_ID, FUNCTION_TYPE, REGION, Resolver, Template

log = logging.getLogger("local.lambdas")

Handler = Callable[[Any, Any], Any]


def function_arn(name: str, *, region: str = REGION, account_id: str = ACCOUNT_ID) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


@dataclass(frozen=True)
class FunctionSpec:
    """One `AWS::Serverless::Function`, resolved (Globals merged, intrinsics evaluated)."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]
    events: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return function_arn(self.name)

    @property
    def module_path(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def handler_attribute(self) -> str:
        return self.handler.rpartition(".")[2]


def build_function_specs(template: Template, resolver: Resolver) -> list[FunctionSpec]:
    """Every enabled function of the template, with the values the deployed function would see."""
    specs = []
    for logical_id, resource in template.resources_of_type(FUNCTION_TYPE):
        if not resolver.resource_enabled(resource):
            continue
        properties = template.function_properties(logical_id)
        variables = resolver.resolve((properties.get("Environment") or {}).get("Variables") or {})
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                name=str(resolver.refs.get(logical_id, logical_id)),
                code_dir=(template.base_dir / str(resolver.resolve(properties.get("CodeUri", ".")))).resolve(),
                handler=str(resolver.resolve(properties["Handler"])),
                timeout_seconds=int(resolver.resolve(properties.get("Timeout", 3))),
                memory_mb=int(resolver.resolve(properties.get("MemorySize", 128))),
                environment={key: _env_text(value) for key, value in variables.items()},
                events=dict(properties.get("Events") or {}),
            )
        )
    return specs


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)


# ---------------------------------------------------------------- the shared environment


def split_environment(
    specs: list[FunctionSpec], preferred: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(variables set process-wide, per-function values that differ from them).

    When functions disagree on a variable, the process-wide value is the `preferred` one (the
    Globals value) if given, else the most common one.
    """
    preferred = preferred or {}
    values: dict[str, list[str]] = {}
    for spec in specs:
        for key, value in spec.environment.items():
            values.setdefault(key, []).append(value)
    shared = {
        key: preferred[key] if key in preferred else max(set(seen), key=seen.count) for key, seen in values.items()
    }
    overrides: dict[str, dict[str, str]] = {}
    for spec in specs:
        own = {key: value for key, value in spec.environment.items() if shared.get(key) != value}
        if own:
            overrides[spec.logical_id] = own
    return shared, overrides


@contextlib.contextmanager
def _environ_overlay(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, previous in saved.items():
            if previous is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = previous


# ---------------------------------------------------------------- the Lambda context


class LocalLambdaContext:
    """What the Python runtime passes as `context`, with a deadline from the function Timeout."""

    def __init__(self, spec: FunctionSpec, request_id: str | None = None) -> None:
        now = datetime.now(UTC)
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"{now:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline = time.monotonic() + spec.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# ---------------------------------------------------------------- the registry


class UnknownFunction(LookupError):
    pass


class LocalFunctions:
    """The functions of the template, importable and invocable by logical id, name or ARN."""

    def __init__(self, specs: list[FunctionSpec], env_overrides: Mapping[str, Mapping[str, str]] | None = None):
        self._specs = {spec.logical_id: spec for spec in specs}
        self._by_key: dict[str, FunctionSpec] = {}
        for spec in specs:
            for key in (spec.logical_id, spec.name, spec.arn):
                self._by_key[key] = spec
        self._env_overrides = {key: dict(value) for key, value in (env_overrides or {}).items()}
        self._handlers: dict[str, Handler] = {}
        self._import_lock = threading.RLock()
        # One warm container per function: Lambda never runs two events in one container at once, and
        # handlers rely on that (Powertools resolvers keep the current event on the module-level app).
        self._container_locks = {spec.logical_id: threading.RLock() for spec in specs}

    def __iter__(self) -> Iterator[FunctionSpec]:
        return iter(self._specs.values())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.find(key) is not None

    def find(self, key: str) -> FunctionSpec | None:
        """Look a function up by logical id, name, ARN, or ARN/name with a `:qualifier`."""
        if key in self._by_key:
            return self._by_key[key]
        if key.startswith("arn:"):
            parts = key.split(":")
            if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
                return self._by_key.get(parts[6])
            return None
        return self._by_key.get(key.split(":", 1)[0])

    def get(self, key: str) -> FunctionSpec:
        spec = self.find(key)
        if spec is None:
            raise UnknownFunction(key)
        return spec

    def handler(self, key: str) -> Handler:
        spec = self.get(key)
        with self._import_lock:
            if spec.logical_id not in self._handlers:
                self._handlers[spec.logical_id] = self._import_handler(spec)
            return self._handlers[spec.logical_id]

    def _import_handler(self, spec: FunctionSpec) -> Handler:
        module_name = f"_realty_local_fn_{spec.logical_id}"
        if not spec.module_path.is_file():
            raise UnknownFunction(f"{spec.logical_id}: {spec.module_path} does not exist")
        # The function directory becomes a package of its own, so `from . import x` works and two
        # functions' `app.py` never collide in sys.modules.
        package = types.ModuleType(module_name)
        package.__path__ = [str(spec.code_dir)]
        sys.modules[module_name] = package
        qualified = f"{module_name}.{spec.handler.rpartition('.')[0]}"
        module_spec = importlib.util.spec_from_file_location(qualified, spec.module_path)
        if module_spec is None or module_spec.loader is None:
            raise UnknownFunction(f"{spec.logical_id}: cannot import {spec.module_path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[qualified] = module
        started = time.perf_counter()
        with _environ_overlay(self._env_overrides.get(spec.logical_id, {})):
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(qualified, None)
                raise
        log.info("cold start %s (%.0f ms import)", spec.logical_id, (time.perf_counter() - started) * 1000)
        handler = getattr(module, spec.handler_attribute, None)
        if not callable(handler):
            raise UnknownFunction(f"{spec.logical_id}: {spec.handler} is not callable")
        return handler

    def invoke(self, key: str, event: Any, *, request_id: str | None = None) -> Any:
        """Call the handler as Lambda would; exceptions propagate to the caller."""
        spec = self.get(key)
        handler = self.handler(key)
        with self._container_locks[spec.logical_id]:
            return self._timed_call(spec, handler, event, LocalLambdaContext(spec, request_id))

    @staticmethod
    def _timed_call(spec: FunctionSpec, handler: Handler, event: Any, context: LocalLambdaContext) -> Any:
        started = time.monotonic()
        try:
            return handler(event, context)
        finally:
            elapsed = time.monotonic() - started
            if elapsed > spec.timeout_seconds:
                log.warning(
                    "%s ran %.1f s, over its %d s Timeout (Lambda would have stopped it)",
                    spec.logical_id,
                    elapsed,
                    spec.timeout_seconds,
                )


def error_payload(error: BaseException) -> dict[str, Any]:
    """The payload Lambda returns for an unhandled exception in a Python handler."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": "",
        "stackTrace": _handler_frames(error),
    }


def _handler_frames(error: BaseException) -> list[str]:
    """The traceback from the handler down, without this module's own frames (Lambda shows none of its own)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    return traceback.format_list(frames)


# ---------------------------------------------------------------- the Lambda Invoke API


_PARAMS_KEY = "realty_local_invoke_params"


def install_lambda_invoke_router(functions: LocalFunctions, session: Any = None) -> Callable[[], None]:
    """Answer boto3 `lambda.invoke` calls for our functions in-process; returns an uninstaller.

    Registered on a boto3 session's event system (the default session unless given): the
    `before-parameter-build` hook keeps the caller's parameters, the `before-call` hook answers the
    call without any HTTP when `FunctionName` is one of ours, and lets every other call through.
    """
    import boto3

    if session is None:
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
    events = session.events

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS_KEY] = dict(params)

    def answer(context: dict[str, Any], **_: Any) -> Any:
        params = context.get(_PARAMS_KEY) or {}
        name = str(params.get("FunctionName", ""))
        if functions.find(name) is None:
            return None
        return _invoke_response(functions, name, params)

    events.register("before-parameter-build.lambda.Invoke", keep_params, unique_id="realty-local-params")
    events.register("before-call.lambda.Invoke", answer, unique_id="realty-local-invoke")

    def uninstall() -> None:
        events.unregister("before-parameter-build.lambda.Invoke", unique_id="realty-local-params")
        events.unregister("before-call.lambda.Invoke", unique_id="realty-local-invoke")

    return uninstall


def _decode_payload(raw: Any) -> Any:
    if raw is None or raw == b"" or raw == "":
        return {}
    if hasattr(raw, "read"):
        raw = raw.read()
    text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    return json.loads(text) if isinstance(text, str) else text


def _invoke_response(functions: LocalFunctions, name: str, params: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders
    from botocore.response import StreamingBody

    event = _decode_payload(params.get("Payload"))
    invocation_type = params.get("InvocationType", "RequestResponse")
    request_id = str(uuid.uuid4())
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    parsed: dict[str, Any] = {"ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 200}}

    def respond(status: int, body: bytes, **extra: Any) -> tuple[Any, dict[str, Any]]:
        parsed.update(StatusCode=status, Payload=StreamingBody(io.BytesIO(body), len(body)), **extra)
        parsed["ResponseMetadata"]["HTTPStatusCode"] = status
        return AWSResponse("local://lambda", status, headers, None), parsed

    if invocation_type == "DryRun":
        return respond(204, b"")
    if invocation_type == "Event":
        threading.Thread(target=_invoke_and_log, args=(functions, name, event, request_id), daemon=True).start()
        return respond(202, b"")
    try:
        result = functions.invoke(name, event, request_id=request_id)
    except Exception as error:
        # Reported to the caller the way Lambda does: FunctionError plus an error payload.
        log.exception("function %s failed", name)
        body = json.dumps(error_payload(error)).encode("utf-8")
        return respond(200, body, FunctionError="Unhandled", ExecutedVersion="$LATEST")
    return respond(200, json.dumps(result).encode("utf-8"), ExecutedVersion="$LATEST")


def _invoke_and_log(functions: LocalFunctions, name: str, event: Any, request_id: str) -> None:
    try:
        functions.invoke(name, event, request_id=request_id)
    except Exception:
        # An async invocation has nobody to report to but the console.
        log.exception("async invocation of %s failed", name)
