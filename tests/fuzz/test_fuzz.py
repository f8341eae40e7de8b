"""The bounded fuzz run of `make test`: Schemathesis against a fresh local stack, as every role.

Every operation in docs/openapi.json under the role that may call it (the public ones with the
realtor): the coverage phase (boundary values, wrong types, missing and unknown fields, odd
strings, an unexpected method) plus a few random cases, seed 2026. No 5xx, every status and body
as documented, every body the envelope. `make fuzz` runs the long version (tests/fuzz/run.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.fuzz import run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz"), pytest.mark.timeout(600)]


def _tail(path: Path, lines: int = 150) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def test_bounded_fuzz_of_every_role_finds_nothing(tmp_path):
    settings = dataclasses.replace(run.BOUNDED, report_dir=tmp_path)

    runs = run.fuzz(settings)

    assert [r.role for r in runs] == list(run.ROLES)
    failed = [r for r in runs if r.exit_code != 0]
    report = "\n\n".join(f"--- {r.role} (exit {r.exit_code}), {r.output}:\n{_tail(r.output)}" for r in failed)
    assert not failed, report
    for r in runs:
        print(f"{r.role}: {r.summary} ({r.seconds:.0f} s)")
