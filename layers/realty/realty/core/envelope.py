"""The response envelope of DESIGN §3: models (they document the contract) and builders."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from realty.core import clock
from realty.core.config import get_settings

AttributesT = TypeVar("AttributesT", bound=BaseModel)
DataT = TypeVar("DataT")


class Meta(BaseModel):
    timestamp: str
    version: str
    request_id: str | None = None


class Pagination(BaseModel):
    limit: int
    next_cursor: str | None


class ListMeta(Meta):
    pagination: Pagination


class Relationship(BaseModel):
    id: str
    type: str


class Resource(BaseModel, Generic[AttributesT]):
    id: str
    type: str
    attributes: AttributesT
    relationships: dict[str, Relationship | list[Relationship] | None] = Field(default_factory=dict)


class Envelope(BaseModel, Generic[DataT]):
    success: Literal[True] = True
    data: DataT
    meta: Meta


class ListEnvelope(BaseModel, Generic[DataT]):
    success: Literal[True] = True
    data: list[DataT]
    meta: ListMeta


class ErrorItem(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    errors: list[ErrorItem]
    meta: Meta


def meta(request_id: str | None) -> dict[str, Any]:
    return {"timestamp": clock.now_iso(), "version": get_settings().api_version, "request_id": request_id}


def error_body(errors: list[ErrorItem], request_id: str | None) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [e.model_dump(exclude_none=True) for e in errors],
        "meta": meta(request_id),
    }
