"""Swagger UI and the OpenAPI document: one mechanism for every deployed stage and the local stack.

The docs function (`GET /api/v1/docs`, `/api/v1/docs/{asset}`, `/api/v1/openapi.json`) and the local
stack's `/docs` both answer with what this module builds: the page, the two Swagger UI assets (the
copies aws-lambda-powertools ships inside its package, so no CDN is needed and the page works
offline) and the committed OpenAPI document with its `servers` pointed at where it is served.

The page names its assets and the document by *relative* URLs (`docs/swagger-ui.css`,
`openapi.json`), so it works under any stage or base path without knowing it. Deployed, the document's
server is `../..`: relative to `<stage URL>/api/v1/openapi.json` that is the stage URL itself, which
Swagger UI resolves (and strips of its trailing slash) before "Try it out" calls the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

STAGE_RELATIVE_SERVER = "../.."
"""The stage URL, relative to the document served at `<stage URL>/api/v1/openapi.json`."""

# Browsers and any CDN in front may keep these: the page and the document change with a deploy, so
# minutes; the assets change only with the Powertools version, which is part of their URL.
PAGE_CACHE_CONTROL = "public, max-age=300"
ASSET_CACHE_CONTROL = "public, max-age=86400"

_ASSETS = {
    "swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "application/javascript; charset=utf-8"),
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}swagger-ui.css?v={version}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}swagger-ui-bundle.js?v={version}"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{document}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true
    }});
  </script>
</body>
</html>
"""


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


class DocumentMissing(Exception):
    """The OpenAPI document is absent or not JSON (a packaging mistake, never the caller's)."""


def page(*, document_url: str, assets_url: str = "docs/", title: str = "RealtyForYou API") -> str:
    """The Swagger UI page; both URLs may be relative to the page's own URL."""
    return _PAGE.format(title=title, assets=assets_url, document=document_url, version=_powertools_version())


def asset(name: str) -> Asset | None:
    """One of the two Swagger UI files by its public name, or None for any other name."""
    if name not in _ASSETS:
        return None
    filename, content_type = _ASSETS[name]
    body = _read_asset(filename)
    return None if body is None else Asset(body, content_type)


def document(path: Path, *, server_url: str, server_description: str) -> dict[str, Any]:
    """The committed OpenAPI document with its `servers` replaced by the one it is served from."""
    loaded = dict(_load_document(path))
    loaded["servers"] = [{"url": server_url, "description": server_description}]
    return loaded


@lru_cache(maxsize=4)
def _load_document(path: Path) -> dict[str, Any]:
    # Read once per container: the file only changes with a deploy.
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DocumentMissing(f"{path.name} is missing; run `make openapi`") from error
    except ValueError as error:
        raise DocumentMissing(f"{path.name} is not valid JSON") from error
    if not isinstance(loaded, dict):
        raise DocumentMissing(f"{path.name} is not an OpenAPI document")
    return loaded


@lru_cache(maxsize=2)
def _read_asset(filename: str) -> bytes | None:
    import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

    candidate = Path(swagger_ui.__file__).parent / filename
    return candidate.read_bytes() if candidate.is_file() else None


@lru_cache(maxsize=1)
def _powertools_version() -> str:
    from aws_lambda_powertools.shared.version import VERSION

    return str(VERSION)
