"""Swagger UI at `/docs`, from local files only (no CDN), for the committed `docs/openapi.json`.

The JavaScript and CSS are the copies aws-lambda-powertools ships inside its package, so the page
works offline. The document's `servers` are replaced by the local stack's own URL, so "Try it out"
calls the local API rather than a deployed stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from local.http import HttpResponse

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>RealtyForYou API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true
    });
  </script>
</body>
</html>
"""


def swagger_assets_dir() -> Path:
    import aws_lambda_powertools.event_handler.openapi.swagger_ui as swagger_ui

    return Path(swagger_ui.__file__).parent


@dataclass
class DocsSite:
    openapi_path: Path
    assets_dir: Path = field(default_factory=swagger_assets_dir)
    prefix: str = "/docs"

    def handles(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def serve(self, path: str, base_url: str) -> HttpResponse:
        name = path[len(self.prefix) :].strip("/")
        if name in ("", "index.html"):
            return HttpResponse.text(200, _PAGE, "text/html; charset=utf-8")
        if name == "openapi.json":
            return self._openapi(base_url)
        assets = {
            "swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
            "swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "application/javascript; charset=utf-8"),
        }
        if name in assets:
            filename, content_type = assets[name]
            asset = self.assets_dir / filename
            if asset.is_file():
                return HttpResponse(200, [("Content-Type", content_type)], asset.read_bytes())
        return HttpResponse.json(404, {"message": f"no such file under {self.prefix}: {name}"})

    def _openapi(self, base_url: str) -> HttpResponse:
        if not self.openapi_path.is_file():
            return HttpResponse.json(
                404, {"message": "docs/openapi.json has not been generated yet; run the OpenAPI export"}
            )
        try:
            document = json.loads(self.openapi_path.read_text(encoding="utf-8"))
        except ValueError:
            return HttpResponse.json(500, {"message": "docs/openapi.json is not valid JSON"})
        if isinstance(document, dict):
            document["servers"] = [{"url": base_url, "description": "local stack"}]
        return HttpResponse.json(200, document)
