"""The emulated account the API benches run in, and the invoker that times and counts each request.

The account is the tests' one: moto (`mock_aws`) with every resource a function's environment names,
created from template.yaml by `tests.support.aws.provision()`. Requests are the REST proxy events
API Gateway sends after the authorizer (`tests.support.api.api_event`), handed to the handler that
template.yaml routes the path to. Only the handler call itself is timed; AWS calls are counted on
the botocore clients (`bench.aws_calls`).
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def _routes() -> list[tuple[re.Pattern[str], str, str, str]]:
    from tools.template import api_routes

    compiled = []
    for route in api_routes():
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$")
        compiled.append((pattern, route.method, route.path, route.function_dir))
    return compiled


class Api:
    """Sends requests to the functions template.yaml routes them to, as API Gateway would after auth."""

    def __init__(self, log: CallLog, recorder: Recorder) -> None:
        self.log = log
        self.recorder = recorder
        self._routes = _routes()
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
        from tests.support.api import FakeLambdaContext, api_event
        from tools.functions import load_function

        route_path = function = ""
        found: re.Match[str] | None = None
        for pattern, route_method, candidate_path, candidate_function in self._routes:
            found = pattern.match(path) if route_method == method else None
            if found:
                route_path, function = candidate_path, candidate_function
                break
        if found is None:
            raise RequestFailed(f"no template route for {method} {path}")
        authorizer = None
        if caller is not None:
            authorizer = {"user_id": caller.user_id, "role": caller.role.value, "email": caller.email}
        event = api_event(
            method,
            path,
            resource=route_path,
            path_parameters=found.groupdict(),
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
        from tests.support.api import FakeLambdaContext
        from tools.functions import load_function

        handler = load_function(AUTHORIZER).lambda_handler
        event = {"type": "TOKEN", "authorizationToken": f"Bearer {access_token}", "methodArn": METHOD_ARN}
        policy, _ = self._timed(f"authorizer ({label})", AUTHORIZER, lambda: handler(event, FakeLambdaContext()))
        context = policy["context"]
        return Caller(user_id=context["user_id"], role=Role(context["role"]), email=context["email"])


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def jwks_endpoint() -> Iterator[str]:
    """moto's Cognito key set served over loopback HTTP, where the pool's JWKS URL points in local mode."""
    from tests.support.aws import moto_public_jwks

    handler = type("Jwks", (_Jwks,), {"body": json.dumps(moto_public_jwks()).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    finally:
        server.shutdown()


def reset_caches() -> None:
    from realty.adapters import chime
    from realty.auth.tokens import jwks_client
    from realty.core.aws import reset_clients
    from realty.core.config import reset_settings

    reset_settings()
    reset_clients()
    jwks_client.cache_clear()
    chime.set_meetings(None)


@contextmanager
def emulated_account(**moto_config: Any) -> Iterator[dict[str, str]]:
    """A fresh moto account with the template's resources, the environment pointed at it.

    Chime runs on the local stack's meetings adapter (`local.meetings`); email goes to SES (moto);
    Stripe and OpenAI keep the template's placeholder secrets, i.e. are not configured.
    """
    from moto import mock_aws

    from local import meetings
    from tests.support import env

    env.apply()
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR"})
    reset_caches()
    with mock_aws(config=moto_config or None), jwks_endpoint() as jwks_url:  # type: ignore[arg-type]
        import boto3

        from tests.support.aws import provision

        created = provision()
        os.environ["COGNITO_JWKS_URL"] = jwks_url
        reset_caches()
        meetings.install()
        sender = os.environ.get("SENDER_EMAIL", "no-reply@realtyforyou.example")
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=sender.split("@")[-1])
        try:
            yield created
        finally:
            reset_caches()
            os.environ.pop("COGNITO_JWKS_URL", None)


@contextmanager
def instrumented() -> Iterator[tuple[Api, Recorder, CallLog]]:
    """An `Api` on the current account, its recorder and the AWS call log (counting while open)."""
    recorder = Recorder()
    with counting() as log:
        yield Api(log, recorder), recorder, log
