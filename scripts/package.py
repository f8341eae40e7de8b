"""`make package`: every function and the shared layer built for python3.13 on arm64, without Docker.

What `sam build` does for this template, done with pip's cross-platform install so the sizes are the
real ones Lambda will see:

- the layer: `layers/realty/requirements.txt` installed into `python/` (where Lambda puts a layer on
  `sys.path`) plus the `realty` package;
- each function code directory the template names (`CodeUri`): its `requirements.txt` plus its own code.

Wheels are for `manylinux2014_aarch64`, CPython 3.13, binary only: the same platform tag
`sam build` asks pip for without a container (aws-lambda-builders accepts nothing newer than
manylinux2014, so a dependency that ships only `manylinux_2_28` wheels would break `sam build`: it
fails here first). Every ELF file packaged (ffmpeg, the `.so` of pydantic-core, cryptography,
pocketsphinx...) is checked to be an AArch64 binary.

Checks, each failing the run: a function plus its layers over Lambda's 250 MB unzipped limit; an API
function's own package (code + dependencies, layer excluded) over `--api-limit-mb`; a function
dependency resolved to a different version than the layer holds (the function's copy would shadow
the layer's at run time, so the shared code would run on a version nobody tested); a binary that is
not AArch64. Output under `build/package/` (gitignored): one directory and one zip per package, and
`sizes.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/package.py` from anywhere
    sys.path.insert(0, str(ROOT))

from tools.template import api_routes, invoked_function, resources  # noqa: E402 - after the path fix above

LAMBDA_UNZIPPED_LIMIT = 262_144_000  # 250 MB, "deployment package (.zip) unzipped, including layers"
DEFAULT_API_LIMIT_MB = 5.0
# API functions whose SDK alone is over the default budget: the Stripe SDK is 13 MB unzipped (3 MB zipped)
# and only these two load it, lazily, on the routes that talk to Stripe; the OpenAI SDK with what it
# pins (pydantic's core again, as the function's requirements carry it) is about 26 MB, and only asking
# the tour loads it, lazily, when a question is answered with a configured key.
API_LIMIT_OVERRIDES_MB = {"billing": 20.0, "stripe_webhook": 20.0, "questions": 30.0}
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.13"
EM_AARCH64 = 183
_SKIP_NAMES = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # reproducible zips
_MB = 1_048_576  # MiB, the unit of the limit above


@dataclass
class Package:
    name: str  # "layer" or the function code directory under functions/
    kind: str  # layer | api | event
    functions: list[str]  # template logical ids built from it
    requirements: list[str]
    unzipped_bytes: int = 0
    zipped_bytes: int = 0
    files: int = 0
    distributions: dict[str, str] = field(default_factory=dict)  # name -> version
    duplicate_bytes: int = 0  # dependencies the layer holds too (same version: dead weight, harmless)
    largest: list[tuple[str, int]] = field(default_factory=list)  # top-level entries by size

    @property
    def unzipped_mb(self) -> float:
        return self.unzipped_bytes / _MB

    @property
    def zipped_mb(self) -> float:
        return self.zipped_bytes / _MB


def requirement_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def pip_install(requirements: Path, target: Path, extra_platforms: tuple[str, ...] = ()) -> None:
    platforms = [arg for tag in (PLATFORM, *extra_platforms) for arg in ("--platform", tag)]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",  # .pyc for the build machine's Python would be dead weight on 3.13
        *platforms,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed pip call
    if result.returncode != 0:
        raise SystemExit(
            f"pip could not install {requirements.relative_to(ROOT)} for {PLATFORM} / cp{PYTHON_VERSION} "
            "(`sam build` without a container accepts nothing newer than manylinux2014 either):\n"
            f"{result.stderr.strip()}"
        )


def copy_code(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part in _SKIP_NAMES for part in relative.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        if path.name == "requirements.txt" and path.parent == source:
            continue
        destination = target / relative
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def installed_distributions(site: Path) -> dict[str, str]:
    found = {}
    for info in site.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found[_normalise(name)] = version
    return found


def distribution_bytes(site: Path, name: str) -> int:
    """Bytes of the files one installed distribution's RECORD lists."""
    for info in site.glob("*.dist-info"):
        if _normalise(info.name.removesuffix(".dist-info").partition("-")[0]) != name:
            continue
        total = 0
        for line in (info / "RECORD").read_text().splitlines():
            path = site / line.split(",", 1)[0]
            if path.is_file():
                total += path.stat().st_size
        return total
    return 0


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def elf_machine(path: Path) -> int | None:
    """The ELF header's e_machine, or None when the file is not ELF."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def foreign_binaries(directory: Path) -> list[str]:
    wrong = []
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            machine = elf_machine(path)
            if machine is not None and machine != EM_AARCH64:
                wrong.append(f"{path.relative_to(directory)} (e_machine {machine})")
    return wrong


def write_zip(directory: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in sorted(directory.rglob("*")):
            if path.is_dir():
                continue
            info = zipfile.ZipInfo(str(path.relative_to(directory)), date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Keep the mode: ffmpeg must stay executable, Lambda's /var/task is read-only.
            info.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
            with path.open("rb") as handle:
                bundle.writestr(info, handle.read(), compresslevel=9)


def measure(package: Package, directory: Path, archive: Path) -> None:
    sizes: dict[str, int] = {}
    total = count = 0
    for path in directory.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            count += 1
            top = path.relative_to(directory).parts
            # Inside a layer everything is under python/: group by the entry below it.
            key = top[1] if top[0] == "python" and len(top) > 1 else top[0]
            sizes[key] = sizes.get(key, 0) + size
    package.unzipped_bytes = total
    package.files = count
    package.zipped_bytes = archive.stat().st_size
    package.largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]


def _authorizer_functions() -> set[str]:
    found = set()
    for api in resources("AWS::Serverless::Api").values():
        for authorizer in ((api["Properties"].get("Auth") or {}).get("Authorizers") or {}).values():
            function = invoked_function(authorizer.get("FunctionArn"))
            if function:
                found.add(function)
    return found


def function_packages() -> list[Package]:
    """One package per distinct CodeUri, with the functions built from it and whether it serves the API."""
    api_functions = {route.function for route in api_routes()} | _authorizer_functions()
    by_dir: dict[str, Package] = {}
    for logical_id, function in sorted(resources("AWS::Serverless::Function").items()):
        directory = Path(str(function["Properties"]["CodeUri"])).name
        package = by_dir.get(directory)
        if package is None:
            requirements = requirement_lines(ROOT / "functions" / directory / "requirements.txt")
            package = by_dir[directory] = Package(directory, "event", [], requirements)
        package.functions.append(logical_id)
        if logical_id in api_functions:
            package.kind = "api"
    return sorted(by_dir.values(), key=lambda p: p.name)


def build_layer(out: Path, extra_platforms: tuple[str, ...]) -> Package:
    layer = Package("layer", "layer", ["RealtyLayer"], requirement_lines(ROOT / "layers/realty/requirements.txt"))
    directory = out / "layer"
    site = directory / "python"
    site.mkdir(parents=True)
    pip_install(ROOT / "layers/realty/requirements.txt", site, extra_platforms)
    copy_code(ROOT / "layers/realty/realty", site / "realty")
    layer.distributions = installed_distributions(site)
    write_zip(directory, out / "layer.zip")
    measure(layer, directory, out / "layer.zip")
    return layer


def build_function(package: Package, out: Path, extra_platforms: tuple[str, ...], layer: Package) -> None:
    directory = out / "functions" / package.name
    directory.mkdir(parents=True)
    if package.requirements:
        pip_install(ROOT / "functions" / package.name / "requirements.txt", directory, extra_platforms)
    copy_code(ROOT / "functions" / package.name, directory)
    package.distributions = installed_distributions(directory)
    package.duplicate_bytes = sum(
        distribution_bytes(directory, name) for name in package.distributions if name in layer.distributions
    )
    archive = out / "functions" / f"{package.name}.zip"
    write_zip(directory, archive)
    measure(package, directory, archive)


def check(layer: Package, functions: list[Package], out: Path, api_limit_mb: float) -> list[str]:
    problems = []
    for name in ["layer", *(f"functions/{p.name}" for p in functions)]:
        problems += [f"{name}: not an arm64 binary: {b}" for b in foreign_binaries(out / name)]
    for package in functions:
        total = package.unzipped_bytes + layer.unzipped_bytes
        if total > LAMBDA_UNZIPPED_LIMIT:
            problems.append(
                f"functions/{package.name}: {total / _MB:.1f} MB unzipped with the layer, "
                f"over Lambda's {LAMBDA_UNZIPPED_LIMIT / _MB:.0f} MB"
            )
        budget = API_LIMIT_OVERRIDES_MB.get(package.name, api_limit_mb)
        if package.kind == "api" and package.unzipped_mb > budget:
            problems.append(
                f"functions/{package.name}: an API function of {package.unzipped_mb:.1f} MB "
                f"(code + dependencies), over its {budget:g} MB budget"
            )
        for dist, version in sorted(package.distributions.items()):
            in_layer = layer.distributions.get(dist)
            if in_layer is not None and in_layer != version:
                problems.append(
                    f"functions/{package.name}: {dist} {version} would shadow the layer's {in_layer}; "
                    "pin it to the layer's version in the function's requirements.txt"
                )
    return problems


def _size(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size >= _MB else f"{size / 1024:.0f} KB"


def report(layer: Package, functions: list[Package], api_limit_mb: float) -> str:
    header = (
        f"{'package':<18} {'kind':<6} {'unzipped':>9} {'zipped':>9} {'+ layer':>9} {'dup':>7}  largest (unzipped MB)"
    )
    lines = [header, "-" * len(header)]
    for package in [layer, *functions]:
        with_layer = "" if package is layer else _size(package.unzipped_bytes + layer.unzipped_bytes)
        duplicate = _size(package.duplicate_bytes) if package.duplicate_bytes else ""
        largest = ", ".join(f"{name} {size / _MB:.1f}" for name, size in package.largest[:3] if size >= _MB / 10)
        lines.append(
            f"{package.name:<18} {package.kind:<6} {_size(package.unzipped_bytes):>9} {_size(package.zipped_bytes):>9} "
            f"{with_layer:>9} {duplicate:>7}  {largest}"
        )
    overrides = ", ".join(f"{name} {mb:g}" for name, mb in sorted(API_LIMIT_OVERRIDES_MB.items()))
    lines.append(
        f"limits: function + layer <= {LAMBDA_UNZIPPED_LIMIT / _MB:.0f} MB unzipped; "
        f"API function code + dependencies <= {api_limit_mb:g} MB ({overrides}). "
        "dup: dependencies the layer also holds (same version)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--api-limit-mb", type=float, default=DEFAULT_API_LIMIT_MB)
    parser.add_argument(
        "--extra-platform",
        action="append",
        default=[],
        help="also accept this wheel tag (e.g. manylinux_2_28_aarch64: the python3.13 runtime has glibc 2.34, "
        "but `sam build` without a container would refuse such wheels)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / "functions").mkdir(parents=True)
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")

    extra = tuple(args.extra_platform)
    layer = build_layer(out, extra)
    functions = function_packages()
    for package in functions:
        build_function(package, out, extra, layer)

    print(report(layer, functions, args.api_limit_mb))
    problems = check(layer, functions, out, args.api_limit_mb)
    summary = {
        "platform": PLATFORM,
        "python": PYTHON_VERSION,
        "limit_bytes": LAMBDA_UNZIPPED_LIMIT,
        "api_limit_mb": args.api_limit_mb,
        "packages": [
            asdict(p) | {"unzipped_with_layer_bytes": p.unzipped_bytes + (0 if p is layer else layer.unzipped_bytes)}
            for p in [layer, *functions]
        ],
        "problems": problems,
    }
    (out / "sizes.json").write_text(json.dumps(summary, indent=2) + "\n")
    if problems:
        print("\nFAILED:\n" + "\n".join(f"- {p}" for p in problems), file=sys.stderr)
        return 1
    print(f"\nOK: {len(functions)} function packages and the layer in {out.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
