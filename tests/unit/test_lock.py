"""One locked set of package versions: drift between the lock, the requirement files and this environment fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import lock


def test_the_requirement_files_and_this_environment_match_the_lock():
    assert lock.problems() == []


def test_the_layer_and_every_function_agree_on_every_shared_version():
    compiled = [lock.compiled(source) for source in lock.inputs()]
    seen: dict[str, tuple[str, Path]] = {}
    for path in compiled:
        for dist, version in lock.pins(path).items():
            first = seen.setdefault(dist, (version, path))
            assert first[0] == version, f"{dist}: {path} has {version}, {first[1]} has {first[0]}"
    # The pair that drifted before the lock: openai pulled a newer pydantic into the processing functions.
    processing = lock.pins(lock.ROOT / "functions/processing/requirements.txt")
    layer = lock.pins(lock.ROOT / "layers/realty/requirements.txt")
    for dist in ("pydantic", "pydantic-core"):
        assert processing[dist] == layer[dist]
    assert layer["boto3"] == layer["botocore"], "boto3 and botocore are released together"


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A copy of the lock and the requirement files, to edit without touching the repository."""
    for source in [*lock.inputs(), *(lock.compiled(s) for s in lock.inputs()), lock.LOCK, lock.DEV]:
        target = tmp_path / source.relative_to(lock.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    monkeypatch.setattr(lock, "LOCK", tmp_path / "requirements.lock")
    monkeypatch.setattr(lock, "DEV", tmp_path / "requirements-dev.txt")
    assert lock.problems(environment=False) == []
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_input_edited_without_relocking_fails(sandbox):
    _replace(sandbox / "functions/processing/requirements.in", "openai==", "openai>=")
    assert any("run `make lock`" in p for p in lock.problems(environment=False))


def test_a_function_pin_that_differs_from_the_lock_fails(sandbox):
    target = sandbox / "functions/processing/requirements.txt"
    version = lock.pins(target)["pydantic"]
    _replace(target, f"pydantic=={version}", "pydantic==2.0.0")
    assert any("pydantic==2.0.0" in p for p in lock.problems(environment=False))


def test_requirements_outside_the_lock_fail(sandbox):
    loose = sandbox / "functions/health/requirements.txt"
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_text("requests==2.0.0\n")
    assert any("functions/health/requirements.txt" in p for p in lock.problems(environment=False))


def test_a_dev_environment_without_the_lock_fails(sandbox):
    _replace(sandbox / "requirements-dev.txt", "-c requirements.lock\n", "")
    assert any("-c requirements.lock" in p for p in lock.problems(environment=False))
