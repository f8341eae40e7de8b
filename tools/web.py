"""The web app's toolchain, for `make dev`, `make test` and CI: npm packages, the build, Chromium.

    python -m tools.web build     # `npm ci` when package-lock.json changed, then the esbuild bundle in web/dist
    python -m tools.web chromium  # Debian's chromium via apt-get when it is missing (the browser tests)

npm packages come only from `web/package-lock.json` (`npm ci`, install scripts off); the browser is
the operating system's package, never a download by Playwright. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "dist"
_MARKER = WEB / "node_modules" / ".installed-lock.json"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
NPM_TIMEOUT_SECONDS = 600


class WebToolError(RuntimeError):
    """A step could not run (no node/npm, the registry refused...); the message says which and why."""


def _npm() -> str:
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise WebToolError("node and npm are needed for the web app (Node.js 20 or newer)")
    return npm


def install() -> None:
    """`npm ci` from the lock, once per change of the lock (the marker holds the lock it installed)."""
    lock = (WEB / "package-lock.json").read_text()
    if _MARKER.exists() and _MARKER.read_text() == lock:
        return
    result = subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [_npm(), "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise WebToolError(f"npm ci failed in web/: {result.stderr.strip()[-800:]}")
    _MARKER.write_text(lock)


def _newest_source() -> float:
    sources = [*WEB.glob("src/**/*"), *WEB.glob("public/*"), WEB / "build.mjs", WEB / "package-lock.json"]
    return max(path.stat().st_mtime for path in sources if path.is_file())


def build(*, force: bool = False) -> Path:
    """web/dist, rebuilt when a source is newer than the bundle; returns the directory."""
    install()
    bundle = DIST / "assets" / "app.js"
    if force or not bundle.exists() or bundle.stat().st_mtime < _newest_source():
        node = shutil.which("node") or "node"
        # Type-check first (esbuild only strips types), then bundle.
        for step, command in (
            ("type check", [node, "node_modules/typescript/bin/tsc", "--noEmit"]),
            ("bundle", [node, "build.mjs"]),
        ):
            result = subprocess.run(  # noqa: S603 - node from PATH, committed scripts
                command, cwd=WEB, capture_output=True, text=True, timeout=300, check=False
            )
            if result.returncode != 0:
                raise WebToolError(f"the web {step} failed: {(result.stdout + result.stderr).strip()[-2000:]}")
    return DIST


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def ensure_chromium() -> str:
    """The path of the system's Chromium, installed with apt-get (as root or through sudo) when missing."""
    found = find_chromium()
    if found:
        return found
    apt = shutil.which("apt-get")
    if not apt:
        raise WebToolError("chromium is not installed and there is no apt-get to install it")
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if not sudo:
            raise WebToolError("chromium is not installed; installing it needs root or sudo")
        prefix = [sudo, "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        result = subprocess.run(  # noqa: S603 - apt-get from PATH, fixed package
            [*prefix, *command], capture_output=True, text=True, env=env, timeout=900, check=False
        )
        if result.returncode != 0:
            raise WebToolError(f"{' '.join(command[:2])} failed: {result.stderr.strip()[-800:]}")
    found = find_chromium()
    if not found:
        raise WebToolError("apt-get installed chromium but no chromium executable is on PATH")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.web", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("step", choices=["build", "chromium"])
    parser.add_argument("--force", action="store_true", help="rebuild even if the bundle looks current")
    args = parser.parse_args(argv)
    try:
        if args.step == "build":
            print(f"web app ready in {build(force=args.force).relative_to(ROOT)}")
        else:
            print(f"chromium: {ensure_chromium()}")
    except WebToolError as error:
        print(f"tools.web {args.step}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
