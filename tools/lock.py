"""One locked set of package versions for the layer, every function and the dev environment.

`make lock` (network, uv) resolves every runtime input together (`layers/realty/requirements.in` and
`functions/*/requirements.in`) for what Lambda runs (CPython 3.13, manylinux2014 aarch64, wheels
only) into `requirements.lock`, then compiles each input on its own against that lock into the
`requirements.txt` beside it: every transitive dependency pinned, so `sam build` (which reads only
`requirements.txt`, inside a container too, where no file outside the CodeUri is visible) installs
exactly the lock's versions, and a function can never carry a pydantic the layer does not.
`requirements-dev.txt` is constrained by the lock, so the tests run on the versions that ship.

`python -m tools.lock --check` (no network, part of `make test` through tests/unit/test_lock.py)
fails on drift: an input edited without relocking, a compiled file edited by hand, a pin that
differs from the lock, or an environment whose installed versions are not the lock's.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from tools.functions import ROOT

LOCK = ROOT / "requirements.lock"
DEV = ROOT / "requirements-dev.txt"
PYTHON_VERSION = "3.13"
PLATFORM = "aarch64-manylinux2014"  # the wheel tag `sam build` asks for without a container
_INPUTS_LINE = "# inputs-sha256: "
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def inputs() -> list[Path]:
    """Every runtime requirements input, the layer first."""
    return [ROOT / "layers/realty/requirements.in", *sorted((ROOT / "functions").glob("*/requirements.in"))]


def compiled(source: Path) -> Path:
    return source.with_suffix(".txt")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (options such as `-c` are skipped)."""
    found = {}
    for line in requirement_lines(path):
        match = _PIN.match(line)
        if match:
            found[normalise(match.group(1))] = match.group(3)
    return found


def inputs_digest() -> str:
    """A digest of what the inputs require (comments and blank lines do not count)."""
    digest = hashlib.sha256()
    for path in inputs():
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
        digest.update("\n".join(requirement_lines(path)).encode() + b"\n")
    return digest.hexdigest()


def recorded_digest() -> str | None:
    for line in LOCK.read_text().splitlines():
        if line.startswith(_INPUTS_LINE):
            return line.removeprefix(_INPUTS_LINE).strip()
    return None


def problems(*, environment: bool = True) -> list[str]:
    """Every way the requirement files (and, optionally, the installed packages) drift from the lock."""
    if not LOCK.exists():
        return ["requirements.lock is missing: run `make lock`"]
    found = []
    if recorded_digest() != inputs_digest():
        found.append("a requirements.in changed since requirements.lock was written: run `make lock`")
    locked = pins(LOCK)
    for source in inputs():
        target = compiled(source)
        name = target.relative_to(ROOT)
        if not target.exists():
            found.append(f"{name} is missing: run `make lock`")
            continue
        target_pins = pins(target)
        for dist, version in sorted(target_pins.items()):
            if locked.get(dist) != version:
                found.append(f"{name}: {dist}=={version}, the lock has {locked.get(dist)}")
        for dist, version in sorted(pins(source).items()):
            if target_pins.get(dist) != version:
                found.append(f"{name}: {dist} is {target_pins.get(dist)}, {source.name} asks for =={version}")
    for path in sorted((ROOT / "functions").glob("*/requirements.txt")):
        if not compiled(path).with_suffix(".in").exists() and requirement_lines(path):
            found.append(f"{path.relative_to(ROOT)} has requirements but no requirements.in: put them there")
    if "-c requirements.lock" not in requirement_lines(DEV):
        found.append("requirements-dev.txt does not read `-c requirements.lock`")
    for dist, version in sorted(pins(DEV).items()):
        if dist in locked and locked[dist] != version:
            found.append(f"requirements-dev.txt: {dist}=={version}, the lock has {locked[dist]}")
    if environment:
        for dist, version in sorted(locked.items()):
            try:
                installed = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue  # a wheel only the arm64 runtime needs, or a marker that excludes this Python
            if installed != version:
                found.append(f"installed {dist} {installed} is not the lock's {version}: run `make clean test`")
    return found


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        raise SystemExit("`make lock` needs uv (requirements-dev.txt installs it)")
    return uv


def _compile(uv: str, sources: list[Path], output: Path, *constraints: Path) -> None:
    command = [
        uv,
        "pip",
        "compile",
        "--quiet",
        "--python-version",
        PYTHON_VERSION,
        "--python-platform",
        PLATFORM,
        "--only-binary",
        ":all:",
        "--custom-compile-command",
        "make lock",
        *(arg for c in constraints for arg in ("--constraint", str(c.relative_to(ROOT)))),
        *(str(s.relative_to(ROOT)) for s in sources),
        "--output-file",
        str(output.relative_to(ROOT)),
    ]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - fixed uv call


def write_lock() -> None:
    uv = _uv()
    sources = inputs()
    if LOCK.exists():
        LOCK.unlink()  # resolve afresh from the inputs, not from the previous lock
    _compile(uv, sources, LOCK)
    text = LOCK.read_text()
    LOCK.write_text(f"{_INPUTS_LINE}{inputs_digest()}\n{text}")
    for source in sources:
        _compile(uv, [source], compiled(source), LOCK)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write or check the one lock of package versions")
    parser.add_argument("--check", action="store_true", help="report drift instead of relocking (no network)")
    args = parser.parse_args(argv)
    if not args.check:
        write_lock()
    found = problems()
    for problem in found:
        print(f"- {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
