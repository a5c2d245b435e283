"""The template loader and CloudFormation's intrinsics, as the local stack evaluates them (no network)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from shop_local.provisioning.intrinsics import ProvisionError
from shop_local.provisioning.provision import creation_order, resolve_parameters
from shop_local.provisioning.stack import Stack
from shop_local.provisioning.template import load_template

SHORT_TAGS = """
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Equals [a, a]]]
Resources:
  Thing:
    Properties:
      Ref: !Ref Table
      AttDot: !GetAtt Table.StreamArn
      AttNested: !GetAtt Api.Outputs.Url
      AttList: !GetAtt [Table, Arn]
      Sub: !Sub "${AWS::StackName}-${Table}-${Table.Arn}-${!Literal}"
      SubList: !Sub ["${Name}/${AWS::Region}", {Name: !Ref Table}]
      Join: !Join [":", [a, !Ref Table]]
      Select: !Select [1, !Split [",", "x,y,z"]]
      If: !If [IsProd, big, small]
      Map: !FindInMap [Sizes, !Ref Stage, memory]
      B64: !Base64 hello
      Azs: !GetAZs ""
      Import: !ImportValue other-stack-output
"""


@pytest.fixture
def template(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "template.yaml").write_text(SHORT_TAGS)
    return load_template(tmp_path / "template.yaml")


def _stack(template: dict[str, Any], stage: str = "prod") -> Stack:
    stack = Stack(
        {**template, "Mappings": {"Sizes": {"prod": {"memory": 1024}}}}, "http://x", base_dir=Path("/")
    )
    stack.parameters = {"Stage": stage}
    stack.physical_ids = {"Table": "shop-local-Table"}
    stack.attributes = {"Table": {"Arn": "arn:t", "StreamArn": "arn:t/stream/1"}}
    return stack


def test_short_tags_become_long_forms(template: dict[str, Any]) -> None:
    props = template["Resources"]["Thing"]["Properties"]
    assert props["Ref"] == {"Ref": "Table"}
    assert props["AttDot"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert props["AttNested"] == {"Fn::GetAtt": ["Api", "Outputs.Url"]}
    assert props["AttList"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert props["SubList"] == {"Fn::Sub": ["${Name}/${AWS::Region}", {"Name": {"Ref": "Table"}}]}
    assert props["Select"] == {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}
    assert props["Import"] == {"Fn::ImportValue": "other-stack-output"}
    assert template["Conditions"]["NotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}


def test_relative_template_is_found_from_the_repo_root() -> None:
    template = load_template()
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["Resources"]["DataKeyAlias"]["Properties"]["TargetKeyId"] == {"Ref": "DataKey"}


def test_intrinsics_resolve_against_physical_values(template: dict[str, Any]) -> None:
    resolved = _stack(template).resolve(
        template["Resources"]["Thing"]["Properties"] | {"Import": None, "AttNested": None}
    )
    assert resolved["Ref"] == "shop-local-Table"
    assert resolved["AttDot"] == "arn:t/stream/1"
    assert resolved["Sub"] == "shop-local-shop-local-Table-arn:t-${Literal}"
    assert resolved["SubList"] == "shop-local-Table/us-east-1"
    assert resolved["Join"] == "a:shop-local-Table"
    assert resolved["Select"] == "y"
    assert resolved["If"] == "big"
    assert resolved["Map"] == 1024
    assert base64.b64decode(resolved["B64"]) == b"hello"
    assert resolved["Azs"][0] == "us-east-1a"


def test_conditions_follow_parameters(template: dict[str, Any]) -> None:
    assert _stack(template, "prod").condition("IsProd") is True
    assert _stack(template, "dev").condition("NotProd") is True
    assert _stack(template, "dev").resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert _stack(template, "prod").condition("Both") is True


def test_no_value_removes_the_property(template: dict[str, Any]) -> None:
    value = {"Keep": 1, "Drop": {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, 2]}}
    assert _stack(template).resolve(value) == {"Keep": 1}


def test_unknown_references_fail_with_the_name(template: dict[str, Any]) -> None:
    with pytest.raises(ProvisionError, match="Missing"):
        _stack(template).resolve({"Ref": "Missing"})
    with pytest.raises(ProvisionError, match=r"Table\.Nope"):
        _stack(template).resolve({"Fn::GetAtt": ["Table", "Nope"]})
    with pytest.raises(ProvisionError, match="ImportValue"):
        _stack(template).resolve({"Fn::ImportValue": "x"})


def test_parameters_take_defaults_and_checked_overrides() -> None:
    declared = {
        "Ttl": {"Type": "Number", "Default": 900, "MinValue": 60, "MaxValue": 3600},
        "Stage": {"Type": "String", "Default": "prod", "AllowedPattern": "^[a-z0-9]+$"},
    }
    assert resolve_parameters(declared, {}) == {"Ttl": "900", "Stage": "prod"}
    assert resolve_parameters(declared, {"Ttl": "120"})["Ttl"] == "120"
    with pytest.raises(ProvisionError, match="MinValue"):
        resolve_parameters(declared, {"Ttl": "59"})
    with pytest.raises(ProvisionError, match="MaxValue"):
        resolve_parameters(declared, {"Ttl": "3601"})
    with pytest.raises(ProvisionError, match="must be a number"):
        resolve_parameters(declared, {"Ttl": "soon"})
    with pytest.raises(ProvisionError, match="does not match"):
        resolve_parameters(declared, {"Stage": "Prod!"})
    with pytest.raises(ProvisionError, match="unknown parameters: Nope"):
        resolve_parameters(declared, {"Nope": "1"})


def test_resources_are_created_after_what_they_refer_to() -> None:
    order = creation_order(load_template())
    assert order.index("DataKey") < order.index("DataKeyAlias")
    assert order.index("SigningKeySecret") < order.index("SigningKeySetup")
    chain: dict[str, Any] = {
        "Resources": {"C": {"Properties": {"X": {"Fn::Sub": "${B.Arn}"}}}, "B": {"DependsOn": "A"}, "A": {}}
    }
    assert creation_order(chain) == ["A", "B", "C"]
    chain["Resources"]["A"]["DependsOn"] = ["C"]
    with pytest.raises(ProvisionError, match="circular"):
        creation_order(chain)
