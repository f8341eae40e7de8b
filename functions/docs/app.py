"""GET /api/v1/docs and /api/v1/openapi.json: Swagger UI and the OpenAPI document, public and cached.

Its own small function so no other function's cold start pays for it. The document is the committed
`docs/openapi.json`, packaged beside this file by `make openapi` (the template test checks the copy is
identical).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from realty import apidocs
from realty.core.api import Path as PathParam
from realty.core.api import Response, create_app, make_handler
from realty.core.errors import NotFound

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")

app = create_app()


@app.get(
    "/api/v1/docs",
    summary="Swagger UI",
    tags=["docs"],
    responses={200: {"description": "Swagger UI", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def get_docs_page() -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=apidocs.page(document_url="openapi.json"),
        headers={"Cache-Control": apidocs.PAGE_CACHE_CONTROL},
    )


@app.get(
    "/api/v1/docs/<asset>",
    summary="Swagger UI's script or stylesheet",
    tags=["docs"],
    responses={200: {"description": "The file", "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def get_docs_asset(asset: Annotated[str, PathParam(max_length=64)]) -> Response[str]:
    found = apidocs.asset(asset)
    if found is None:
        raise NotFound(f"no such docs file: {asset}", field="asset")
    return Response(
        status_code=200,
        content_type=found.content_type,
        # Text, not bytes: the REST API declares no binary media types, so bytes would reach the
        # browser base64-encoded.
        body=found.body.decode("utf-8"),
        headers={"Cache-Control": apidocs.ASSET_CACHE_CONTROL},
    )


@app.get(
    "/api/v1/openapi.json",
    summary="The OpenAPI document",
    tags=["docs"],
    responses={200: {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def get_openapi_document() -> Response[dict[str, Any]]:
    return Response(
        status_code=200,
        content_type="application/json",
        body=apidocs.document(DOCUMENT_PATH, server_url=apidocs.STAGE_RELATIVE_SERVER, server_description="this stage"),
        headers={"Cache-Control": apidocs.PAGE_CACHE_CONTROL},
    )


lambda_handler: Any = make_handler(app)
