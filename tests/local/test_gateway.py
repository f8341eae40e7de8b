"""The API Gateway emulation: route matching, proxy events, Gateway Responses, CORS, errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local.authorizers import TokenAuthorizer
from local.gateway import (
    ApiConfig,
    ApiGateway,
    CorsConfig,
    GatewayResponses,
    Route,
    RouteTable,
    match_path,
    proxy_response_to_http,
    split_path,
)
from local.http import HttpRequest

ROUTES = RouteTable(
    [
        Route("/api/v1/health", "GET", "Health", "Api", authorizer="NONE"),
        Route("/api/v1/properties/{id}", "GET", "Props", "Api", authorizer="__default__"),
        Route("/api/v1/properties/mine", "GET", "Mine", "Api", authorizer="__default__"),
        Route("/api/v1/properties/{id}/images/{image_id}", "DELETE", "Images", "Api", authorizer="__default__"),
        Route("/files/{proxy+}", "ANY", "Files", "Api", authorizer="NONE"),
    ]
)


def test_match_path_with_parameters() -> None:
    template = split_path("/a/{id}/b/{other}")

    assert match_path(template, split_path("/a/1/b/2")) == {"id": "1", "other": "2"}
    assert match_path(template, split_path("/a/1/b")) is None
    assert match_path(template, split_path("/a/1/c/2")) is None


def test_greedy_parameter_takes_the_rest() -> None:
    assert match_path(split_path("/files/{proxy+}"), split_path("/files/a/b/c.txt")) == {"proxy": "a/b/c.txt"}
    assert match_path(split_path("/files/{proxy+}"), split_path("/files")) is None


def test_literal_segment_beats_parameter() -> None:
    mine = ROUTES.match("GET", "/api/v1/properties/mine")
    other = ROUTES.match("GET", "/api/v1/properties/01J123")

    assert mine is not None and mine.route.function == "Mine" and mine.path_parameters == {}
    assert other is not None and other.route.function == "Props" and other.path_parameters == {"id": "01J123"}


def test_method_must_exist_on_the_resource() -> None:
    assert ROUTES.match("POST", "/api/v1/health") is None
    assert ROUTES.match("GET", "/api/v1/nothing") is None


def test_any_method_and_trailing_slash() -> None:
    match = ROUTES.match("PUT", "/files/x/y")
    assert match is not None and match.route.function == "Files"
    assert ROUTES.match("GET", "/api/v1/health/") is not None


# ---------------------------------------------------------------- the gateway

RESPONSES = GatewayResponses(
    {
        "UNAUTHORIZED": {
            "StatusCode": 401,
            "ResponseParameters": {"Headers": {"Access-Control-Allow-Origin": "'http://localhost:5173'"}},
            "ResponseTemplates": {"application/json": '{"code": "UNAUTHORIZED", "request_id": "$context.requestId"}'},
        },
        "MISSING_AUTHENTICATION_TOKEN": {
            "StatusCode": 404,
            "ResponseTemplates": {"application/json": '{"code": "NOT_FOUND"}'},
        },
        "DEFAULT_4XX": {"ResponseTemplates": {"application/json": '{"code": "4XX", "why": "$context.error.message"}'}},
        "DEFAULT_5XX": {"ResponseTemplates": {"application/json": '{"code": "5XX"}'}},
    }
)


class Backend:
    """Records proxy events and answers like a function (or fails like one)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.authorizer_calls = 0

    def invoke(self, function: str, event: dict[str, Any], request_id: str) -> Any:
        self.events.append((function, event))
        if function == "Images":
            raise RuntimeError("handler bug")
        if function == "Mine":
            return {"statusCode": 200}  # a body-less answer is fine
        if function == "Files":
            return "not a proxy response"
        return {
            "statusCode": 201,
            "headers": {"X-One": "1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps({"ok": True}),
        }

    def authorize(self, event: dict[str, Any]) -> dict[str, Any]:
        self.authorizer_calls += 1
        if event["authorizationToken"] != "Bearer good":
            raise Exception("Unauthorized")
        effect = "Deny" if "/DELETE/" in event["methodArn"] else "Allow"
        return {
            "principalId": "user-1",
            "policyDocument": {"Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": "*"}]},
            "context": {"user_id": "user-1", "role": "buyer"},
        }


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def gateway(backend: Backend) -> ApiGateway:
    api = ApiConfig(
        logical_id="Api",
        api_id="abcdefghij",
        stage="dev",
        responses=RESPONSES,
        cors=CorsConfig.from_template(
            {"AllowOrigin": "'http://localhost:5173'", "AllowHeaders": "'Authorization'", "MaxAge": "'600'"}
        ),
        default_authorizer="Token",
        authorizers={"Token": TokenAuthorizer(name="Token", invoke=backend.authorize, ttl_seconds=300)},
    )
    return ApiGateway(ROUTES, {"Api": api}, invoke=backend.invoke)


def request(method: str, target: str, body: bytes = b"", **headers: str) -> HttpRequest:
    return HttpRequest(method, target, [(k.replace("_", "-"), v) for k, v in headers.items()], body, "10.0.0.9")


