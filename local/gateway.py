"""API Gateway (REST API, Lambda proxy integration) in front of the in-process handlers.

What it emulates, read from the template:
- routes: every function `Events` entry of `Type: Api` (`Path` with `{param}` and `{proxy+}`
  segments, `Method`, `any`), matched the way API Gateway picks a resource (literal segments beat
  parameters, which beat greedy `{proxy+}`), then the method on that resource. An unknown path or
  method answers the `MISSING_AUTHENTICATION_TOKEN` Gateway Response;
- the Lambda proxy event (v1): `resource`, `path`, `httpMethod`, single- and multi-value headers
  and query strings, `pathParameters`, `stageVariables`, `requestContext` (with the authorizer's
  context and `principalId`), `body` (base64 for binary content types);
- the API's `Auth.DefaultAuthorizer`, `Auth: {Authorizer: NONE}` per route, TOKEN authorizers
  with their cache (see `local.authorizers`);
- Gateway Responses from `GatewayResponses` (status, `application/json` template with
  `$context.requestId` and `$context.error.*`, static response headers), with the DEFAULT_4XX /
  DEFAULT_5XX fallbacks and API Gateway's own defaults behind them;
- CORS preflight (`OPTIONS`) from the API's `Cors` setting, without auth;
- the 10 MB payload limit (`REQUEST_TOO_LARGE`) and a handler error or malformed proxy response
  answering 502 with the DEFAULT_5XX response;
- a body that does not arrive in full (shorter than its `Content-Length`, an unfinished chunked
  body) within `REALTY_BODY_TIMEOUT_SECONDS` (default 5) answering 400 (`BAD_REQUEST_BODY`) and
  closing the connection, where http.server alone would wait for the missing bytes forever.

Not emulated: throttling and `MethodSettings`, usage plans and API keys, request validators,
non-proxy integrations, the 29 s integration timeout, custom domains and base paths. The stage
name is not part of the local URL (`/api/v1/...`), only of `requestContext.path` and the method
ARN, as with `sam local start-api`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.authorizers import Allowed, Rejected, TokenAuthorizer, method_arn
from local.docs import DocsSite
from local.http import HttpRequest, HttpResponse
from local.lambdas import LocalFunctions
from local.provision import local_api_id
from local.template import ACCOUNT_ID, REGION, Resolver, Template, merge_globals
from local.web import WebApp

log = logging.getLogger("local.gateway")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
BODY_TIMEOUT_ENV = "REALTY_BODY_TIMEOUT_SECONDS"
DEFAULT_BODY_TIMEOUT_SECONDS = 5.0
IMPLICIT_API = "ServerlessRestApi"
_DEFAULT = "__default__"  # a route without `Auth.Authorizer`: the API's DefaultAuthorizer applies
API_TYPE = "AWS::Serverless::Api"

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded|graphql|yaml|x-yaml))$"
)


# ---------------------------------------------------------------- routes


@dataclass(frozen=True)
class Route:
    path: str
    method: str  # upper case; ANY for `any`
    function: str
    api: str  # the API's logical id
    authorizer: str | None  # None: public

    @property
    def segments(self) -> tuple[str, ...]:
        return split_path(self.path)


def split_path(path: str) -> tuple[str, ...]:
    return tuple(segment for segment in path.strip("/").split("/") if segment)


def _segment_rank(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return 2
    if segment.startswith("{") and segment.endswith("}"):
        return 1
    return 0


def match_path(template: tuple[str, ...], actual: tuple[str, ...]) -> dict[str, str] | None:
    """Path parameters if `actual` fits the template path, else None."""
    params: dict[str, str] = {}
    for index, segment in enumerate(template):
        rank = _segment_rank(segment)
        if rank == 2:
            rest = actual[index:]
            if not rest:
                return None
            params[segment[1:-2]] = "/".join(rest)
            return params
        if index >= len(actual):
            return None
        if rank == 1:
            params[segment[1:-1]] = actual[index]
        elif segment != actual[index]:
            return None
    return params if len(template) == len(actual) else None


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """Routes grouped by resource path; matching picks the resource first, then the method."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_path: dict[str, dict[str, Route]] = {}
        for route in routes:
            self._by_path.setdefault(route.path, {})[route.method] = route
        self._paths = sorted(self._by_path, key=lambda path: tuple(_segment_rank(s) for s in split_path(path)))

    def __iter__(self) -> Any:
        return (route for methods in self._by_path.values() for route in methods.values())

    def resource(self, path: str) -> tuple[str, dict[str, str]] | None:
        actual = split_path(path)
        candidates = [
            (tuple(_segment_rank(s) for s in split_path(template)), template, params)
            for template in self._paths
            if (params := match_path(split_path(template), actual)) is not None
        ]
        if not candidates:
            return None
        _, template, params = min(candidates, key=lambda item: item[0])
        return template, params

    def methods(self, resource_path: str) -> dict[str, Route]:
        return dict(self._by_path.get(resource_path, {}))

    def match(self, method: str, path: str) -> RouteMatch | None:
        found = self.resource(path)
        if found is None:
            return None
        template, params = found
        methods = self._by_path[template]
        route = methods.get(method.upper()) or methods.get("ANY")
        return RouteMatch(route, params) if route else None


