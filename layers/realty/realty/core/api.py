"""The REST resolver every API function uses, with the one mapping from errors to the envelope.

A handler module does `app = create_app()`, declares routes, and ends with
`lambda_handler = make_handler(app)`. Routes return `respond(...)` / `respond_page(...)`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from realty.core.imports import defer_package_init

# Before any import from the package: its __init__ imports every resolver Powertools ships, this API
# uses the REST one (realty.core.imports). Handlers import these names from here for that reason.
defer_package_init("aws_lambda_powertools.event_handler")

from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.event_handler import content_types  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.exceptions import (  # noqa: E402
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from realty.core import actor  # noqa: E402
from realty.core.config import get_settings  # noqa: E402
from realty.core.envelope import ErrorItem, error_body, meta  # noqa: E402
from realty.core.errors import AppError, BadRequest, PayloadTooLarge  # noqa: E402
from realty.core.observability import instrument_handler  # noqa: E402

# What handlers import from here rather than from Powertools (see above).
__all__ = [
    "Body",
    "Header",
    "Path",
    "Query",
    "Response",
    "create_app",
    "error_response",
    "make_handler",
    "request_id",
    "respond",
    "respond_page",
]

logger = Logger()

_BODY_METHODS = {"POST", "PUT", "PATCH"}
# The methods that change state: their writes carry the actor check (realty.core.actor).
_CHANGE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# No body of this API nests more than a few levels (a Stripe event about ten). A cap far below
# Python's recursion limit means neither the parser nor the validation behind it ever recurses deep
# enough to crash, whatever stack depth they run at.
MAX_JSON_DEPTH = 64


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        # A response that fails its own model is our bug, not the client's (Powertools#5888).
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
    )
    _register_error_handlers(app)
    return app


def make_handler(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    @instrument_handler(correlation_id_path="requestContext.requestId")
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        rejection = _body_rejection(event) or _rate_limited(event)
        if rejection is not None:
            return _with_cors(_proxy_error(event, rejection))
        with actor.guarding(_actor_guard(event)):
            return _with_cors(app.resolve(event, context))

    return lambda_handler


def request_id(app: APIGatewayRestResolver) -> str | None:
    context = app.current_event.raw_event.get("requestContext") or {}
    value = context.get("requestId")
    return str(value) if value else None


def respond(app: APIGatewayRestResolver, data: Any, *, status: int = 200) -> Response[Any]:
    """The success envelope around one resource (or any data)."""
    body = {"success": True, "data": _dump(data), "meta": meta(request_id(app))}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def respond_page(
    app: APIGatewayRestResolver, items: Sequence[Any], *, limit: int, next_cursor: str | None
) -> Response[Any]:
    page_meta = meta(request_id(app)) | {"pagination": {"limit": limit, "next_cursor": next_cursor}}
    body = {"success": True, "data": [_dump(item) for item in items], "meta": page_meta}
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


def _dump(data: Any) -> Any:
    return data.model_dump(mode="json") if isinstance(data, BaseModel) else data


def error_response(
    app: APIGatewayRestResolver, status: int, errors: list[ErrorItem], *, retry_after: int | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(errors, request_id(app))),
        # A retryable refusal (a quota, a throttle) says when to come back, so clients back off alike.
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
    )


def _with_cors(response: dict[str, Any]) -> dict[str, Any]:
    """The web app's origin on every answer: with proxy integration, API Gateway's CORS setting only
    answers the preflight; the browser reads a response only if the function names the origin."""
    origin = {"Access-Control-Allow-Origin": get_settings().allowed_origin, "Vary": "Origin"}
    if "multiValueHeaders" in response:
        response["multiValueHeaders"].update({name: [value] for name, value in origin.items()})
    else:
        response.setdefault("headers", {}).update(origin)
    return response


def _body_rejection(event: dict[str, Any]) -> AppError | None:
    """Oversized and non-JSON bodies are refused before routing and validation look at them."""
    body = event.get("body")
    if not body or str(event.get("httpMethod", "")).upper() not in _BODY_METHODS:
        return None
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        return PayloadTooLarge(f"the request body is over {limit} bytes")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json":
        return BadRequest("the request body must be JSON (Content-Type: application/json)")
    try:
        parsed = json.loads(base64.b64decode(body) if event.get("isBase64Encoded") else body)
    except ValueError:  # also bad base64, bad UTF-8 and integers over Python's digit limit
        return BadRequest("the request body is not valid JSON")
    except RecursionError:  # about a thousand levels of brackets
        return BadRequest(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
    # JSON `null` is no body: where a body is optional (a buyer's join) it is the documented
    # "nothing to say", where one is required validation answers it as a missing body (400).
    if parsed is None:
        return None
    # Powertools would read `[{...}]` as its first element; every body of this API is one object.
    if not isinstance(parsed, dict):
        return BadRequest("the request body must be a JSON object")
    if _nests_deeper_than(parsed, MAX_JSON_DEPTH):
        return BadRequest(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
    return None


def _rate_limited(event: dict[str, Any]) -> AppError | None:
    """The caller's per-minute limit (realty.core.ratelimit), checked before any work of the route.

    Only authorized routes have a caller to count: sign-up, sign-in, health and the Stripe webhook
    are left to API Gateway's stage and method throttling.
    """
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user_id = str(context.get("user_id") or "")
    if not user_id:
        return None
    from realty.core import ratelimit

    try:
        ratelimit.check(user_id, str(event.get("httpMethod", "")))
    except AppError as error:
        return error
    return None


def _actor_guard(event: dict[str, Any]) -> actor.ActorGuard | None:
    """The guard for a state-changing request of an authorized route: the token's subject and issue
    time, as the authorizer put them in its context (REST APIs pass context values as strings).

    A context without `sub` (an answer API Gateway cached from an authorizer that did not name it
    yet, for at most 300 s after the release that added it; or a route without the authorizer,
    which `current_caller` refuses anyway) has no identity item to check.
    """
    if str(event.get("httpMethod", "")).upper() not in _CHANGE_METHODS:
        return None
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    cognito_sub = str(context.get("sub") or "")
    if not cognito_sub:
        return None
    issued_at = str(context.get("iat") or "")
    return actor.ActorGuard(
        cognito_sub=cognito_sub,
        issued_at=int(issued_at) if issued_at.isdigit() else None,
        table=get_settings().main_table,
    )


def _nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest more than `limit` levels (iterative: it must not recurse itself)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _proxy_error(event: dict[str, Any], error: AppError) -> dict[str, Any]:
    request = (event.get("requestContext") or {}).get("requestId")
    item = ErrorItem(code=error.code, message=error.message, field=error.field)
    headers = {"Content-Type": content_types.APPLICATION_JSON}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return {
        "statusCode": int(error.status),
        "headers": headers,
        "body": json.dumps(error_body([item], request)),
        "isBase64Encoded": False,
    }


def _register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(AppError)
    def handle_app_error(error: AppError) -> Response[Any]:
        if error.status >= 500:
            # NotConfigured's detail names what the operator must fix; it never reaches the caller.
            logger.warning(
                "request failed upstream", extra={"code": error.code, "detail": getattr(error, "detail", None)}
            )
        item = ErrorItem(code=error.code, message=error.message, field=error.field, details=error.details)
        return error_response(app, error.status, [item], retry_after=error.retry_after)

    @app.exception_handler(RequestValidationError)
    def handle_validation_error(error: RequestValidationError) -> Response[Any]:
        details = list(error.errors())
        if any(d.get("type") == "json_invalid" for d in details):
            return error_response(
                app, 400, [ErrorItem(code="BAD_REQUEST", message="the request body is not valid JSON")]
            )
        if any(_is_whole_body(d) for d in details):
            return error_response(
                app, 400, [ErrorItem(code="BAD_REQUEST", message="the request body must be a JSON object")]
            )
        return error_response(app, 422, [_validation_item(d) for d in details])

    @app.exception_handler(RequestUnsupportedContentType)
    def handle_content_type(_: RequestUnsupportedContentType) -> Response[Any]:
        return error_response(app, 400, [ErrorItem(code="BAD_REQUEST", message="the request body must be JSON")])

    @app.not_found
    def handle_not_found(_: NotFoundError) -> Response[Any]:
        return error_response(app, 404, [ErrorItem(code="NOT_FOUND", message="no such route")])

    @app.exception_handler(Exception)
    def handle_unexpected(error: Exception) -> Response[Any]:
        logger.exception("unhandled error")
        return error_response(
            app, 500, [ErrorItem(code="INTERNAL_ERROR", message="the service failed to answer, retry later")]
        )


def _is_whole_body(detail: dict[str, Any]) -> bool:
    """True when the body itself is missing or not an object (as opposed to one field being wrong)."""
    return tuple(detail.get("loc") or ()) == ("body",)


def _validation_item(detail: dict[str, Any]) -> ErrorItem:
    # loc is ("body"|"query"|"path"|"header", field, nested...); the field path is what a client can fix.
    field = ".".join(str(part) for part in tuple(detail.get("loc") or ())[1:]) or None
    kind = detail.get("type", "")
    if kind == "missing":
        message = f"{field} is required"
    elif kind == "extra_forbidden":
        message = f"{field} is not an allowed field"
    else:
        message = f"{field}: {detail.get('msg', 'is invalid')}"
    return ErrorItem(code="VALIDATION_ERROR", message=message, field=field)
