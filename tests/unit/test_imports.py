"""Powertools' REST resolver without the resolvers its package `__init__` imports (realty.core.imports)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from realty.core.imports import defer_package_init, reexports
from tools.functions import ROOT, function_dirs

EVENT_HANDLER = "aws_lambda_powertools.event_handler"
# What `event_handler/__init__` would import and no function of ours uses.
UNUSED_RESOLVERS = (
    "appsync",
    "bedrock_agent",
    "bedrock_agent_function",
    "events_appsync",
    "graphql_appsync",
    "http_resolver",
    "lambda_function_url",
    "vpc_lattice",
)


def test_the_installed_powertools_event_handler_init_only_reexports():
    """The lock pins Powertools; an upgrade whose `__init__` does more than re-export (or moved the
    REST resolver) must be looked at, not silently imported in full again."""
    import importlib.util

    spec = importlib.util.find_spec(EVENT_HANDLER)
    assert spec is not None and spec.origin is not None
    found = reexports(Path(spec.origin).read_text(), EVENT_HANDLER)
    assert found is not None, f"{EVENT_HANDLER}/__init__.py now runs code: realty.core.imports no longer defers it"
    names, public = found
    assert names["APIGatewayRestResolver"] == (f"{EVENT_HANDLER}.api_gateway", "APIGatewayRestResolver")
    assert names["Response"] == (f"{EVENT_HANDLER}.api_gateway", "Response")
    assert {f"{EVENT_HANDLER}.{m}" for m in UNUSED_RESOLVERS} & {module for module, _ in names.values()}
    assert set(public) <= set(names)


# Modules the API functions import in the routes that use them (cold start), and before a SnapStart
# snapshot (realty.core.snapstart.import_before_snapshot).
ROUTE_ONLY_MODULES = [
    "realty.admin.bookings",
    "realty.admin.service",
    "realty.admin.tours",
    "realty.availability.service",
    "realty.billing.service",
    "realty.bookings.free",
    "realty.bookings.proposals",
    "realty.processing.artifacts",
    "realty.processing.service",
]


_PROBE = """
import importlib.util, json, sys
for directory in sys.argv[2:]:
    spec = importlib.util.spec_from_file_location(f"probe_{directory}_app", f"functions/{directory}/app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
loaded = sorted(m for m in sys.modules if m.startswith("aws_lambda_powertools.event_handler."))

from realty.core.models import Model

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = sorted({f"{c.__module__}.{c.__qualname__}" for c in subclasses(Model) if c.__pydantic_complete__})
route_modules = json.loads(sys.argv[1])
imported_at_init = sorted(m for m in route_modules if m in sys.modules)
from realty.core import snapstart
snapstart.run_before_snapshot()
imported_before_snapshot = sorted(m for m in route_modules if m in sys.modules)

from realty.core.api import create_app, make_handler, respond
from realty.core.models import Model
from testkit.api import FakeLambdaContext

class Item(Model):
    name: str

app = create_app()

@app.post("/items")
def add(item: Item):
    return respond(app, {"added": item.name}, status=201)

handler = make_handler(app)
answers = []
for body in ('{"name": "porch"}', '{"colour": "red"}'):
    event = {"httpMethod": "POST", "path": "/items", "resource": "/items", "body": body,
             "headers": {"Content-Type": "application/json"}, "requestContext": {"requestId": "r-1"}}
    answer = handler(event, FakeLambdaContext())
    answers.append([answer["statusCode"], json.loads(answer["body"])])

import aws_lambda_powertools.event_handler as package
from aws_lambda_powertools.event_handler import api_gateway, content_types
from aws_lambda_powertools.event_handler import AppSyncResolver, Response
same = Response is api_gateway.Response and package.APIGatewayRestResolver is api_gateway.APIGatewayRestResolver
print(json.dumps({"loaded": loaded, "built": built, "answers": answers, "imported_at_init": imported_at_init,
                  "imported_before_snapshot": imported_before_snapshot, "same": same, "all": package.__all__,
                  "content_types": content_types.APPLICATION_JSON,
                  "appsync_on_request": AppSyncResolver.__module__ in sys.modules}))
"""


def _api_functions() -> list[str]:
    return [d for d in function_dirs() if "realty.core.api" in (ROOT / "functions" / d / "app.py").read_text()]


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'realty'}{os.pathsep}{ROOT}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "RealtyForYouTest",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "ALLOWED_ORIGIN": "https://app.example.com",
        "MAIN_TABLE": "realty-test-main",
    }
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(ROUTE_ONLY_MODULES), *_api_functions()],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return found


def test_no_api_function_imports_the_resolvers_it_never_uses(probe: dict[str, Any]):
    assert len(_api_functions()) >= 9
    assert f"{EVENT_HANDLER}.api_gateway" in probe["loaded"]
    unused = {f"{EVENT_HANDLER}.{name}" for name in UNUSED_RESOLVERS}
    assert not [m for m in probe["loaded"] if m in unused or m.rpartition(".")[0] in unused]


def test_no_layer_model_is_built_at_import(probe: dict[str, Any]):
    """Validators are built on first use (realty.core.models): a model validated or instantiated at
    import builds its validator in every function that imports it. Parametrising a generic envelope
    (`Response[Envelope[Resource[X]]]` in a handler module) builds the generic origins; that is all."""
    envelope_origins = {f"realty.core.envelope.{name}" for name in ("Envelope", "ListEnvelope", "Resource")}
    assert set(probe["built"]) <= envelope_origins


def test_route_only_modules_wait_for_their_route_or_the_snapshot(probe: dict[str, Any]):
    # The probe imports every API function in one interpreter: the billing function imports its own
    # service at module level (the admin function only in its complimentary-plan route).
    assert probe["imported_at_init"] == ["realty.billing.service"]
    assert probe["imported_before_snapshot"] == ROUTE_ONLY_MODULES


def test_the_rest_resolver_validates_and_answers_as_before(probe: dict[str, Any]):
    (created_status, created), (refused_status, refused) = probe["answers"]
    assert created_status == 201
    assert created["data"] == {"added": "porch"}
    assert refused_status == 422
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("VALIDATION_ERROR", "name")]


def test_the_package_still_hands_out_every_name_it_exports(probe: dict[str, Any]):
    assert probe["same"] is True  # Powertools' own objects, not copies
    assert {"APIGatewayRestResolver", "AppSyncResolver", "Response", "VPCLatticeResolver"} <= set(probe["all"])
    assert probe["content_types"] == "application/json"
    assert probe["appsync_on_request"] is True  # asked for by name, imported then


@pytest.fixture
def packages(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(name: str, init: str, **modules: str) -> None:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text(init)
        for module, source in modules.items():
            (folder / f"{module}.py").write_text(source)
        made.append(name)

    yield make
    for name in made:
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


def test_a_reexporting_init_is_read_not_run(packages):
    packages(
        "deferred_pkg",
        '"""Doc."""\nfrom deferred_pkg.light import Light\nfrom .heavy import Heavy as Renamed\n'
        '__all__ = ["Light", "Renamed"]\n',
        light="class Light: ...\n",
        heavy="import sys\nsys.modules['deferred_pkg'].heavy_ran = True\nclass Heavy: ...\n",
    )
    package = defer_package_init("deferred_pkg")
    from deferred_pkg.light import Light

    assert "deferred_pkg.heavy" not in sys.modules
    assert package.Light is Light
    assert package.Renamed.__name__ == "Heavy"
    assert package.heavy_ran is True
    assert package.__all__ == ["Light", "Renamed"]
    with pytest.raises(AttributeError):
        _ = package.Missing
    assert defer_package_init("deferred_pkg") is package


def test_an_init_that_runs_code_is_imported_as_usual(packages):
    packages("eager_pkg", "from eager_pkg.light import Light\nSETTING = Light()\n", light="class Light: ...\n")
    package = defer_package_init("eager_pkg")
    assert package.SETTING.__class__.__name__ == "Light"
    assert "__getattr__" not in package.__dict__


def test_functions_take_powertools_resolver_names_from_core_api():
    """The probe above loads every function in one process, so a function importing Powertools'
    `event_handler` before `realty.core.api` would hide behind the others: check each one's source."""
    direct = re.compile(r"^\s*(from|import)\s+aws_lambda_powertools\.event_handler\b", re.MULTILINE)
    offenders = [d for d in _api_functions() if direct.search((ROOT / "functions" / d / "app.py").read_text())]
    assert not offenders


# Model modules an API function must not import at init: each was split from a module the function
# needs part of, because creating a pydantic class costs a fraction of a millisecond even with
# `defer_build`, and these are dozens of classes the function never returns nor validates.
KEPT_OUT = {
    "tours": ("realty.processing.steps", "realty.bookings.models"),  # pipeline steps; bookings for a time type
    "calls": ("realty.tours.schemas",),  # the tours API's requests and responses
    "properties": ("realty.availability.models",),  # a realtor's rules, blocks, free slots
    "admin": ("realty.bookings.models",),  # the admin's tour edit needs only a time type
    "bookings": ("realty.bookings.events",),  # the reminders function's schedule events
}

_INIT_PROBE = """
import importlib.util, json, sys
directory = sys.argv[1]
spec = importlib.util.spec_from_file_location(f"probe_{directory}_app", f"functions/{directory}/app.py")
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print(json.dumps(sorted(m for m in sys.modules if m.startswith("realty."))))
"""


@pytest.mark.parametrize("directory", sorted(KEPT_OUT))
def test_api_functions_do_not_import_model_modules_they_never_use(directory: str):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'realty'}{os.pathsep}{ROOT}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "MAIN_TABLE": "realty-test-main",
    }
    output = subprocess.run(
        [sys.executable, "-c", _INIT_PROBE, directory], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(output.strip().splitlines()[-1]))
    assert "realty.core.api" in loaded  # the function was imported
    assert not loaded & set(KEPT_OUT[directory])
