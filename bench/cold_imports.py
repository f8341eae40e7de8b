"""Cold import time of every function, median of fresh interpreters, against the baseline handler.

Every subject is imported the way Lambda imports a handler (its `app.py` loaded from its file, the
layer on the path) in a fresh interpreter; the clock starts just before that import. Each round
imports every subject once, in a shuffled order, each right after an import of the baseline: the
figure against the baseline is the median of those pairs' ratios, which a burst of load on a shared
machine hits on both sides. Bytecode is compiled first, as it is for the
third-party packages the baseline imports, so both sides are measured from `.pyc` files.

The environment is the template's global one plus Lambda's own markers (`LAMBDA_TASK_ROOT`,
`AWS_LAMBDA_FUNCTION_NAME`), so Powertools and the X-Ray SDK behave as they do in Lambda: the Tracer
stays enabled and patches botocore, and the X-Ray SDK picks its Lambda sampler (outside Lambda it
builds an X-Ray client at import, ~250 ms that a deployed function never pays).

Two reference handlers sit beside the baseline, to read the figures against: the baseline plus the
request validation docs/architecture.md requires (`enable_validation=True`, one pydantic model), and that plus
the Powertools Logger, Metrics and Tracer every function is instrumented with. They are not
targets; they show how much of a function's figure is the required stack and how much our code.
"""

from __future__ import annotations

import compileall
import json
import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from tools.functions import ROOT, function_dirs
from tools.template import api_routes

TARGET_RATIO = 1.3
# The heavy SDKs and the only functions allowed to import them (docs/architecture.md#performance-rules).
HEAVY_SDKS = {"openai": ("processing",), "stripe": ("billing", "stripe_webhook"), "PIL": ("images",)}

VALIDATING_LABEL = "reference: baseline + enable_validation + 1 pydantic model"
INSTRUMENTED_LABEL = "reference: that + Logger, Metrics, Tracer"
BASELINE = "baseline"
VALIDATING = "validating"
INSTRUMENTED = "instrumented"
_REFERENCES = {
    BASELINE: ROOT / "bench" / "baseline_handler.py",
    VALIDATING: ROOT / "bench" / "validating_handler.py",
    INSTRUMENTED: ROOT / "bench" / "instrumented_handler.py",
}

_PROBE = """
import importlib.util, json, sys, time
name, path = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
start, cpu = time.perf_counter(), time.process_time()
spec.loader.exec_module(module)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
loaded = sorted(m for m in ("openai", "stripe", "PIL", "pydantic") if m in sys.modules)
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "modules": loaded}))
"""


@dataclass
class Sample:
    seconds: list[float]
    cpu_seconds: list[float]
    modules: set[str]
    # This subject's time over the baseline's, each imported right before it (same machine load).
    paired_ratios: list[float]
    paired_cpu_ratios: list[float]


def target_functions() -> set[str]:
    """The functions a user waits for: every API function and the authorizer."""
    return {route.function_dir for route in api_routes()} | {"authorizer"}


def _template_environment() -> dict[str, str]:
    """The literal variables of the template's Globals environment (`!Ref`s left out)."""
    from tools.template import template

    variables = template()["Globals"]["Function"].get("Environment", {}).get("Variables") or {}
    return {name: str(value) for name, value in variables.items() if isinstance(value, str | int | float)}


def _env(subject: str) -> dict[str, str]:
    return {
        **_template_environment(),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'realty'}{os.pathsep}{ROOT}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": f"bench-{subject}",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / subject) if subject not in _REFERENCES else str(ROOT / "bench"),
        "STAGE": "bench",
        "MAIN_TABLE": "realty-bench-main",
    }


def _path(subject: str) -> str:
    return str(_REFERENCES.get(subject) or ROOT / "functions" / subject / "app.py")


def _import_once(subject: str) -> tuple[float, float, set[str]]:
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, f"bench_{subject}_app", _path(subject)],
        cwd=ROOT,
        env=_env(subject),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(output.strip().splitlines()[-1])
    return float(found["seconds"]), float(found["cpu_seconds"]), set(found["modules"])


def compile_bytecode() -> None:
    for folder in ("layers/realty", "functions", "bench", "tools"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)


def measure(subjects: list[str], rounds: int, seed: int = 7) -> dict[str, Sample]:
    """`rounds` imports of each subject, each right after an import of the baseline.

    Rounds are shuffled, and every subject's import is paired with a baseline import just before
    it: on a shared machine load comes and goes within seconds, and a pair sees the same load, so
    the median of the pairs' ratios is far steadier than a ratio of two medians.
    """
    compile_bytecode()
    for subject in subjects:  # one discarded run each: the OS file cache, not our code, is what it warms
        _import_once(subject)
    samples = {s: Sample([], [], set(), [], []) for s in subjects}
    order = [s for s in subjects if s != BASELINE]
    shuffle = random.Random(seed)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for subject in order:
            base_seconds, base_cpu, _ = _import_once(BASELINE)
            seconds, cpu_seconds, modules = _import_once(subject)
            for name, wall, cpu, found in (
                (BASELINE, base_seconds, base_cpu, set()),
                (subject, seconds, cpu_seconds, modules),
            ):
                samples[name].seconds.append(wall)
                samples[name].cpu_seconds.append(cpu)
                samples[name].modules |= found
            samples[subject].paired_ratios.append(seconds / base_seconds)
            samples[subject].paired_cpu_ratios.append(cpu_seconds / base_cpu)
    samples[BASELINE].paired_ratios = samples[BASELINE].paired_cpu_ratios = [1.0]
    return samples


def run(rounds: int = 8, functions: list[str] | None = None) -> dict[str, Any]:
    directories = functions or function_dirs()
    samples = measure([BASELINE, VALIDATING, INSTRUMENTED, *directories], rounds)
    targets = target_functions()

    def row(subject: str, reference: bool = False) -> dict[str, Any]:
        sample = samples[subject]
        median = statistics.median(sample.seconds)
        heavy = sorted(sample.modules - {"pydantic"})
        allowed = {sdk for sdk, owners in HEAVY_SDKS.items() if subject in owners}
        ratio = statistics.median(sample.paired_ratios)
        has_target = subject in targets
        return {
            "function": subject,
            "median_ms": round(median * 1000, 1),
            "min_ms": round(min(sample.seconds) * 1000, 1),
            "ratio_to_baseline": round(ratio, 2),
            # CPU time of the import: steadier than wall time when the machine is busy.
            "cpu_median_ms": round(statistics.median(sample.cpu_seconds) * 1000, 1),
            "cpu_ratio_to_baseline": round(statistics.median(sample.paired_cpu_ratios), 2),
            "heavy_sdks_at_import": heavy,
            "heavy_sdks_allowed": sorted(allowed),
            "target": "reference" if reference else f"<= {TARGET_RATIO}x" if has_target else "none (no user waits)",
            "ratio_met": (ratio <= TARGET_RATIO) if has_target else None,
            "heavy_sdks_met": set(heavy) <= allowed,
        }

    return {
        "rounds": rounds,
        "baseline": row(BASELINE, reference=True) | {"function": "baseline (resolver + boto3)"},
        "references": [
            row(VALIDATING, reference=True) | {"function": VALIDATING_LABEL},
            row(INSTRUMENTED, reference=True) | {"function": INSTRUMENTED_LABEL},
        ],
        "functions": [row(d) for d in directories],
    }
