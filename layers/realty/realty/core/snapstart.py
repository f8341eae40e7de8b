"""SnapStart: what a restored copy of a function must not share with the others, renewed in one way.

With SnapStart (the `SnapStart` parameter of template.yaml), Lambda runs a function's init once per
published version, snapshots the process and starts every execution environment from a copy of that
snapshot. Whatever init left in memory is then the same in every copy: `random`'s state, cached
clients with their connections and credentials, cached secrets and the clocks their expiries were
read from. Each module that caches such a thing registers, beside the cache, a hook that renews it:

    @snapstart.after_restore
    def _renew() -> None: ...

Lambda's python3.13 runtime ships `snapshot_restore_py` and runs its after-restore hooks, in the
order they were registered, before the first invocation of a restored copy (and its before-snapshot
hooks, in reverse order, just before the snapshot). Outside Lambda (tests, the local stack, the
bench) the hooks go to a registry of the same shape here, and `run_after_restore()` calls them the
way the runtime does. Without SnapStart no hook ever runs.

Ids need no hook: `realty.core.ids` and the cursor nonces draw from `secrets` (the kernel's
generator, which a restore does not repeat); `random` (botocore's retry jitter) is reseeded below.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from typing import Any, TypeVar

Hook = TypeVar("Hook", bound=Callable[[], Any])
Registered = list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]


def _runtime_hooks() -> Any:
    """Lambda's `snapshot_restore_py`, or None where it is not installed."""
    try:
        return importlib.import_module("snapshot_restore_py")
    except ImportError:
        return None


_RUNTIME = _runtime_hooks()
_before_snapshot: Registered = []
_after_restore: Registered = []


def before_snapshot(hook: Hook) -> Hook:
    """Run `hook` just before Lambda takes the snapshot (work worth doing once rather than per restore)."""
    if _RUNTIME is not None:
        _RUNTIME.register_before_snapshot(hook)
    else:
        _before_snapshot.append((hook, (), {}))
    return hook


def after_restore(hook: Hook) -> Hook:
    """Run `hook` in every copy restored from the snapshot, before its first invocation."""
    if _RUNTIME is not None:
        _RUNTIME.register_after_restore(hook)
    else:
        _after_restore.append((hook, (), {}))
    return hook


def import_before_snapshot(*modules: str) -> None:
    """Import `modules` before the snapshot: the ones a handler imports in the routes that use them,
    to keep its on-demand cold start short, which every restored copy would otherwise import again
    on first use (a snapshot holds whatever init imported, so under SnapStart they cost nothing)."""

    def _import_route_modules() -> None:
        for name in modules:
            importlib.import_module(name)

    _import_route_modules.__qualname__ = f"import_before_snapshot({', '.join(modules)})"
    before_snapshot(_import_route_modules)


def before_snapshot_hooks() -> Registered:
    return list(_RUNTIME.get_before_snapshot()) if _RUNTIME is not None else list(_before_snapshot)


def after_restore_hooks() -> Registered:
    return list(_RUNTIME.get_after_restore()) if _RUNTIME is not None else list(_after_restore)


def run_before_snapshot() -> None:
    """What the runtime does before the snapshot: the hooks, last registered first."""
    for hook, args, kwargs in reversed(before_snapshot_hooks()):
        hook(*args, **kwargs)


def run_after_restore() -> None:
    """What the runtime does after a restore: the hooks, in the order they were registered."""
    for hook, args, kwargs in after_restore_hooks():
        hook(*args, **kwargs)


@after_restore
def _reseed_random() -> None:
    """Every copy would otherwise draw the same `random` numbers (botocore's retry jitter among them),
    so copies throttled together would retry together."""
    random.seed()