# ---------------------------------------------------------------- gateway responses

_DEFAULT_STATUS: dict[str, int] = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}

_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


def unquote_static(value: Any) -> str:
    """API Gateway static values are written `'like this'` in the template."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


@dataclass
class GatewayResponses:
    configured: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def _definition(self, response_type: str, status: int) -> Mapping[str, Any]:
        if response_type in self.configured:
            return self.configured[response_type]
        family = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        return self.configured.get(family, {})

    def render(
        self,
        response_type: str,
        *,
        request_id: str,
        message: str,
        status: int | None = None,
        request: HttpRequest | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        default_status = status or _DEFAULT_STATUS.get(response_type, 500)
        definition = self._definition(response_type, default_status)
        final_status = int(definition.get("StatusCode") or default_status)
        context = {
            "requestId": request_id,
            "error.message": message,
            "error.messageString": json.dumps(message),
            "error.responseType": response_type,
            **(variables or {}),
        }
        template = (definition.get("ResponseTemplates") or {}).get("application/json")
        if template is None:
            body = json.dumps({"message": message})
        else:
            body = _CONTEXT_VARIABLE.sub(lambda match: context.get(match.group(1), ""), str(template))
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", _error_type(response_type))]
        for name, value in ((definition.get("ResponseParameters") or {}).get("Headers") or {}).items():
            headers.append((name, _header_value(value, request)))
        return HttpResponse(final_status, headers, body.encode("utf-8"))


def _error_type(response_type: str) -> str:
    return {
        "UNAUTHORIZED": "UnauthorizedException",
        "ACCESS_DENIED": "AccessDeniedException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "REQUEST_TOO_LARGE": "RequestTooLargeException",
    }.get(response_type, "InternalServerErrorException")


def _header_value(value: Any, request: HttpRequest | None) -> str:
    text = str(value)
    if text.startswith("method.request.header.") and request is not None:
        return request.header(text.removeprefix("method.request.header.")) or ""
    return unquote_static(text)


# ---------------------------------------------------------------- API configuration


@dataclass(frozen=True)
class CorsConfig:
    allow_origin: str
    allow_headers: str | None = None
    allow_methods: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, value: Any) -> CorsConfig | None:
        if not value:
            return None
        if isinstance(value, str):
            return cls(allow_origin=unquote_static(value))

        def get(key: str) -> str | None:
            return unquote_static(value[key]) if key in value else None

        return cls(
            allow_origin=get("AllowOrigin") or "*",
            allow_headers=get("AllowHeaders"),
            allow_methods=get("AllowMethods"),
            max_age=get("MaxAge"),
            allow_credentials=bool(value.get("AllowCredentials")),
        )

    def preflight_headers(self, methods: Iterable[str]) -> list[tuple[str, str]]:
        allow_methods = self.allow_methods or ",".join(sorted({*methods, "OPTIONS"}))
        headers = [("Access-Control-Allow-Origin", self.allow_origin), ("Access-Control-Allow-Methods", allow_methods)]
        if self.allow_headers:
            headers.append(("Access-Control-Allow-Headers", self.allow_headers))
        if self.max_age:
            headers.append(("Access-Control-Max-Age", self.max_age))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers


@dataclass
class ApiConfig:
    logical_id: str
    api_id: str
    stage: str
    responses: GatewayResponses
    cors: CorsConfig | None = None
    default_authorizer: str | None = None
    authorizers: dict[str, TokenAuthorizer] = field(default_factory=dict)
    binary_media_types: tuple[str, ...] = ()


def _api_properties(template: Template, logical_id: str) -> dict[str, Any]:
    resource = template.resources.get(logical_id) or {}
    return dict(merge_globals(template.globals.get("Api") or {}, resource.get("Properties") or {}))


def build_api_config(template: Template, resolver: Resolver, functions: LocalFunctions, logical_id: str) -> ApiConfig:
    properties = resolver.resolve(_api_properties(template, logical_id))
    auth = properties.get("Auth") or {}
    authorizers = {
        name: _token_authorizer(name, definition, functions)
        for name, definition in (auth.get("Authorizers") or {}).items()
    }
    return ApiConfig(
        logical_id=logical_id,
        api_id=str(resolver.refs.get(logical_id) or local_api_id(logical_id)),
        stage=str(properties.get("StageName") or "Prod"),
        responses=GatewayResponses(properties.get("GatewayResponses") or {}),
        cors=CorsConfig.from_template(properties.get("Cors")),
        default_authorizer=auth.get("DefaultAuthorizer"),
        authorizers=authorizers,
        binary_media_types=tuple(str(item).replace("~1", "/") for item in properties.get("BinaryMediaTypes") or []),
    )


def _token_authorizer(name: str, definition: Mapping[str, Any], functions: LocalFunctions) -> TokenAuthorizer:
    payload_type = str(definition.get("FunctionPayloadType", "TOKEN")).upper()
    if "FunctionArn" not in definition or payload_type != "TOKEN":
        log.warning("authorizer %s: only Lambda TOKEN authorizers run locally; its routes will answer 500", name)
        return TokenAuthorizer(name=name, invoke=_unsupported_authorizer, ttl_seconds=0)
    target = functions.get(str(definition["FunctionArn"]))
    identity = definition.get("Identity") or {}
    return TokenAuthorizer(
        name=name,
        invoke=lambda event: functions.invoke(target.logical_id, event),
        identity_header=str(identity.get("Header", "Authorization")),
        ttl_seconds=int(identity.get("ReauthorizeEvery", 300)),
        validation_expression=identity.get("ValidationExpression"),
    )


def _unsupported_authorizer(event: dict[str, Any]) -> Any:
    raise NotImplementedError("this authorizer type is not emulated locally")


def routes_from_template(template: Template, functions: LocalFunctions) -> list[Route]:
    routes = []
    for spec in functions:
        for event in spec.events.values():
            if event.get("Type") != "Api":
                continue
            properties = event.get("Properties") or {}
            api_ref = properties.get("RestApiId")
            api = str(api_ref["Ref"]) if isinstance(api_ref, dict) and "Ref" in api_ref else IMPLICIT_API
            authorizer = (properties.get("Auth") or {}).get("Authorizer", _DEFAULT)
            routes.append(
                Route(
                    path=str(properties["Path"]),
                    method=str(properties["Method"]).upper(),
                    function=spec.logical_id,
                    api=api,
                    authorizer=authorizer,
                )
            )
    return routes


# ---------------------------------------------------------------- the proxy event


def _is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if any(_media_matches(pattern, media_type) for pattern in binary_media_types):
        return True
    return not _TEXT_TYPES.match(media_type)


def _media_matches(pattern: str, media_type: str) -> bool:
    pattern = pattern.lower()
    return pattern in ("*/*", media_type) or (pattern.endswith("/*") and media_type.startswith(pattern[:-1]))


def build_proxy_event(
    request: HttpRequest,
    match: RouteMatch,
    api: ApiConfig,
    *,
    request_id: str,
    authorizer_context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    headers, multi_headers = _event_headers(request)
    query, multi_query = _event_query(request.query)
    now = datetime.now(UTC)
    body: str | None = None
    encoded = False
    if request.body:
        encoded = _is_binary(request.header("Content-Type"), api.binary_media_types)
        body = base64.b64encode(request.body).decode("ascii") if encoded else request.body.decode("utf-8", "replace")
    path = unquote(request.path)
    return {
        "resource": match.route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": local_api_id(match.route.path)[:6],
            "resourcePath": match.route.path,
            "httpMethod": request.method,
            "extendedRequestId": request_id.replace("-", "")[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": api.api_id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": _identity(request),
            "domainName": request.header("Host") or f"{api.api_id}.execute-api.{REGION}.amazonaws.com",
            "apiId": api.api_id,
            **({"authorizer": dict(authorizer_context)} if authorizer_context is not None else {}),
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _event_headers(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    added = [
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
    ]
    present = {name.lower() for name, _ in request.headers}
    for name, value in [*request.headers, *((n, v) for n, v in added if n.lower() not in present)]:
        headers[name] = value
        multi.setdefault(name, []).append(value)
    return headers, multi


def _event_query(query: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def _identity(request: HttpRequest) -> dict[str, Any]:
    keys = (
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "principalOrgId",
        "accessKey",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "user",
    )
    identity: dict[str, Any] = dict.fromkeys(keys)
    identity.update(sourceIp=request.source_ip, userAgent=request.header("User-Agent"))
    return identity


class MalformedProxyResponse(ValueError):
    pass


def proxy_response_to_http(result: Any) -> HttpResponse:
    """The function's proxy result as the HTTP response API Gateway would send."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raise MalformedProxyResponse("a proxy response is an object with statusCode")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise MalformedProxyResponse("statusCode must be an integer") from None
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse("body must be a string")
    payload = b"" if body is None else base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    multi_names = {name.lower() for name in multi}
    headers.extend(
        (name, str(value)) for name, value in (result.get("headers") or {}).items() if name.lower() not in multi_names
    )
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, payload)


