"""Invoke a function's real handler with a REST API proxy event built from events/api_request.json."""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from tools.functions import ROOT, load_function
from tools.template import ApiRoute, api_routes


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def match_route(path: str, method: str) -> tuple[ApiRoute, dict[str, str]]:
    """The template route that serves `method path`, and its path parameters."""
    for route in api_routes():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$"
        found = re.match(pattern, path)
        if found and route.method == method:
            return route, found.groupdict()
    raise AssertionError(f"no template route for {method} {path}")


@dataclass
class ApiResult:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def error_codes(self) -> list[str]:
        return [e["code"] for e in self.body.get("errors", [])]


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    authorizer: dict[str, str] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((ROOT / "events" / "api_request.json").read_text()))
    all_headers = {**event["headers"], **(headers or {})}
    if body is not None or raw_body is not None:
        all_headers.setdefault("Content-Type", "application/json")
    event.update(
        resource=resource or path,
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        pathParameters=path_parameters or None,
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        body=raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
    )
    context = event["requestContext"]
    context.update(resourcePath=resource or path, httpMethod=method, path=f"/dev{path}", requestId=str(uuid.uuid4()))
    if authorizer is not None:
        context["authorizer"] = {"principalId": authorizer.get("user_id", ""), **authorizer}
    return event


def call(
    method: str,
    path: str,
    *,
    caller: Any = None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> ApiResult:
    """Send a request to the function that serves it in template.yaml, as API Gateway would after auth."""
    route, params = match_route(path, method)
    authorizer = None
    if caller is not None:
        authorizer = {"user_id": caller.user_id, "role": caller.role.value, "email": caller.email}
    event = api_event(
        method,
        path,
        resource=route.path,
        path_parameters=params,
        body=body,
        raw_body=raw_body,
        headers=headers,
        query=query,
        authorizer=authorizer,
    )
    response = load_function(route.function_dir).lambda_handler(event, FakeLambdaContext())
    headers_out = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers_out.setdefault(key.lower(), values[0] if values else "")
    return ApiResult(response["statusCode"], json.loads(response["body"]) if response.get("body") else {}, headers_out)
