"""Every stage serves Swagger UI and its OpenAPI document: public, cached, from its own function."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from testkit.api import FakeLambdaContext, api_event, match_route
from tools.functions import ROOT, load_function
from tools.template import api_routes


def _get(path: str) -> dict[str, Any]:
    route, params = match_route(path, "GET")
    event = api_event("GET", path, resource=route.path, path_parameters=params)
    # The stage as API Gateway reports it: the page must not need to know it.
    event["requestContext"]["path"] = f"/prod{path}"
    response: dict[str, Any] = load_function(route.function_dir).lambda_handler(event, FakeLambdaContext())
    response["headers"] = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        response["headers"].setdefault(key.lower(), values[0] if values else "")
    return response


def test_docs_routes_are_public_and_served_by_their_own_function():
    routes = {(r.method, r.path): r for r in api_routes() if "docs" in r.path or r.path.endswith("openapi.json")}
    assert set(routes) == {("GET", "/api/v1/docs"), ("GET", "/api/v1/docs/{asset}"), ("GET", "/api/v1/openapi.json")}
    assert all(r.public and r.function_dir == "docs" for r in routes.values())


def test_the_page_loads_swagger_ui_and_the_document_relative_to_itself(aws):
    page = _get("/api/v1/docs")

    assert page["statusCode"] == 200
    assert page["headers"]["content-type"].startswith("text/html")
    assert page["headers"]["cache-control"].startswith("public, max-age=")
    body = page["body"]
    assert "SwaggerUIBundle" in body and "cdn" not in body.lower()
    stage_page = "https://api.example.com/prod/api/v1/docs"
    script = re.search(r'<script src="([^"]+)"', body)
    document = re.search(r'url: "([^"]+)"', body)
    assert script and document
    assert urljoin(stage_page, script.group(1)).startswith(
        "https://api.example.com/prod/api/v1/docs/swagger-ui-bundle.js"
    )
    assert urljoin(stage_page, document.group(1)) == "https://api.example.com/prod/api/v1/openapi.json"


def test_the_assets_are_served_as_text_and_cached_longer(aws):
    script = _get("/api/v1/docs/swagger-ui-bundle.js")
    css = _get("/api/v1/docs/swagger-ui.css")

    assert script["statusCode"] == 200 and not script.get("isBase64Encoded")
    assert script["headers"]["content-type"].startswith("application/javascript")
    assert len(script["body"]) > 100_000
    assert css["statusCode"] == 200 and css["headers"]["content-type"].startswith("text/css")
    assert script["headers"]["cache-control"] == "public, max-age=86400"


def test_an_unknown_asset_is_a_404_in_the_envelope(aws):
    missing = _get("/api/v1/docs/secrets.txt")

    assert missing["statusCode"] == 404
    assert json.loads(missing["body"])["errors"][0]["code"] == "NOT_FOUND"


def test_the_document_is_the_committed_one_with_this_stage_as_its_server(aws):
    served = _get("/api/v1/openapi.json")

    assert served["statusCode"] == 200
    assert served["headers"]["content-type"] == "application/json"
    assert served["headers"]["cache-control"].startswith("public, max-age=")
    document = json.loads(served["body"])
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert document["paths"] == committed["paths"]
    assert document["info"] == committed["info"]
    # Swagger UI resolves the server against the document's URL: the stage URL, whatever the stage.
    (server,) = document["servers"]
    resolved = urljoin("https://api.example.com/prod/api/v1/openapi.json", server["url"])
    assert resolved.rstrip("/") == "https://api.example.com/prod"