# ---------------------------------------------------------------- the gateway


class ApiGateway:
    """Turns HTTP requests into proxy events for the template's functions, as API Gateway does."""

    def __init__(
        self,
        routes: RouteTable,
        apis: Mapping[str, ApiConfig],
        invoke: Callable[[str, dict[str, Any], str], Any],
        docs: DocsSite | None = None,
        web: WebApp | None = None,
    ) -> None:
        self.routes = routes
        self.apis = dict(apis)
        self._invoke = invoke
        self.docs = docs
        self.web = web
        self.base_url = ""

    @property
    def _fallback_api(self) -> ApiConfig:
        return next(iter(self.apis.values()))

    def handle(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self._handle(request)
        log.info(
            "%s %s -> %d (%.0f ms)",
            request.method,
            request.target,
            response.status,
            (time.perf_counter() - started) * 1000,
        )
        return response

    def _handle(self, request: HttpRequest) -> HttpResponse:
        if self.docs is not None and self.docs.handles(request.path) and request.method in ("GET", "HEAD"):
            return self.docs.serve(request.path, self.base_url)
        if self.web is not None and self.web.handles(request.path) and request.method in ("GET", "HEAD"):
            return self.web.serve(request.path)
        request_id = str(uuid.uuid4())
        if max(len(request.body), request.declared_length or 0) > MAX_PAYLOAD_BYTES:
            return self._reject(self._fallback_api, "REQUEST_TOO_LARGE", "Request Too Long", request, request_id)
        path = unquote(request.path)
        match = self.routes.match(request.method, path)
        if match is None:
            return self._unmatched(request, path, request_id)
        api = self.apis[match.route.api]
        authorizer_context: dict[str, Any] | None = None
        authorizer_name = api.default_authorizer if match.route.authorizer == _DEFAULT else match.route.authorizer
        if authorizer_name and authorizer_name != "NONE":
            decision = self._authorize(api, authorizer_name, request, path)
            if isinstance(decision, Rejected):
                return self._reject(api, decision.response_type, decision.message, request, request_id)
            authorizer_context = {**decision.context, "principalId": decision.principal_id}
        event = build_proxy_event(request, match, api, request_id=request_id, authorizer_context=authorizer_context)
        return self._integrate(api, match.route, event, request, request_id)

    def incomplete_body(self, request: HttpRequest) -> HttpResponse:
        """The answer to a request whose body never arrived in full."""
        log.info("%s %s -> 400 (the body did not arrive in full)", request.method, request.target)
        return self._reject(
            self._fallback_api, "BAD_REQUEST_BODY", "Incomplete request body", request, str(uuid.uuid4())
        )

    def _unmatched(self, request: HttpRequest, path: str, request_id: str) -> HttpResponse:
        """No method for this request: a CORS preflight on a known path, or API Gateway's 'no route'."""
        found = self.routes.resource(path)
        methods = self.routes.methods(found[0]) if found else {}
        api = self.apis[next(iter(methods.values())).api] if methods else self._fallback_api
        if request.method == "OPTIONS" and methods and api.cors is not None:
            return HttpResponse(200, api.cors.preflight_headers(methods), b"")
        return self._reject(api, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token", request, request_id)

    def _authorize(self, api: ApiConfig, name: str, request: HttpRequest, path: str) -> Allowed | Rejected:
        authorizer = api.authorizers.get(name)
        if authorizer is None:
            log.error("route uses authorizer %s, which the API does not define", name)
            return Rejected("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
        arn = method_arn(
            region=REGION, account_id=ACCOUNT_ID, api_id=api.api_id, stage=api.stage, method=request.method, path=path
        )
        return authorizer.authorize(request.header(authorizer.identity_header), arn)

    def _integrate(
        self, api: ApiConfig, route: Route, event: dict[str, Any], request: HttpRequest, request_id: str
    ) -> HttpResponse:
        try:
            result = self._invoke(route.function, event, request_id)
            return proxy_response_to_http(result)
        except MalformedProxyResponse:
            log.exception("%s returned a malformed proxy response", route.function)
        except Exception:
            # A Lambda error is a 502 from API Gateway; the traceback goes to the console only.
            log.exception("%s raised", route.function)
        return self._reject(api, "DEFAULT_5XX", "Internal server error", request, request_id, status=502)

    def _reject(
        self,
        api: ApiConfig,
        response_type: str,
        message: str,
        request: HttpRequest,
        request_id: str,
        status: int | None = None,
    ) -> HttpResponse:
        variables = {"stage": api.stage, "apiId": api.api_id}
        return api.responses.render(
            response_type, request_id=request_id, message=message, status=status, request=request, variables=variables
        )


def build_gateway(
    template: Template,
    resolver: Resolver,
    functions: LocalFunctions,
    docs: DocsSite | None = None,
    web: WebApp | None = None,
) -> ApiGateway:
    routes = routes_from_template(template, functions)
    api_ids = {route.api for route in routes} | {logical_id for logical_id, _ in template.resources_of_type(API_TYPE)}
    apis = {logical_id: build_api_config(template, resolver, functions, logical_id) for logical_id in sorted(api_ids)}
    if not apis:
        apis[IMPLICIT_API] = build_api_config(template, resolver, functions, IMPLICIT_API)
    return ApiGateway(
        RouteTable(routes),
        apis,
        invoke=lambda function, event, request_id: functions.invoke(function, event, request_id=request_id),
        docs=docs,
        web=web,
    )


# ---------------------------------------------------------------- the HTTP server


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def _dispatch(self) -> None:
        try:
            declared, body = self._read_body()
        except _IncompleteBody:
            request = HttpRequest(self.command, self.path, list(self.headers.items()), source_ip=self.client_address[0])
            # The rest of the stream cannot be told from the next request: answer, then hang up.
            self.close_connection = True
            self._write(self.server.gateway.incomplete_body(request))
            return
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            declared_length=declared,
        )
        response = self.server.gateway.handle(request)
        self._write(response)

    def _read_body(self) -> tuple[int, bytes]:
        """The body, read against one deadline for all of it (a slow or lying client cannot hold a thread)."""
        deadline = time.monotonic() + self.server.body_timeout_seconds
        previous = self.connection.gettimeout()
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked(deadline)
            return self._read_length(deadline)
        except (TimeoutError, ValueError) as error:  # ValueError: a chunk size that is not hex
            raise _IncompleteBody from error
        finally:
            self.connection.settimeout(previous)

    def _read_length(self, deadline: float) -> tuple[int, bytes]:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _IncompleteBody from None
        keep = length <= MAX_PAYLOAD_BYTES  # too large: drained and dropped, so the client reads our 413
        parts: list[bytes] = []
        remaining = length
        while remaining > 0:
            chunk = self._read_some(min(remaining, 1 << 16), deadline)
            remaining -= len(chunk)
            if keep:
                parts.append(chunk)
        return length, b"".join(parts)

    def _read_chunked(self, deadline: float) -> tuple[int, bytes]:
        parts: list[bytes] = []
        total = 0
        while True:
            size = int(self._read_line(deadline).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                self._read_line(deadline)
                return total, b"".join(parts) if total <= MAX_PAYLOAD_BYTES else b""
            chunk = b""
            while len(chunk) < size:
                chunk += self._read_some(size - len(chunk), deadline)
            self._read_line(deadline)
            total += len(chunk)
            if total <= MAX_PAYLOAD_BYTES:
                parts.append(chunk)

    def _time_left(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _IncompleteBody
        self.connection.settimeout(left)

    def _read_some(self, size: int, deadline: float) -> bytes:
        self._time_left(deadline)
        chunk = self.rfile.read1(size)
        if not chunk:  # the client closed its side before sending it all
            raise _IncompleteBody
        return chunk

    def _read_line(self, deadline: float) -> bytes:
        self._time_left(deadline)
        line = self.rfile.readline(1 << 16)
        if not line.endswith(b"\n"):
            raise _IncompleteBody
        return line

    def _write(self, response: HttpResponse) -> None:
        self.send_response_only(response.status, HTTPStatus(response.status).phrase if _known(response.status) else "")
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Date", self.date_time_string())
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _dispatch

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, PROPFIND...) is a route API Gateway does not have: the
        # MISSING_AUTHENTICATION_TOKEN Gateway Response in our envelope, not http.server's 501 page.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        return  # the gateway logs one line per request itself


class _IncompleteBody(Exception):
    """The body did not arrive in full before the deadline (or the client stopped sending it)."""


def _known(status: int) -> bool:
    try:
        HTTPStatus(status)
    except ValueError:
        return False
    return True


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    gateway: ApiGateway

    def __init__(
        self, address: tuple[str, int], gateway: ApiGateway | None = None, *, body_timeout_seconds: float | None = None
    ) -> None:
        # The socket is bound here; the gateway may come later (the stack binds its port first, so the
        # web app's origin is known before the template's resources are created with it).
        super().__init__(address, _GatewayRequestHandler)
        if gateway is not None:
            self.gateway = gateway
        if body_timeout_seconds is None:
            body_timeout_seconds = float(os.environ.get(BODY_TIMEOUT_ENV) or DEFAULT_BODY_TIMEOUT_SECONDS)
        self.body_timeout_seconds = body_timeout_seconds
