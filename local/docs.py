"""Swagger UI at `/docs` for the local stack, built by `realty.apidocs` like every deployed stage's.

The page, the assets (the copies aws-lambda-powertools ships, so no CDN) and the document are the
ones the docs function serves at `/api/v1/docs` and `/api/v1/openapi.json` (which the local stack
serves too, through its template route); only the document's `servers` differ: here it names the
local stack's own URL, so "Try it out" calls the local API rather than a deployed stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from local.http import HttpResponse

# `realty` is imported inside the methods: the local stack puts the layer on sys.path after this
# module is imported (`LocalStack` prepares the process).


@dataclass
class DocsSite:
    openapi_path: Path
    prefix: str = "/docs"

    def handles(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def serve(self, path: str, base_url: str) -> HttpResponse:
        from realty import apidocs

        name = path[len(self.prefix) :].strip("/")
        if name in ("", "index.html"):
            # Relative to `/docs`, "docs/..." names this site's own files.
            page = apidocs.page(document_url="docs/openapi.json", title="RealtyForYou API (local)")
            return HttpResponse.text(200, page, "text/html; charset=utf-8")
        if name == "openapi.json":
            return self._openapi(base_url)
        found = apidocs.asset(name)
        if found is not None:
            return HttpResponse(200, [("Content-Type", found.content_type)], found.body)
        return HttpResponse.json(404, {"message": f"no such file under {self.prefix}: {name}"})

    def _openapi(self, base_url: str) -> HttpResponse:
        from realty import apidocs

        try:
            document = apidocs.document(self.openapi_path, server_url=base_url, server_description="local stack")
        except apidocs.DocumentMissing as error:
            return HttpResponse.json(404, {"message": str(error)})
        return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(document).encode("utf-8"))
