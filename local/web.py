"""The web app (`web/dist`, built by `python -m tools.web build`) served beside the API, as CloudFront would.

- `/config.json` is written from the running stack (API base URL, the Cognito pool and client ids),
  the way the deploy writes it into the hosting bucket; nothing of the stack is baked into the bundle;
- files under `web/dist` are served with their content type; any other path without a file
  extension is the single-page app's `index.html` (CloudFront's SPA routing answers the same);
- every answer carries the same security headers as the deployed response headers policy, with the
  local storage origin (the embedded moto) where the deployed policy names the media bucket.

Not emulated: caching, compression, CloudFront's error pages. `/api/...` and `/docs` never reach here.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.http import HttpResponse

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RealtyForYou</title></head>
<body><main><h1>The web app is not built</h1>
<p>Run <code>make dev</code>, which builds it (<code>python -m tools.web build</code>) before starting the stack.</p>
</main></body></html>
"""

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json"}


# The deployed app's storage (presigned S3 URLs) and API (execute-api) are both under this.
AWS_ORIGINS = "https://*.amazonaws.com"


def content_security_policy(storage_origins: str = AWS_ORIGINS) -> str:
    """The app's CSP: its own scripts and styles only; photos, recordings and uploads from storage;
    the API and Chime's signalling and media hosts. The template's response headers policy holds the
    deployed value (`content_security_policy()`; tests/template checks they are the same)."""

    def sources(*items: str) -> str:
        return " ".join(dict.fromkeys(" ".join(items).split()))  # in order, each once

    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src " + sources("'self' data: blob:", storage_origins),
            "media-src " + sources("'self' blob:", storage_origins),
            "connect-src " + sources("'self'", storage_origins, AWS_ORIGINS, "https://*.chime.aws wss://*.chime.aws"),
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


@dataclass
class WebApp:
    dist_dir: Path
    config: Callable[[], Mapping[str, Any]]  # the app's /config.json, read when asked (ports are known late)
    storage_origin: str = ""

    def handles(self, path: str) -> bool:
        return not (path == "/api" or path.startswith("/api/"))

    def _headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Security-Policy", content_security_policy(self.storage_origin)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("X-Frame-Options", "DENY"),
            ("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()"),
        ]

    def serve(self, path: str) -> HttpResponse:
        headers = self._headers()
        if path == "/config.json":
            body = json.dumps(dict(self.config())).encode()
            return HttpResponse(
                200, [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *headers], body
            )
        name = path.lstrip("/") or "index.html"
        target = (self.dist_dir / name).resolve()
        inside = target.is_relative_to(self.dist_dir.resolve())
        if inside and target.is_file():
            content_type = (
                _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            )
            return HttpResponse(200, [("Content-Type", content_type), *headers], target.read_bytes())
        if "." in Path(name).name and name != "index.html":  # a missing asset is a 404, not the app's page
            return HttpResponse.json(404, {"message": f"no such file: {path}"}, headers)
        index = self.dist_dir / "index.html"
        if not index.is_file():
            return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8"), *headers], _NOT_BUILT.encode())
        return HttpResponse(
            200,
            [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache"), *headers],
            index.read_bytes(),
        )
