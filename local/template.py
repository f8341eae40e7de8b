"""Read the SAM template and resolve CloudFormation intrinsics, for the local stack only.

`template.yaml` is the single source of truth: the local stack builds tables, buckets, the user
pool, routes and function environments from it rather than from a second hand-written copy, so
the two cannot drift. Two pieces live here:

- `load_template` parses YAML with the CloudFormation short tags (`!Ref`, `!GetAtt`, `!Sub`, ...)
  turned into their long form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`), and merges
  `Globals.Function` into every `AWS::Serverless::Function` the way SAM does.
- `Resolver` evaluates intrinsics against parameters, pseudo parameters and the physical ids of
  the resources created so far. A reference to a resource that does not exist yet raises
  `Unresolved`, which the provisioner uses to wait until the target is created.

Not emulated: `Fn::Cidr`, `Fn::Transform`, nested stacks, `Fn::ImportValue` beyond an explicit
`imports` mapping, and rule evaluation (`Rules`). Parameter `AllowedValues` are not enforced.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
DEFAULT_STACK_NAME = "realtyforyou-local"

FUNCTION_TYPE = "AWS::Serverless::Function"

# Short tag -> long form name. `!Ref` and `!Condition` are not `Fn::` functions.
_SHORT_TAGS: dict[str, str] = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "ToJsonString": "Fn::ToJsonString",
    "Length": "Fn::Length",
}

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class TemplateError(Exception):
    """The template uses something the local stack cannot evaluate."""


class Unresolved(Exception):
    """A reference names a resource that has not been created (yet)."""

    def __init__(self, logical_id: str) -> None:
        super().__init__(f"{logical_id} is not provisioned yet")
        self.logical_id = logical_id


class _NoValue:
    """`AWS::NoValue`: the property (or list item) it stands for is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


# ---------------------------------------------------------------- YAML loading


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader with the CloudFormation tags, and without YAML timestamps.

    CloudFormation treats an unquoted `2010-09-09` as a string; PyYAML would turn it into a date.
    """


_CfnLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_tag(long_name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                logical_id, _, attribute = str(value).partition(".")
                value = [logical_id, attribute]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:  # pragma: no cover - PyYAML has no other node kinds
            raise TemplateError(f"unexpected node for !{long_name}")
        return {long_name: value}

    return construct


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _construct_tag(_long))


def parse_yaml(text: str) -> dict[str, Any]:
    """Parse template text (YAML or JSON) into long-form dicts."""
    document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise TemplateError("a template is a mapping at its top level")
    return document


# ---------------------------------------------------------------- SAM globals


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge (the resource wins), lists concatenate, scalars are replaced."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


@dataclass
class Template:
    """A parsed template, with the Globals already merged into functions."""

    body: dict[str, Any]
    path: Path | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.body.get("Parameters") or {})

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Resources") or {})

    @property
    def conditions(self) -> dict[str, Any]:
        return dict(self.body.get("Conditions") or {})

    @property
    def mappings(self) -> dict[str, Any]:
        return dict(self.body.get("Mappings") or {})

    @property
    def globals(self) -> dict[str, Any]:
        return dict(self.body.get("Globals") or {})

    def resources_of_type(self, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def function_properties(self, logical_id: str) -> dict[str, Any]:
        """A function's Properties with `Globals.Function` merged in, as SAM would deploy them."""
        resource = self.resources[logical_id]
        return dict(merge_globals(self.globals.get("Function") or {}, resource.get("Properties") or {}))


def load_template(path: str | Path) -> Template:
    template_path = Path(path)
    return Template(body=parse_yaml(template_path.read_text(encoding="utf-8")), path=template_path)


