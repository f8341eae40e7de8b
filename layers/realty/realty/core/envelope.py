"""The response envelope (docs/architecture.md#api-contract): models (they document the contract) and builders."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from realty.core import clock
from realty.core.config import get_settings
from realty.core.models import Model

AttributesT = TypeVar("AttributesT", bound=BaseModel)
DataT = TypeVar("DataT")


class Meta(Model):
    timestamp: str
    version: str
    request_id: str | None = None


class Pagination(Model):
    limit: int
    next_cursor: str | None


class ListMeta(Meta):
    pagination: Pagination


class Relationship(Model):
    id: str
    type: str


class Resource(Model, Generic[AttributesT]):
    id: str
    type: str
    attributes: AttributesT
    relationships: dict[str, Relationship | list[Relationship] | None] = Field(default_factory=dict)


class Envelope(Model, Generic[DataT]):
    success: Literal[True] = True
    data: DataT
    meta: Meta


class ListEnvelope(Model, Generic[DataT]):
    success: Literal[True] = True
    data: list[DataT]
    meta: ListMeta


class ErrorItem(Model):
    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = Field(default=None, description="machine-readable detail of some errors")


class ErrorMeta(Model):
    timestamp: str | None = Field(
        default=None,
        description="absent on errors API Gateway answers itself (401 from the authorizer, 429, unknown route): "
        "its Gateway Response templates have no ISO-8601 time variable",
    )
    version: str
    request_id: str | None = None


class ErrorEnvelope(Model):
    success: Literal[False] = False
    errors: list[ErrorItem]
    meta: ErrorMeta


def meta(request_id: str | None) -> dict[str, Any]:
    return {"timestamp": clock.now_iso(), "version": get_settings().api_version, "request_id": request_id}


def error_body(errors: list[ErrorItem], request_id: str | None) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [e.model_dump(exclude_none=True) for e in errors],
        "meta": meta(request_id),
    }
