"""Build docs/openapi.json from the functions' Powertools resolvers.

`python -m tools.openapi --write` regenerates the file; `--check` exits 1 when it has drifted.
Routes are documented by their resolvers (request models, query constraints, response envelopes);
which routes are public comes from template.yaml (`Auth: {Authorizer: NONE}`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tools.functions import ROOT, function_dirs, load_function

OPENAPI_PATH = ROOT / "docs" / "openapi.json"
# The copy the docs function packages and serves (a function ships only its own directory).
PACKAGED_COPY_PATH = ROOT / "functions" / "docs" / "openapi.json"
TITLE = "RealtyForYou API"
DESCRIPTION = (
    "Backend for live real-estate video tours. Every response is the envelope "
    "`{success, data | errors, meta}`; sign in with `/api/v1/auth/login` and send "
    "`Authorization: Bearer <access_token>`."
)


def _public_routes() -> set[tuple[str, str]]:
    from tools.template import api_routes

    return {(r.method.lower(), r.path) for r in api_routes() if r.public}


def build() -> dict[str, Any]:
    from realty import __version__

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for directory in function_dirs():
        app = getattr(load_function(directory), "app", None)
        if app is None or not hasattr(app, "get_openapi_json_schema"):
            continue
        document = json.loads(app.get_openapi_json_schema(title=TITLE, version=__version__))
        for path, operations in document.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(document.get("components", {}).get("schemas", {}))
    public = _public_routes()
    for path, operations in paths.items():
        for method, operation in operations.items():
            is_public = (method, path) in public
            operation["security"] = [] if is_public else [{"bearerAuth": []}]
            _document_errors(operation, has_body="requestBody" in operation)
    for name in _POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(_error_schemas())
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": __version__, "description": DESCRIPTION},
        "servers": [{"url": "http://127.0.0.1:3000", "description": "local stack (make dev)"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "Cognito access token (JWT)"}
            },
        },
    }


_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_ERROR_DESCRIPTIONS = {
    "400": "BAD_REQUEST: the body is not JSON, or a cursor is invalid",
    "401": "UNAUTHORIZED: missing, expired or forged token",
    "402": "PAYMENT_REQUIRED: the feature needs an active pro subscription",
    "403": "FORBIDDEN: this role may not call the route",
    "404": "NOT_FOUND: no such object, or not the caller's",
    "409": "CONFLICT: invalid state transition, taken slot, duplicate",
    "413": "PAYLOAD_TOO_LARGE: the body is over the limit",
    "422": "VALIDATION_ERROR: a field is invalid (`field` names it)",
    "429": "RATE_LIMITED: throttled",
    "500": "INTERNAL_ERROR",
    "502": "UPSTREAM_ERROR: a provider failed",
    "503": "NOT_CONFIGURED: a provider is not configured here",
}


def _error_schemas() -> dict[str, Any]:
    from realty.core.envelope import ErrorEnvelope

    generated = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = generated.pop("$defs", {})
    return {**definitions, "ErrorEnvelope": generated}


def _document_errors(operation: dict[str, Any], *, has_body: bool) -> None:
    """Every error a route can answer is the error envelope; list the statuses a client must handle."""
    # Public routes answer 401/403/409 too (wrong password, unconfirmed account, taken email).
    codes = {"400", "401", "402", "403", "404", "409", "422", "429", "500", "502", "503"} | (
        {"413"} if has_body else set()
    )
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses[code] = {
            "description": _ERROR_DESCRIPTIONS.get(code, "error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
        }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite docs/openapi.json and the docs function's copy")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/openapi.json is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        OPENAPI_PATH.write_text(text)
        PACKAGED_COPY_PATH.write_text(text)
        return 0
    if args.check:
        for path in (OPENAPI_PATH, PACKAGED_COPY_PATH):
            current = path.read_text() if path.exists() else ""
            if current != text:
                print(f"{path.relative_to(ROOT)} is out of date: run `make openapi`", file=sys.stderr)
                return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