# ---------------------------------------------------------------- intrinsic resolution

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Resolver:
    """Evaluates intrinsic functions against what is known about the stack so far.

    `refs` holds the value of `Ref` for each created resource, `attributes` its `Fn::GetAtt`
    values. Parameters take their template default unless `parameter_overrides` names them.
    """

    template: Template
    stack_name: str = DEFAULT_STACK_NAME
    region: str = REGION
    account_id: str = ACCOUNT_ID
    parameter_overrides: Mapping[str, Any] = field(default_factory=dict)
    imports: Mapping[str, Any] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _condition_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    # -- what is known

    @property
    def pseudo_parameters(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{PARTITION}:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/local"
            ),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }

    def parameter_value(self, name: str) -> Any:
        if name in self.parameter_overrides:
            return self._typed_parameter(name, self.parameter_overrides[name])
        declaration = self.template.parameters.get(name)
        if declaration is None:
            raise TemplateError(f"unknown parameter {name}")
        if "Default" not in declaration:
            raise TemplateError(f"parameter {name} has no default; pass it as an override")
        return self._typed_parameter(name, declaration["Default"])

    def _typed_parameter(self, name: str, value: Any) -> Any:
        kind = str((self.template.parameters.get(name) or {}).get("Type", "String"))
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            return value if isinstance(value, list) else [item.strip() for item in str(value).split(",")]
        if kind == "Number":
            # CloudFormation coerces numbers per property; boto3 wants real numbers, so keep them so.
            number = float(value)
            return int(number) if number.is_integer() else number
        return value if isinstance(value, str) else str(value)

    def record(self, logical_id: str, ref: Any, attributes: Mapping[str, Any] | None = None) -> None:
        """Remember a created resource so references to it resolve."""
        self.refs[logical_id] = ref
        # Keep dict subclasses as they are: a placeholder may answer any attribute name.
        self.attributes[logical_id] = attributes if isinstance(attributes, dict) else dict(attributes or {})

    def is_known(self, logical_id: str) -> bool:
        return logical_id in self.refs

    # -- evaluation

    def resolve(self, value: Any) -> Any:
        """Evaluate every intrinsic inside `value`; `AWS::NoValue` entries are dropped."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key.startswith("Fn::"):
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _ref(self, name: Any) -> Any:
        name = str(self.resolve(name))
        pseudo = self.pseudo_parameters
        if name in pseudo:
            return pseudo[name]
        if name in self.template.parameters or name in self.parameter_overrides:
            return self.parameter_value(name)
        if name in self.refs:
            return self.refs[name]
        if name in self.template.resources:
            raise Unresolved(name)
        function, _, alias = name.rpartition(".")
        if alias == "Alias" and function in self.template.resources:
            # SAM's `Function.Alias` (the AutoPublishAlias): the local stack runs one version, the function.
            return self.get_att(function, "Arn")
        raise TemplateError(f"Ref to unknown name {name}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.attributes:
            if logical_id in self.template.resources:
                raise Unresolved(logical_id)
            raise TemplateError(f"GetAtt of unknown resource {logical_id}")
        known = self.attributes[logical_id]
        if attribute not in known:
            raise TemplateError(f"{logical_id} has no attribute {attribute} in the local stack")
        return known[attribute]

    def _function(self, name: str, argument: Any) -> Any:
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise TemplateError(f"{name} is not supported by the local stack")
        return handler(self, argument)

    # -- conditions

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            definitions = self.template.conditions
            if name not in definitions:
                raise TemplateError(f"unknown condition {name}")
            self._condition_cache[name] = bool(self._evaluate_condition(definitions[name]))
        return self._condition_cache[name]

    def _evaluate_condition(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(str(value["Condition"]))
        return self.resolve(value)

    def resource_enabled(self, resource: Mapping[str, Any]) -> bool:
        """False when the resource carries a `Condition` that evaluates to false."""
        condition = resource.get("Condition")
        return True if condition is None else self.condition(str(condition))

    # -- Fn::Sub

    def substitute(self, text: str, variables: Mapping[str, Any] | None = None) -> str:
        variables = variables or {}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and expression.split(".", 1)[0] in self.template.resources:
                logical_id, attribute = expression.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return _scalar_text(self._ref(expression))

        return _SUB_VARIABLE.sub(replace, text)


def _scalar_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _fn_get_att(resolver: Resolver, argument: Any) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    logical_id, attribute = (str(part) for part in resolver.resolve(argument))
    return resolver.get_att(logical_id, attribute)


def _fn_sub(resolver: Resolver, argument: Any) -> str:
    if isinstance(argument, str):
        return resolver.substitute(argument)
    if isinstance(argument, list) and len(argument) == 2:
        text, variables = argument
        resolved_vars = resolver.resolve(variables) or {}
        return resolver.substitute(str(resolver.resolve(text)), resolved_vars)
    raise TemplateError("Fn::Sub takes a string or [string, {variables}]")


def _fn_join(resolver: Resolver, argument: Any) -> str:
    delimiter, items = resolver.resolve(argument)
    return str(delimiter).join(_scalar_text(item) for item in items)


def _fn_select(resolver: Resolver, argument: Any) -> Any:
    index, items = resolver.resolve(argument)
    return items[int(index)]


def _fn_split(resolver: Resolver, argument: Any) -> list[str]:
    delimiter, text = resolver.resolve(argument)
    return str(text).split(str(delimiter))


def _fn_find_in_map(resolver: Resolver, argument: Any) -> Any:
    resolved = resolver.resolve(argument)
    map_name, top_key, second_key = (str(part) for part in resolved[:3])
    try:
        return resolver.template.mappings[map_name][top_key][second_key]
    except KeyError:
        if len(resolved) > 3 and isinstance(resolved[3], dict) and "DefaultValue" in resolved[3]:
            return resolved[3]["DefaultValue"]
        raise TemplateError(f"Fn::FindInMap: no {map_name}.{top_key}.{second_key}") from None


def _fn_if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    chosen = when_true if resolver.condition(str(name)) else when_false
    return resolver.resolve(chosen)


def _fn_equals(resolver: Resolver, argument: Any) -> bool:
    left, right = resolver.resolve(argument)
    return _scalar_text(left) == _scalar_text(right)


def _fn_not(resolver: Resolver, argument: Any) -> bool:
    (inner,) = argument
    return not resolver._evaluate_condition(inner)


def _fn_and(resolver: Resolver, argument: Any) -> bool:
    return all(resolver._evaluate_condition(item) for item in argument)


def _fn_or(resolver: Resolver, argument: Any) -> bool:
    return any(resolver._evaluate_condition(item) for item in argument)


def _fn_get_azs(resolver: Resolver, argument: Any) -> list[str]:
    region = str(resolver.resolve(argument) or resolver.region)
    return [f"{region}{zone}" for zone in "abc"]


def _fn_import_value(resolver: Resolver, argument: Any) -> Any:
    name = str(resolver.resolve(argument))
    if name not in resolver.imports:
        raise TemplateError(f"Fn::ImportValue {name}: no such export in the local stack")
    return resolver.imports[name]


def _fn_base64(resolver: Resolver, argument: Any) -> str:
    return base64.b64encode(str(resolver.resolve(argument)).encode("utf-8")).decode("ascii")


def _fn_to_json_string(resolver: Resolver, argument: Any) -> str:
    return json.dumps(resolver.resolve(argument), separators=(",", ":"))


def _fn_length(resolver: Resolver, argument: Any) -> int:
    return len(resolver.resolve(argument))


_FUNCTIONS: dict[str, Any] = {
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::If": _fn_if,
    "Fn::Equals": _fn_equals,
    "Fn::Not": _fn_not,
    "Fn::And": _fn_and,
    "Fn::Or": _fn_or,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::ImportValue": _fn_import_value,
    "Fn::Base64": _fn_base64,
    "Fn::ToJsonString": _fn_to_json_string,
    "Fn::Length": _fn_length,
}


# ---------------------------------------------------------------- dependencies


def referenced_resources(value: Any, resource_ids: set[str] | frozenset[str]) -> set[str]:
    """Logical ids of resources that `value` references through Ref, GetAtt or Sub."""
    found: set[str] = set()
    _collect_references(value, resource_ids, found)
    return found


def _collect_references(value: Any, resource_ids: set[str] | frozenset[str], found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect_references(item, resource_ids, found)
        return
    if not isinstance(value, dict):
        return
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str) and argument in resource_ids:
            found.add(argument)
        elif key == "Fn::GetAtt":
            target = argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
            if isinstance(target, str) and target in resource_ids:
                found.add(target)
        elif key == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            local_vars = set(argument[1]) if isinstance(argument, list) and len(argument) > 1 else set()
            if isinstance(text, str):
                for expression in _SUB_VARIABLE.findall(text):
                    name = expression.split(".", 1)[0]
                    if name not in local_vars and name in resource_ids:
                        found.add(name)
            if isinstance(argument, list):
                _collect_references(argument[1:], resource_ids, found)
            continue
        _collect_references(argument, resource_ids, found)
