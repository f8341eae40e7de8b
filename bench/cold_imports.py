"""Cold import time of every function, median of fresh interpreters, against the instrumented reference.

Every subject is imported the way Lambda imports a handler (its `app.py` loaded from its file, the
layer on the path) in a fresh interpreter; the clock starts just before that import. Each round
imports every subject once, in a shuffled order, each right after an import of the reference: the
figure against the reference is the median of those pairs' ratios, which a burst of load on a shared
machine hits on both sides. Bytecode is compiled first, as it is for the third-party packages, so
every side is measured from `.pyc` files.

The environment is the template's global one plus Lambda's own markers (`LAMBDA_TASK_ROOT`,
`AWS_LAMBDA_FUNCTION_NAME`), so Powertools and the X-Ray SDK behave as they do in Lambda: tracing
stays enabled, and the X-Ray SDK picks its Lambda sampler where it is loaded (outside Lambda it
builds an X-Ray client at import, ~250 ms that a deployed function never pays).

The subjects, all in the same run:
- the instrumented reference (`bench/instrumented_handler.py`): the stack every function must carry
  (validation, one model, Logger, Metrics, Tracer, a client) after the cold-start cut; the target
  is every API function and the authorizer within `TARGET_RATIO` of it;
- the same reference before the cut (`bench/instrumented_before_handler.py`); the target is the new
  one at least `REFERENCE_CUT` faster (its paired ratio to the old one at most 1 - that);
- the baseline (`bench/baseline_handler.py`: the resolver and boto3) and the validating reference
  (the baseline plus validation and one model), to read the figures against, shown as x baseline
  (the ratio of their paired ratios).
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

# Every API function and the authorizer within this of the instrumented reference (after the cut).
TARGET_RATIO = 1.1
# The instrumented reference after the cut at least this much faster than before it.
REFERENCE_CUT = 0.15
# The heavy SDKs and the only functions allowed to import them (docs/architecture.md#performance-rules).
HEAVY_SDKS = {"openai": ("processing",), "stripe": ("billing", "stripe_webhook"), "PIL": ("images",)}

BASELINE_LABEL = "baseline (resolver + boto3)"
VALIDATING_LABEL = "baseline + enable_validation + 1 pydantic model"
BEFORE_LABEL = "reference before the cut: that + Logger, Metrics, Tracer"
INSTRUMENTED_LABEL = "reference: validation, 1 model, Logger, Metrics, Tracer, a client, after the cut"
BASELINE = "baseline"
VALIDATING = "validating"
INSTRUMENTED_BEFORE = "instrumented_before"
INSTRUMENTED = "instrumented"
_REFERENCES = {
    BASELINE: ROOT / "bench" / "baseline_handler.py",
    VALIDATING: ROOT / "bench" / "validating_handler.py",
    INSTRUMENTED_BEFORE: ROOT / "bench" / "instrumented_before_handler.py",
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
    """`rounds` imports of each subject, each right after an import of the instrumented reference.

    Rounds are shuffled, and every subject's import is paired with a reference import just before
    it: on a shared machine load comes and goes within seconds, and a pair sees the same load, so
    the median of the pairs' ratios is far steadier than a ratio of two medians.
    """
    compile_bytecode()
    for subject in subjects:  # one discarded run each: the OS file cache, not our code, is what it warms
        _import_once(subject)
    samples = {s: Sample([], [], set(), [], []) for s in subjects}
    order = [s for s in subjects if s != INSTRUMENTED]
    shuffle = random.Random(seed)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for subject in order:
            base_seconds, base_cpu, base_modules = _import_once(INSTRUMENTED)
            seconds, cpu_seconds, modules = _import_once(subject)
            for name, wall, cpu, found in (
                (INSTRUMENTED, base_seconds, base_cpu, base_modules),
                (subject, seconds, cpu_seconds, modules),
            ):
                samples[name].seconds.append(wall)
                samples[name].cpu_seconds.append(cpu)
                samples[name].modules |= found
            samples[subject].paired_ratios.append(seconds / base_seconds)
            samples[subject].paired_cpu_ratios.append(cpu_seconds / base_cpu)
    samples[INSTRUMENTED].paired_ratios = samples[INSTRUMENTED].paired_cpu_ratios = [1.0]
    return samples


def run(rounds: int = 8, functions: list[str] | None = None) -> dict[str, Any]:
    directories = functions or function_dirs()
    samples = measure([INSTRUMENTED, BASELINE, VALIDATING, INSTRUMENTED_BEFORE, *directories], rounds)
    targets = target_functions()
    # x baseline: a subject's ratio to the reference over the baseline's (both paired with it).
    baseline_ratio = statistics.median(samples[BASELINE].paired_ratios)
    baseline_cpu_ratio = statistics.median(samples[BASELINE].paired_cpu_ratios)

    def row(subject: str, label: str | None = None) -> dict[str, Any]:
        sample = samples[subject]
        median = statistics.median(sample.seconds)
        heavy = sorted(sample.modules - {"pydantic"})
        allowed = {sdk for sdk, owners in HEAVY_SDKS.items() if subject in owners}
        ratio = statistics.median(sample.paired_ratios)
        cpu_ratio = statistics.median(sample.paired_cpu_ratios)
        has_target = subject in targets
        if subject == INSTRUMENTED_BEFORE:
            target, met = f"reference <= {1 - REFERENCE_CUT:.2f}x this", 1 / ratio <= 1 - REFERENCE_CUT
        elif subject in _REFERENCES:
            target, met = "reference", None
        elif has_target:
            target, met = f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO
        else:
            target, met = "none (no user waits)", None
        return {
            "function": label or subject,
            "median_ms": round(median * 1000, 1),
            "min_ms": round(min(sample.seconds) * 1000, 1),
            # The median of this subject's imports over the reference's, each imported right before.
            "ratio_to_reference": round(ratio, 2),
            # CPU time of the import: steadier than wall time when the machine is busy.
            "cpu_median_ms": round(statistics.median(sample.cpu_seconds) * 1000, 1),
            "cpu_ratio_to_reference": round(cpu_ratio, 2),
            "ratio_to_baseline": round(ratio / baseline_ratio, 2),
            "cpu_ratio_to_baseline": round(cpu_ratio / baseline_cpu_ratio, 2),
            "heavy_sdks_at_import": heavy,
            "heavy_sdks_allowed": sorted(allowed),
            "target": target,
            "ratio_met": met,
            "heavy_sdks_met": set(heavy) <= allowed,
        }

    before = row(INSTRUMENTED_BEFORE, BEFORE_LABEL)
    return {
        "rounds": rounds,
        "target_ratio": TARGET_RATIO,
        "reference_cut": REFERENCE_CUT,
        "reference": row(INSTRUMENTED, INSTRUMENTED_LABEL),
        # The reference's import time over the old one's (median of the pairs): at most 1 - REFERENCE_CUT.
        "reference_over_before": round(1 / before["ratio_to_reference"], 2),
        "references": [row(BASELINE, BASELINE_LABEL), row(VALIDATING, VALIDATING_LABEL), before],
        "functions": [row(d) for d in directories],
    }