def test_public_route_gets_a_rest_proxy_event(gateway: ApiGateway, backend: Backend) -> None:
    response = gateway.handle(request("GET", "/api/v1/health?a=1&a=2&b=", User_Agent="tests"))

    function, event = backend.events[0]
    assert function == "Health"
    assert response.status == 201
    assert json.loads(response.body) == {"ok": True}
    assert [value for name, value in response.headers if name == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.header("X-One") == "1"
    assert event["resource"] == "/api/v1/health"
    assert event["path"] == "/api/v1/health"
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["headers"]["User-Agent"] == "tests"
    assert event["multiValueHeaders"]["User-Agent"] == ["tests"]
    context = event["requestContext"]
    assert context["resourcePath"] == "/api/v1/health"
    assert context["path"] == "/dev/api/v1/health"
    assert context["stage"] == "dev"
    assert context["apiId"] == "abcdefghij"
    assert context["accountId"] == "123456789012"
    assert context["identity"]["sourceIp"] == "10.0.0.9"
    assert isinstance(context["requestTimeEpoch"], int)
    assert "authorizer" not in context


def test_authorized_route_carries_the_authorizer_context(gateway: ApiGateway, backend: Backend) -> None:
    response = gateway.handle(
        request("GET", "/api/v1/properties/01J9", b"", Authorization="Bearer good", Content_Type="application/json")
    )

    _, event = backend.events[0]
    assert response.status == 201
    assert event["pathParameters"] == {"id": "01J9"}
    assert event["requestContext"]["authorizer"] == {"user_id": "user-1", "role": "buyer", "principalId": "user-1"}


def test_missing_token_answers_401_without_the_authorizer(gateway: ApiGateway, backend: Backend) -> None:
    response = gateway.handle(request("GET", "/api/v1/properties/1"))

    body = json.loads(response.body)
    assert response.status == 401
    assert body["code"] == "UNAUTHORIZED"
    assert len(body["request_id"]) == 36
    assert response.header("Access-Control-Allow-Origin") == "http://localhost:5173"
    assert backend.authorizer_calls == 0
    assert backend.events == []


def test_bad_token_answers_401(gateway: ApiGateway, backend: Backend) -> None:
    response = gateway.handle(request("GET", "/api/v1/properties/1", Authorization="Bearer forged"))

    assert response.status == 401
    assert backend.authorizer_calls == 1
    assert backend.events == []


def test_denied_policy_answers_403_from_default_4xx(gateway: ApiGateway) -> None:
    response = gateway.handle(request("DELETE", "/api/v1/properties/1/images/2", Authorization="Bearer good"))

    assert response.status == 403
    assert json.loads(response.body) == {
        "code": "4XX",
        "why": "User is not authorized to access this resource with an explicit deny",
    }


def test_unknown_route_and_method(gateway: ApiGateway) -> None:
    unknown = gateway.handle(request("GET", "/api/v1/nothing"))
    wrong_method = gateway.handle(request("DELETE", "/api/v1/health"))

    assert unknown.status == 404 and json.loads(unknown.body) == {"code": "NOT_FOUND"}
    assert wrong_method.status == 404


def test_handler_exception_is_502(gateway: ApiGateway, backend: Backend) -> None:
    # The authorizer denies DELETE, so call the failing function through a public path instead.
    gateway.routes = RouteTable([Route("/boom", "GET", "Images", "Api", authorizer="NONE")])

    response = gateway.handle(request("GET", "/boom"))

    assert response.status == 502
    assert json.loads(response.body) == {"code": "5XX"}


def test_malformed_proxy_response_is_502(gateway: ApiGateway) -> None:
    assert gateway.handle(request("GET", "/files/a.txt")).status == 502


def test_cors_preflight_needs_no_auth(gateway: ApiGateway, backend: Backend) -> None:
    response = gateway.handle(request("OPTIONS", "/api/v1/properties/1", Origin="http://localhost:5173"))

    assert response.status == 200
    assert response.header("Access-Control-Allow-Origin") == "http://localhost:5173"
    assert response.header("Access-Control-Allow-Headers") == "Authorization"
    assert response.header("Access-Control-Allow-Methods") == "GET,OPTIONS"
    assert response.header("Access-Control-Max-Age") == "600"
    assert backend.authorizer_calls == 0


def test_preflight_on_unknown_path_is_not_found(gateway: ApiGateway) -> None:
    assert gateway.handle(request("OPTIONS", "/nowhere")).status == 404


def test_binary_body_is_base64(gateway: ApiGateway, backend: Backend) -> None:
    payload = bytes(range(256))
    gateway.handle(request("POST", "/files/upload.bin", payload, Content_Type="application/octet-stream"))

    _, event = backend.events[0]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_text_body_is_passed_as_is(gateway: ApiGateway, backend: Backend) -> None:
    gateway.handle(request("POST", "/files/x", b'{"a": 1}', Content_Type="application/json; charset=utf-8"))

    _, event = backend.events[0]
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"a": 1}'


def test_body_over_10_mb_is_413(gateway: ApiGateway, backend: Backend) -> None:
    big = HttpRequest("POST", "/files/x", [("Content-Type", "text/plain")], b"", declared_length=10 * 1024 * 1024 + 1)

    response = gateway.handle(big)

    assert response.status == 413
    assert json.loads(response.body)["code"] == "4XX"
    assert backend.events == []


def test_proxy_response_base64_and_default_content_type() -> None:
    response = proxy_response_to_http(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    )

    assert response.body == b"\x00\x01"
    assert response.header("Content-Type") == "application/json"
