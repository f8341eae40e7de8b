"""GET /api/v1/health: public; version and whether the dependencies answer."""

from __future__ import annotations

from typing import Any

from realty.core.api import Response, create_app, make_handler, respond
from realty.core.envelope import Envelope, Resource
from realty.health import HealthAttributes, check_health

app = create_app()


@app.get("/api/v1/health", summary="Service health", tags=["health"])
def get_health() -> Response[Envelope[Resource[HealthAttributes]]]:
    return respond(app, check_health())


lambda_handler: Any = make_handler(app)
