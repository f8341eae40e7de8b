"""The emulated account the API benches run in, and the invoker that times and counts each request.

The account is the tests' one: moto (`mock_aws`) with every resource a function's environment names,
created from template.yaml by `testkit.aws.emulated_account()`. Requests are the REST proxy events
API Gateway sends after the authorizer (`testkit.api.api_event`), handed to the handler that
template.yaml routes the path to. Only the handler call itself is timed; AWS calls are counted on
the botocore clients (`bench.aws_calls`).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from bench.aws_calls import AwsCall, CallLog, counting

AUTHORIZER = "authorizer"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:bench1234/dev/GET/api/v1/auth/me"


class _Discard(io.TextIOBase):
    """Where EMF metric lines go while a handler runs (Powertools prints them to stdout)."""

    def write(self, text: str) -> int:
        return len(text)


@dataclass
class Invocation:
    route: str  # "GET /api/v1/..." as template.yaml declares it, or "authorizer (...)"
    function: str
    status: int
    seconds: float
    calls: list[AwsCall]


@dataclass
class Recorder:
    """Every invocation made through `Api`, in order."""

    invocations: list[Invocation] = field(default_factory=list)
    enabled: bool = True

    def add(self, invocation: Invocation) -> None:
        if self.enabled:
            self.invocations.append(invocation)

    @contextmanager
    def paused(self) -> Iterator[None]:
        previous, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = previous


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")


class RequestFailed(AssertionError):
    pass


class Api:
    """Sends requests to the functions template.yaml routes them to, as API Gateway would after auth."""

    def __init__(self, log: CallLog, recorder: Recorder) -> None:
        self.log = log
        self.recorder = recorder
        self._sink = _Discard()

    def _timed(self, route: str, function: str, handler: Callable[[], Any]) -> tuple[Any, Invocation]:
        mark = self.log.mark()
        with redirect_stdout(self._sink):
            start = time.perf_counter()
            try:
                response = handler()
            finally:
                elapsed = time.perf_counter() - start
        status = int(response.get("statusCode", 200)) if isinstance(response, dict) else 200
        invocation = Invocation(route, function, status, elapsed, self.log.since(mark))
        self.recorder.add(invocation)
        return response, invocation

    def request(
        self,
        method: str,
        path: str,
        *,
        caller: Any = None,
        body: Any = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201, 202),
    ) -> Result:
        from testkit.api import FakeLambdaContext, api_event, match_route
        from tools.functions import load_function

        try:
            route, parameters = match_route(path, method)
        except AssertionError as error:
            raise RequestFailed(str(error)) from error
        route_path, function = route.path, route.function_dir
        authorizer = None
        if caller is not None:
            authorizer = {"user_id": caller.user_id, "role": caller.role.value, "email": caller.email}
        event = api_event(
            method,
            path,
            resource=route_path,
            path_parameters=parameters,
            body=body,
            headers=headers,
            query=query,
            authorizer=authorizer,
        )
        handler = load_function(function).lambda_handler
        response, invocation = self._timed(
            f"{method} {route_path}", function, lambda: handler(event, FakeLambdaContext())
        )
        result = Result(invocation.status, json.loads(response["body"]) if response.get("body") else {})
        if expect and result.status not in expect:
            raise RequestFailed(f"{method} {path} answered {result.status}: {result.body}")
        return result

    def authorize(self, access_token: str, *, label: str) -> Any:
        """The TOKEN authorizer, as API Gateway invokes it on a cache miss; returns the Caller it allows."""
        from realty.core.auth import Caller, Role
        from testkit.api import FakeLambdaContext
        from tools.functions import load_function

        handler = load_function(AUTHORIZER).lambda_handler
        event = {"type": "TOKEN", "authorizationToken": f"Bearer {access_token}", "methodArn": METHOD_ARN}
        policy, _ = self._timed(f"authorizer ({label})", AUTHORIZER, lambda: handler(event, FakeLambdaContext()))
        context = policy["context"]
        return Caller(user_id=context["user_id"], role=Role(context["role"]), email=context["email"])


@contextmanager
def emulated_account(**moto_config: Any) -> Iterator[dict[str, str]]:
    """The tests' emulated account (`testkit.aws`), with what the API scenario also needs.

    The authorizer fetches moto's key set over loopback HTTP; Chime runs on the local stack's meetings
    adapter (`local.meetings`); email goes to SES (moto), its sender's domain verified; Stripe and
    OpenAI keep the template's placeholder secrets, i.e. are not configured.
    """
    import boto3

    from local import meetings
    from testkit.aws import emulated_account as account
    from testkit.aws import jwks_endpoint, reset_caches

    with account(**moto_config) as created, jwks_endpoint() as jwks:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
        os.environ["COGNITO_JWKS_URL"] = jwks.url
        reset_caches()
        meetings.install()
        sender = os.environ.get("SENDER_EMAIL", "no-reply@realtyforyou.example")
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=sender.split("@")[-1])
        try:
            yield created
        finally:
            meetings.uninstall()
            os.environ.pop("COGNITO_JWKS_URL", None)


@contextmanager
def instrumented() -> Iterator[tuple[Api, Recorder, CallLog]]:
    """An `Api` on the current account, its recorder and the AWS call log (counting while open)."""
    recorder = Recorder()
    with counting() as log:
        yield Api(log, recorder), recorder, log
