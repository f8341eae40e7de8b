"""`python -m local` (what `make dev` runs): the whole backend offline, in one process.

Settings come from the environment (or the matching flags): `REALTY_API_PORT` (3000),
`REALTY_MOTO_PORT` (5005; 0 picks a free port for either), `REALTY_OUTBOX_DIR` (<repo>/.local/outbox),
`REALTY_SEED` (1; 0 skips the demo data), `REALTY_LOG_LEVEL` (INFO).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from local.stack import LocalStack, StackSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--api-port", type=int, default=int(env("REALTY_API_PORT", "3000")))
    parser.add_argument("--moto-port", type=int, default=int(env("REALTY_MOTO_PORT", "5005")))
    parser.add_argument("--outbox", type=Path, default=Path(env("REALTY_OUTBOX_DIR", REPO_ROOT / ".local" / "outbox")))
    parser.add_argument("--no-seed", action="store_true", default=env("REALTY_SEED", "1") == "0")
    parser.add_argument("--log-level", default=env("REALTY_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)-14s %(message)s", datefmt="%H:%M:%S"))
    local_logger = logging.getLogger("local")
    local_logger.addHandler(handler)
    local_logger.setLevel(level.upper())
    local_logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _configure_logging(args.log_level)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        # A second Ctrl-C while shutting down ends the process at once.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack(
        StackSettings(
            repo_root=REPO_ROOT,
            api_port=args.api_port,
            moto_port=args.moto_port,
            outbox_dir=args.outbox,
            seed=not args.no_seed,
        )
    )
    try:
        stack.start()
        print(stack.banner(), flush=True)
        print(stack.ready_line(), flush=True)
        while not stop.wait(0.2):
            pass
        print("\nstopping the local stack...", flush=True)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
