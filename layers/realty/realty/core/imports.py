"""Importing a package's submodules without running the package's own `__init__`.

Some packages import everything they ship from their `__init__`, so importing one submodule pays
for all of them: Powertools' `aws_lambda_powertools.event_handler` loads the AppSync (and asyncio),
Bedrock agent, VPC Lattice, Lambda function URL and HTTP resolvers (about 20 ms of every API
function's cold start, a tenth of the stack every function carries) although this API only uses the
REST one (`realty.core.api`).

`defer_package_init(name)` registers the package as a package module whose `__init__` is read, not
run. Such an `__init__` is a list of `from module import name` lines (a re-export list); each of
its names is imported from its own module when something asks for it (Powertools' own modules ask
for `event_handler.Response`), so the package's names are the very objects its `__init__` would
bind, and nothing is stubbed. An `__init__` that does anything else (code, a star import) is run as
usual instead: the cut is lost, never the behaviour. It must run before anything imports the package
(`realty.core.api` does it first thing, and the API functions import the resolver's names from
there); once the package is imported it does nothing. `tests/unit/test_imports.py` checks that
Powertools' `__init__` is still such a list and that no API function loads the unused resolvers, so
an upgrade that changes either fails there.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
from types import ModuleType

_lock = threading.RLock()


def reexports(source: str, package: str) -> tuple[dict[str, tuple[str, str]], list[str]] | None:
    """The names an `__init__` binds, as {name: (module, name there)}, and its `__all__`; None unless
    it only re-exports.

    Allowed besides `from module import name [as alias]` lines: the docstring and `__all__ = [...]`.
    """
    names: dict[str, tuple[str, str]] = {}
    public: list[str] | None = None
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the docstring
        if isinstance(statement, ast.Assign) and [getattr(t, "id", None) for t in statement.targets] == ["__all__"]:
            public = list(ast.literal_eval(statement.value))
            continue
        if not isinstance(statement, ast.ImportFrom) or any(alias.name == "*" for alias in statement.names):
            return None
        module = statement.module or ""
        if statement.level:
            base = package.rsplit(".", statement.level - 1)[0]
            module = f"{base}.{module}" if module else base
        for alias in statement.names:
            names[alias.asname or alias.name] = (module, alias.name)
    return names, public if public is not None else [n for n in names if not n.startswith("_")]


def defer_package_init(name: str) -> ModuleType:
    """Import package `name` without running its `__init__` when that only re-exports (see above)."""
    with _lock:
        if name in sys.modules:
            return sys.modules[name]
        parent = name.rpartition(".")[0]
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            raise ImportError(f"{name} is not a package", name=name)
        source = spec.loader.get_source(name) if hasattr(spec.loader, "get_source") else None
        found = reexports(source, name) if source else None
        if found is None:  # not a plain re-export list: import it as usual
            return importlib.import_module(name)
        names, all_names = found
        module = importlib.util.module_from_spec(spec)

        def __getattr__(attribute: str) -> object:  # PEP 562: the module-level hook
            if attribute == "__all__":
                return all_names
            if attribute in names:
                source_module, original = names[attribute]
                value = getattr(importlib.import_module(source_module), original)
            elif not attribute.startswith("__") and importlib.util.find_spec(f"{name}.{attribute}"):
                value = importlib.import_module(f"{name}.{attribute}")
            else:
                raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
            setattr(module, attribute, value)
            return value

        module.__dict__["__getattr__"] = __getattr__
        sys.modules[name] = module
        if parent:
            setattr(sys.modules[parent], name.rpartition(".")[2], module)
        return module
