"""Start the local stack as a subprocess (`python -m local`) on free ports and wait until it is ready.

The one way the end-to-end tests, the fuzzer and `make load` get a stack of their own:

    with launched_stack(work_dir) as stack:
        urllib.request.urlopen(f"{stack.base_url}/api/v1/health")
    assert stack.returncode == 0  # it stopped cleanly on SIGINT

The stack picks free ports (`REALTY_API_PORT=0`, `REALTY_MOTO_PORT=0`) and prints the API's in its
ready line, which is what "ready" means here: the stack prints it only once every piece answers
(see `local/stack.py`). Its output goes to `<work_dir>/stack.log` and its emails to
`<work_dir>/outbox`. Only what a shell would pass on is inherited (PATH, HOME, locale...): the
caller's own AWS settings must never leak into the stack.

Standard library only, so a script can use it without importing the stack itself.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The stack prints this, then its API's base URL, when everything answers (local/stack.py).
READY_MESSAGE = "RealtyForYou local stack ready on"
READY = re.compile(re.escape(READY_MESSAGE) + r" (http://127\.0\.0\.1:\d+)")
MOTO = re.compile(r"^\s*moto\s+(http://127\.0\.0\.1:\d+)", re.MULTILINE)
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SYSTEMROOT")


class StackDidNotStart(RuntimeError):
    """The stack exited, or printed no ready line in time; the message ends with its log."""


@dataclass
class LaunchedStack:
    base_url: str  # http://127.0.0.1:<port>, the emulated API Gateway
    moto_url: str  # the embedded moto server, for AWS clients of the test or script
    work_dir: Path
    returncode: int | None = None  # set once the stack has stopped

    @property
    def log(self) -> Path:
        return self.work_dir / "stack.log"

    @property
    def outbox(self) -> Path:
        return self.work_dir / "outbox"

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


def _environment(work_dir: Path, log_level: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(extra or {})
    env.update(
        REALTY_API_PORT="0",
        REALTY_MOTO_PORT="0",
        REALTY_OUTBOX_DIR=str(work_dir / "outbox"),
        PYTHONUNBUFFERED="1",
    )
    if log_level:
        env["REALTY_LOG_LEVEL"] = log_level
    return env


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path, timeout: float) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(errors="replace") if log.exists() else ""
        ready = READY.search(text)
        if ready:
            moto = MOTO.search(text)
            return ready.group(1), moto.group(1) if moto else ""
        if process.poll() is not None:
            raise StackDidNotStart(f"the local stack exited with {process.returncode}:\n{text[-4000:]}")
        if time.monotonic() > deadline:
            raise StackDidNotStart(f"the local stack was not ready within {timeout:.0f} s:\n{text[-4000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], timeout: float) -> int:
    # SIGINT is Ctrl-C: the stack shuts down cleanly and exits 0; kill it only if it hangs.
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextmanager
def launched_stack(
    work_dir: Path,
    *,
    log_level: str | None = None,
    start_timeout: float = START_TIMEOUT_SECONDS,
    stop_timeout: float = STOP_TIMEOUT_SECONDS,
    env: Mapping[str, str] | None = None,
) -> Iterator[LaunchedStack]:
    """A fresh local stack for the duration of the block; raises `StackDidNotStart` if it never gets ready.

    `env` adds settings for the stack and its handlers (e.g. `BOOKING_MIN_LEAD_MINUTES`), on top of
    what is inherited; the ports and the outbox are always the launcher's own.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    log = work_dir / "stack.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=REPO_ROOT,
            env=_environment(work_dir, log_level, env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    stack = LaunchedStack(base_url="", moto_url="", work_dir=work_dir)
    try:
        stack.base_url, stack.moto_url = _wait_until_ready(process, log, start_timeout)
        yield stack
    finally:
        stack.returncode = _stop(process, stop_timeout)
