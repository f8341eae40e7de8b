"""Plain request/response values shared by the gateway and the docs site.

Kept apart from the HTTP server so the gateway's rules can be unit-tested without sockets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query as sent, e.g. "/api/v1/x?a=1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    declared_length: int | None = None  # Content-Length as sent, even when the body was not kept

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        """The last value of a header, matched without regard to case (as API Gateway does)."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, document: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        body = json.dumps(document).encode("utf-8")
        return cls(status, [("Content-Type", "application/json"), *(headers or [])], body)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
        return cls(status, [("Content-Type", content_type)], text.encode("utf-8"))

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == wanted:
                return value
        return None
