"""A deployed stack read back from CloudFormation (`make admin STACK=..`, `make audit-verify
STACK=..`): CloudFormation's answers are botocore Stubber responses, so nothing leaves the machine.
tests/integration/test_admin_deployed_stack.py creates an admin through the same path."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import shop_tools.admin
import shop_tools.deployed_stack
from shop_tools.cli import main
from shop_tools.deployed_stack import StackNotReadable, deployed_stack_environment, parse_template

NOW = datetime(2025, 1, 1, tzinfo=UTC)
STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/shop/0a1b2c3d"
# What the stack was deployed with, short tags and all; the checkout's template.yaml is not read.
DEPLOYED_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  AccessTokenTtlSeconds: {Type: Number, Default: 900}
  KeyAlias: {Type: AWS::SSM::Parameter::Value<String>, Default: /shop/key}
Globals:
  Function:
    Environment:
      Variables:
        USERS_TABLE: !Ref UsersTable
        DATA_KEY_ID: !Ref DataKey
        BLIND_INDEX_SECRET: !Ref BlindIndexSecret
        ACCESS_TOKEN_TTL_SECONDS: !Ref AccessTokenTtlSeconds
        KEY_ALIAS: !Ref KeyAlias
        TOPIC_NAME: !Sub "${AWS::StackName}-events-${AWS::AccountId}"
Resources:
  UsersTable: {Type: AWS::DynamoDB::Table}
  DataKey: {Type: AWS::KMS::Key}
  BlindIndexSecret: {Type: AWS::SecretsManager::Secret}
"""
RESOURCES = {
    "UsersTable": ("AWS::DynamoDB::Table", "shop-UsersTable-1X2Y"),
    "DataKey": ("AWS::KMS::Key", "1234abcd-12ab-34cd-56ef-1234567890ab"),
    "BlindIndexSecret": (
        "AWS::SecretsManager::Secret",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:BlindIndexSecret-abc-XyZ123",
    ),
}


