"""Loading a function's handler module the way Lambda would, without name clashes.

Every function's module is called `app`, so each is imported under a unique name
(`functions_<dir>_app`) from its own file. The shared layer must already be importable
(pytest's `pythonpath`, the Makefile's PYTHONPATH, or the local stack's launcher).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = ROOT / "functions"


def function_dirs() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS_DIR.glob("*/app.py"))


def load_function(directory: str) -> ModuleType:
    name = f"functions_{directory}_app"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTIONS_DIR / directory / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler module in functions/{directory}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
