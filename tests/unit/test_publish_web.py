"""scripts/publish_web.py uploads the bundle only: config.json belongs to the stack (its WebConfig)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.publish_web import bundle_files


def _dist(tmp_path: Path, *names: str) -> Path:
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    return tmp_path


def test_the_bundle_is_every_built_file_under_its_key(tmp_path: Path) -> None:
    dist = _dist(tmp_path, "index.html", "assets/app.js", "styles.css")

    assert [key for _, key in bundle_files(dist)] == ["assets/app.js", "index.html", "styles.css"]


def test_a_bundle_carrying_a_config_is_refused_rather_than_replace_the_stacks(tmp_path: Path) -> None:
    dist = _dist(tmp_path, "index.html", "config.json")

    with pytest.raises(SystemExit, match=r"config\.json, which the stack writes"):
        bundle_files(dist)
