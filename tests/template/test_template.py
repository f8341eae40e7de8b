"""The template, the handlers and the OpenAPI document agree with each other."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import openapi
from tools.functions import ROOT, load_function
from tools.template import api_routes, resources, template

FUNCTIONS = resources("AWS::Serverless::Function")
API_FUNCTION_DIRS = sorted({r.function_dir for r in api_routes()})
HEAVY_SDKS = {"openai": "processing", "stripe": "billing", "PIL": "images"}


def test_cfn_lint_passes():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "template.yaml"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_handler_imports(logical_id):
    props = FUNCTIONS[logical_id]["Properties"]
    module_name, _, attribute = props["Handler"].rpartition(".")
    assert module_name == "app", "handlers live in functions/<dir>/app.py"
    module = load_function(Path(props["CodeUri"]).name)
    assert callable(getattr(module, attribute))


@pytest.mark.parametrize("directory", API_FUNCTION_DIRS)
def test_template_routes_and_served_routes_match(directory):
    declared = {(r.method, r.path) for r in api_routes() if r.function_dir == directory}
    app = load_function(directory).app
    document = json.loads(app.get_openapi_json_schema())
    served = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert served == declared


def test_no_route_is_declared_twice():
    keys = [(r.method, r.path) for r in api_routes()]
    assert len(keys) == len(set(keys))


def test_openapi_document_has_not_drifted():
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert committed == openapi.render(), "docs/openapi.json is out of date: run `make openapi`"


def test_the_docs_function_packages_the_committed_document():
    packaged = (ROOT / "functions" / "docs" / "openapi.json").read_text()
    assert packaged == (ROOT / "docs" / "openapi.json").read_text(), "run `make openapi` to refresh the copy"


@pytest.mark.parametrize("directory", sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py")))
def test_functions_import_only_the_heavy_sdks_they_use(directory):
    probe = (
        "import sys, tools.functions as f; f.load_function(sys.argv[1]); "
        "print(','.join(m for m in ('openai', 'stripe', 'PIL') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, directory],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{ROOT / 'layers' / 'realty'}:{ROOT}", "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""},
        check=True,
    )
    loaded = {m for m in result.stdout.strip().split(",") if m}
    allowed = {sdk for sdk, owner in HEAVY_SDKS.items() if owner in directory}
    assert loaded <= allowed, f"functions/{directory} imports {loaded - allowed} at cold start"


def test_audit_items_can_never_be_changed_or_deleted():
    for logical_id, function in FUNCTIONS.items():
        for policy in function["Properties"].get("Policies") or []:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resource = json.dumps(statement.get("Resource"))
                if "AuditTable" in resource:
                    assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:*"} & set(actions), logical_id


def test_every_function_runs_on_arm64_python313_with_a_log_group():
    function_globals = template()["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    log_groups = {json.dumps(r["Properties"]["LogGroupName"]) for r in resources("AWS::Logs::LogGroup").values()}
    for logical_id in FUNCTIONS:
        assert any(logical_id in name for name in log_groups), f"{logical_id} has no log group with retention"


def test_chime_resources_are_regional():
    """Meetings and media pipelines of the Chime SDK endpoints are regional ARNs; a region-less one
    (the legacy global namespace) matches nothing, and join/end would be denied in production."""
    text = json.dumps(template()["Resources"])
    assert "chime::${AWS::AccountId}:meeting" not in text
    assert "chime::${AWS::AccountId}:media-pipeline" not in text


CHANGE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize(
    "logical_id", sorted({r.function for r in api_routes() if r.method in CHANGE_METHODS and not r.public})
)
def test_functions_with_changes_may_check_the_actor(logical_id):
    """Every change of a signed-in request carries a ConditionCheck of the caller's identity item, and
    a change outside DynamoDB first reads it (realty.core.actor): without these, a deployed write is
    AccessDenied although every offline test passes."""
    allowed: set[str] = set()
    for policy in FUNCTIONS[logical_id]["Properties"].get("Policies") or []:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            if json.dumps(statement.get("Resource")) == json.dumps({"Fn::GetAtt": ["MainTable", "Arn"]}):
                actions = statement["Action"]
                allowed |= set(actions if isinstance(actions, list) else [actions])
    assert {"dynamodb:ConditionCheckItem", "dynamodb:GetItem"} <= allowed
