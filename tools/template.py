"""template.yaml as data: CloudFormation short tags read, and the API routes it declares."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tools.functions import ROOT

TEMPLATE_PATH = ROOT / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short tags: `!Ref X` -> {"Ref": "X"}, `!Sub s` -> {"Fn::Sub": s}."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def template() -> dict[str, Any]:
    return dict(yaml.load(TEMPLATE_PATH.read_text(), Loader=CfnLoader))  # noqa: S506 - a SafeLoader subclass


def resources(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template()["Resources"].items() if r["Type"] == resource_type}


@dataclass(frozen=True)
class ApiRoute:
    function: str  # logical id
    function_dir: str  # functions/<dir>
    event: str
    method: str  # upper case
    path: str  # /api/v1/... with {param} segments
    public: bool


@cache
def api_routes() -> tuple[ApiRoute, ...]:
    routes = []
    for logical_id, function in resources("AWS::Serverless::Function").items():
        props = function["Properties"]
        directory = Path(str(props["CodeUri"])).name
        for event_name, event in (props.get("Events") or {}).items():
            if event["Type"] != "Api":
                continue
            auth = event["Properties"].get("Auth") or {}
            routes.append(
                ApiRoute(
                    function=logical_id,
                    function_dir=directory,
                    event=event_name,
                    method=str(event["Properties"]["Method"]).upper(),
                    path=str(event["Properties"]["Path"]),
                    public=auth.get("Authorizer") == "NONE",
                )
            )
    return tuple(routes)


def invoked_function(arn: Any) -> str | None:
    """The logical id of the function an ARN in the template names: `!GetAtt F.Arn` or SAM's `!Ref F.Alias`."""
    if not isinstance(arn, dict):
        return None
    if isinstance(arn.get("Fn::GetAtt"), list):
        return str(arn["Fn::GetAtt"][0])
    function, _, alias = str(arn.get("Ref", "")).rpartition(".")
    return function if alias == "Alias" else None
