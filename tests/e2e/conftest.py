"""The local stack (`python -m local`) as a subprocess, driven over HTTP like the mobile app."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"RealtyForYou local stack ready on (http://127\.0\.0\.1:\d+)")
MOTO = re.compile(r"^\s*moto\s+(http://127\.0\.0\.1:\d+)", re.MULTILINE)
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15
# Only what a shell would pass on; the test process's own AWS settings must not leak into the stack.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SYSTEMROOT")


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


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        found = READY.search(text)
        if found:
            return found.group(1)
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{text[-4000:]}")
        time.sleep(0.2)
    pytest.fail(f"the local stack was not ready within {START_TIMEOUT_SECONDS} s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    work = tmp_path_factory.mktemp("local-stack")
    log = work / "stack.log"
    outbox = work / "outbox"
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(
        REALTY_API_PORT="0",  # 0: the stack picks free ports and prints the API's in its ready line
        REALTY_MOTO_PORT="0",
        REALTY_OUTBOX_DIR=str(outbox),
        PYTHONUNBUFFERED="1",
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"], cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base_url = _wait_until_ready(process, log)
        moto = MOTO.search(log.read_text())
        assert moto is not None, "the banner names the moto endpoint"
        yield LocalStackProcess(base_url=base_url, moto_url=moto.group(1), outbox=outbox, log=log)
    finally:
        code = _stop(process)
    assert code == 0, f"the local stack exited with {code} on SIGINT:\n{log.read_text()[-4000:]}"
