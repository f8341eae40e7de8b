"""The web app beside the API: files, SPA routing, /config.json, the CSP, and the API left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.gateway import ApiGateway, RouteTable
from local.http import HttpRequest
from local.web import WebApp, content_security_policy

CONFIG = {"apiBaseUrl": "http://127.0.0.1:3000/api/v1", "userPoolClientId": "client", "chimeMedia": False}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("outside")
    return tmp_path


def _app(dist: Path) -> WebApp:
    return WebApp(dist_dir=dist, config=lambda: CONFIG, storage_origin="http://127.0.0.1:5005")


def test_an_app_route_is_the_apps_page_and_a_file_is_itself(dist):
    app = _app(dist)

    page = app.serve("/listings/01JABC")
    script = app.serve("/assets/app.js")

    assert (page.status, page.body) == (200, b"<!doctype html><title>app</title>")
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert (script.status, script.header("Content-Type")) == (200, "text/javascript; charset=utf-8")


def test_a_missing_asset_is_a_404_and_nothing_outside_dist_is_served(dist):
    app = _app(dist)

    assert app.serve("/assets/nope.js").status == 404
    assert app.serve("/../secret.txt").status == 404
    assert b"outside" not in app.serve("/%2e%2e/secret.txt").body


def test_config_json_comes_from_the_running_stack_and_is_never_cached(dist):
    reply = _app(dist).serve("/config.json")

    assert json.loads(reply.body) == CONFIG
    assert reply.header("Cache-Control") == "no-store"


def test_every_answer_carries_the_csp_with_the_local_storage_origin(dist):
    csp = _app(dist).serve("/").header("Content-Security-Policy")

    assert csp == content_security_policy("http://127.0.0.1:5005")
    assert "img-src 'self' data: blob: http://127.0.0.1:5005;" in csp
    assert "script-src 'self';" in csp


def test_without_a_build_the_page_says_how_to_get_one(tmp_path):
    reply = WebApp(dist_dir=tmp_path / "missing", config=lambda: CONFIG).serve("/")

    assert reply.status == 200
    assert b"make dev" in reply.body


def test_the_gateway_serves_the_app_but_api_paths_stay_the_apis(dist):
    gateway = ApiGateway(RouteTable([]), {}, invoke=lambda *_: None, web=_app(dist))

    assert gateway.handle(HttpRequest("GET", "/tours/1/room")).body.startswith(b"<!doctype html>")
    assert _app(dist).handles("/api/v1/nowhere") is False
    assert _app(dist).handles("/") is True
