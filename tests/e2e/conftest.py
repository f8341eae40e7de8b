"""The local stack (`python -m local`) as a subprocess, driven over HTTP like the mobile app."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local.launcher import REPO_ROOT, launched_stack

__all__ = ["REPO_ROOT", "LocalStackProcess", "Reply", "local_stack"]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class LocalStackProcess:
    base_url: str
    moto_url: str
    outbox: Path
    log: Path

    def aws(self, service: str) -> Any:
        """A boto3 client for the stack's embedded moto, as the AWS CLI would use it."""
        import boto3

        session: Any = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        return session.client(service, endpoint_url=self.moto_url)

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One HTTP call; 4xx/5xx are returned, not raised."""
        return http_request(self.base_url, method, path, body, token=token, headers=headers)


def http_request(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """The e2e client's one HTTP call, also `make smoke`'s against a deployed stage; 4xx/5xx are returned."""
    url = path if path.startswith("http") else f"{base_url}{path}"
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers.items()), error.read())


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    with launched_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        assert stack.moto_url, "the banner names the moto endpoint"
        yield LocalStackProcess(base_url=stack.base_url, moto_url=stack.moto_url, outbox=stack.outbox, log=stack.log)
    assert stack.returncode == 0, f"the local stack exited with {stack.returncode} on SIGINT:\n{stack.log_tail()}"
