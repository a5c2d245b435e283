"""Read template.yaml with every CloudFormation short tag turned into its long form.

PyYAML's SafeLoader rejects `!Ref` and friends; CloudFormation itself reads them as the
`{"Ref": ...}` / `{"Fn::...": ...}` long forms, so the local stack does the same and every
later step (provisioning, the gateway) only ever sees the long forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE_FILE = "template.yaml"

_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
)


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that knows the CloudFormation short tags (safe: builds plain dicts only)."""


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node.tag}", node.start_mark)


def _long_form(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _node_value(loader, node)}

    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    """`!GetAtt A.B.C` means resource A, attribute "B.C"; the list form passes through."""
    value = _node_value(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


TemplateLoader.add_constructor("!Ref", _long_form("Ref"))
TemplateLoader.add_constructor("!Condition", _long_form("Condition"))
TemplateLoader.add_constructor("!GetAtt", _get_att)
for _name in _FN_TAGS:
    TemplateLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def find_template(name: Path = Path(TEMPLATE_FILE), start: Path | None = None) -> Path:
    """`name` in `start` (default: the working directory) or the nearest parent that has it."""
    if name.is_absolute():
        return name
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {name} in {here} or any parent directory")


def load_template(path: Path = Path(TEMPLATE_FILE)) -> dict[str, Any]:
    """Parse a SAM/CloudFormation template; a relative path is looked up from the cwd upwards."""
    path = find_template(path)
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a CloudFormation template (top level is not a mapping)")
    return document
