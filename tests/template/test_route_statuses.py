"""A route's documented success status is the one its handler answers.

The decorator's `status_code` is what docs/openapi.json lists; `respond(..., status=)` is what the
client gets. Fuzzing found six POST routes answering 201/202 while documented as 200; this reads
every handler so the two cannot drift apart again.
"""

from __future__ import annotations

import ast

import pytest

from tools.functions import FUNCTIONS_DIR, function_dirs

_ROUTE_METHODS = {"get", "post", "put", "patch", "delete"}


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _route(decorator: ast.expr) -> tuple[str, int] | None:
    """(`POST /path`, documented status) for an `@app.<method>(...)` decorator."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    if decorator.func.attr not in _ROUTE_METHODS or not decorator.args:
        return None
    path = decorator.args[0]
    declared = _keyword(decorator, "status_code")
    status = ast.literal_eval(declared) if declared is not None else 200
    label = f"{decorator.func.attr.upper()} {ast.literal_eval(path) if isinstance(path, ast.Constant) else '?'}"
    return label, int(status)


def _answered_statuses(function: ast.FunctionDef) -> set[int]:
    """The literal `status=` of every `respond(...)` in the handler (200 when absent)."""
    found: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "respond":
                status = _keyword(node, "status")
                found.add(int(ast.literal_eval(status)) if status is not None else 200)
            elif node.func.id == "respond_page":
                found.add(200)
    return found


def _routes(directory: str) -> list[tuple[str, int, set[int]]]:
    tree = ast.parse((FUNCTIONS_DIR / directory / "app.py").read_text())
    routes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                route = _route(decorator)
                if route is not None:
                    routes.append((route[0], route[1], _answered_statuses(node)))
    return routes


@pytest.mark.parametrize("directory", function_dirs())
def test_documented_success_status_is_the_answered_one(directory):
    mismatched = [
        f"{label}: documented {declared}, answers {sorted(answered)}"
        for label, declared, answered in _routes(directory)
        if answered and answered != {declared}
    ]
    assert not mismatched, "set status_code= on the route decorator:\n" + "\n".join(mismatched)


def test_the_check_sees_the_handlers():
    routes = [route for directory in function_dirs() for route in _routes(directory)]
    created = {label for label, declared, _ in routes if declared == 201}
    assert len(routes) > 60
    assert "POST /api/v1/buyers/bookings" in created