def cloudformation(region: str | None = "eu-west-1") -> Any:
    return boto3.session.Session().client(
        "cloudformation",
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def summary(logical_id: str, kind: str, physical: str | None) -> dict[str, Any]:
    found = {
        "LogicalResourceId": logical_id,
        "ResourceType": kind,
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": "CREATE_COMPLETE",
    }
    return found | ({"PhysicalResourceId": physical} if physical else {})


def answer_stack(
    stubber: Stubber, status: str = "UPDATE_COMPLETE", body: str = DEPLOYED_TEMPLATE, name: str = "shop"
) -> None:
    stack = {
        "StackName": name,
        "StackId": STACK_ID,
        "CreationTime": NOW,
        "StackStatus": status,
        "Parameters": [
            {"ParameterKey": "AccessTokenTtlSeconds", "ParameterValue": "600"},
            {"ParameterKey": "KeyAlias", "ParameterValue": "/shop/key", "ResolvedValue": "alias/shop-data"},
        ],
    }
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    if status.endswith(("IN_PROGRESS", "FAILED")) or status.startswith(("ROLLBACK", "DELETE")):
        return
    stubber.add_response(
        "get_template", {"TemplateBody": body}, {"StackName": name, "TemplateStage": "Original"}
    )
    items = [summary(lid, kind, physical) for lid, (kind, physical) in RESOURCES.items()]
    first, rest = items[:2], [*items[2:], summary("Broken", "AWS::SQS::Queue", None)]
    stubber.add_response(
        "list_stack_resources", {"StackResourceSummaries": first, "NextToken": "page-2"}, {"StackName": name}
    )
    stubber.add_response(
        "list_stack_resources", {"StackResourceSummaries": rest}, {"StackName": name, "NextToken": "page-2"}
    )


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = cloudformation()
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_the_environment_comes_from_the_deployed_template_parameters_and_resources(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    answer_stack(stubber)
    assert deployed_stack_environment("shop", client) == {
        "USERS_TABLE": "shop-UsersTable-1X2Y",
        "DATA_KEY_ID": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "BLIND_INDEX_SECRET": RESOURCES["BlindIndexSecret"][1],
        "ACCESS_TOKEN_TTL_SECONDS": "600",  # the deployed value, not the template's default
        "KEY_ALIAS": "alias/shop-data",  # an SSM parameter's resolved value
        "TOPIC_NAME": "shop-events-123456789012",  # the stack's account, from its id
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def test_a_json_template_is_read_too(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    body = json.dumps(
        {
            "Globals": {"Function": {"Environment": {"Variables": {"USERS_TABLE": {"Ref": "UsersTable"}}}}},
            "Resources": {"UsersTable": {"Type": "AWS::DynamoDB::Table"}},
        }
    )
    answer_stack(stubber, body=body)
    assert deployed_stack_environment("shop", client)["USERS_TABLE"] == "shop-UsersTable-1X2Y"
    assert parse_template({"Resources": {}}) == {"Resources": {}}
    with pytest.raises(StackNotReadable, match="not a CloudFormation template"):
        parse_template("just a string")


@pytest.mark.parametrize(
    "status", ["ROLLBACK_COMPLETE", "CREATE_IN_PROGRESS", "DELETE_FAILED", "REVIEW_IN_PROGRESS"]
)
def test_a_stack_without_all_its_resources_is_refused(stubbed: tuple[Any, Stubber], status: str) -> None:
    client, stubber = stubbed
    answer_stack(stubber, status=status)
    with pytest.raises(StackNotReadable, match=f"stack 'shop' in eu-west-1 is {status}"):
        deployed_stack_environment("shop", client)


def test_a_missing_stack_or_refused_call_is_one_clear_error(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "describe_stacks", "ValidationError", "Stack with id nope does not exist", 400, {"StackName": "nope"}
    )
    with pytest.raises(StackNotReadable, match="'nope' in eu-west-1: ValidationError: Stack with id nope"):
        deployed_stack_environment("nope", client)
    stubber.add_client_error("describe_stacks", "AccessDenied", "not authorized", 403, {"StackName": "shop"})
    with pytest.raises(StackNotReadable, match="AccessDenied: not authorized"):
        deployed_stack_environment("shop", client)


def test_no_region_anywhere_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(StackNotReadable, match="REGION="):
        deployed_stack_environment("shop")


@pytest.fixture
def admin_on_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Stubber, dict[str, str]]]:
    """`python -m shop_tools admin --stack shop` with CloudFormation stubbed and the use case faked:
    what the command would put in the environment is captured instead of applied."""
    client = cloudformation()
    applied: dict[str, str] = {}
    monkeypatch.setattr(shop_tools.deployed_stack, "cloudformation_client", lambda: client)
    monkeypatch.setattr(
        "shop_local.runtime.apply_environment", lambda values, local=True: applied.update(values)
    )
    monkeypatch.setattr(shop_tools.admin, "create_admin", lambda email, password, name: "u_1")
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", "a long admin password")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with Stubber(client) as stubber:
        yield stubber, applied


def test_the_admin_command_takes_the_stack_from_cloudformation(
    admin_on_stub: tuple[Stubber, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    stubber, applied = admin_on_stub
    answer_stack(stubber)
    assert main(["admin", "--email", "root@example.com", "--stack", "shop"]) == 0
    assert applied["USERS_TABLE"] == "shop-UsersTable-1X2Y" and applied["AWS_REGION"] == "eu-west-1"
    assert capsys.readouterr().out.startswith("Created the admin root@example.com (user id u_1)")


def test_the_admin_command_on_a_missing_stack_says_so_in_one_line(
    admin_on_stub: tuple[Stubber, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    stubber, applied = admin_on_stub
    stubber.add_client_error(
        "describe_stacks", "ValidationError", "Stack with id shop does not exist", 400, {"StackName": "shop"}
    )
    assert main(["admin", "--email", "root@example.com", "--stack", "shop"]) == 1
    err = capsys.readouterr().err
    assert err == "error: stack 'shop' in eu-west-1: ValidationError: Stack with id shop does not exist\n"
    assert applied == {}
