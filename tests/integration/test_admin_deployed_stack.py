"""`make admin STACK=..` end to end, except for CloudFormation itself: the local stack provisioned
from template.yaml stands for the deployed one. The emulator does not run our stack through
CloudFormation, so CloudFormation's three answers (DescribeStacks, GetTemplate, ListStackResources)
are botocore Stubber responses describing that provisioned stack; everything after them (KMS, the
blind-index secret, the users and audit tables) is real calls to the emulator, with none of the
environment a function gets: the command finds all of it from the stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

import shop_tools.deployed_stack
from shop_local.provisioning.provision import Stack
from shop_local.provisioning.template import find_template
from shop_tools.cli import main

pytestmark = pytest.mark.integration
PASSWORD = "a long admin password"
STACK_NAME = "shop-deployed"
# What the operator's credentials must allow, beyond CloudFormation's three reads (docs/deploy.md).
ADMIN_CALLS = {
    ("kms", "GenerateDataKey"),
    ("kms", "Decrypt"),  # a promotion opens the account's sealed name and email (not cached: new process)
    ("secretsmanager", "GetSecretValue"),
    ("dynamodb", "GetItem"),
    ("dynamodb", "UpdateItem"),
    ("dynamodb", "TransactWriteItems"),
}


def describe_as_cloudformation(stubber: Stubber, stack: Stack) -> None:
    """The provisioned stack as CloudFormation would describe it after `sam deploy`."""
    now = datetime.now(UTC)
    described = {
        "StackName": STACK_NAME,
        "StackId": f"arn:aws:cloudformation:{stack.region}:{stack.account_id}:stack/{STACK_NAME}/1",
        "CreationTime": now,
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in stack.parameters.items()],
    }
    summaries = [
        {
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": str(
                stack.resources.get(logical_id, {}).get("Type", "AWS::CloudFormation::WaitConditionHandle")
            ),
            "LastUpdatedTimestamp": now,
            "ResourceStatus": "CREATE_COMPLETE",
        }
        for logical_id, physical_id in stack.physical_ids.items()
    ]
    by_name = {"StackName": STACK_NAME}
    stubber.add_response("describe_stacks", {"Stacks": [described]}, by_name)
    body = find_template().read_text(encoding="utf-8")
    stubber.add_response("get_template", {"TemplateBody": body}, by_name | {"TemplateStage": "Original"})
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": summaries}, by_name)


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """Every (service, operation) that clients made from now on send."""
    calls: set[tuple[str, str]] = set()
    original = botocore.session.Session.create_client

    def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(session, *args, **kwargs)
        service = client.meta.service_model.service_name

        def record(model: Any, **_: Any) -> None:
            calls.add((service, model.name))

        client.meta.events.register("before-call", record)
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    return calls


@pytest.fixture
def no_function_environment(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process loses what the `stack` fixture gave it: only the stack can say it again."""
    from shop.adapters.aws import client
    from shop.config import settings

    for name in stack.globals_environment():
        monkeypatch.delenv(name, raising=False)
    yield
    client.cache_clear()
    settings.cache_clear()


def test_make_admin_on_a_deployed_stack_needs_only_the_stacks_name(
    stack: Stack,
    no_function_environment: None,
    aws_calls: set[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cloudformation = boto3.session.Session().client("cloudformation", region_name=stack.region)
    monkeypatch.setattr(shop_tools.deployed_stack, "cloudformation_client", lambda: cloudformation)
    monkeypatch.setenv("SHOP_ADMIN_PASSWORD", PASSWORD)
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    with Stubber(cloudformation) as stubber:
        describe_as_cloudformation(stubber, stack)
        assert main(["admin", "--email", email, "--stack", STACK_NAME]) == 0, capsys.readouterr().err
        stubber.assert_no_pending_responses()
    creating = {call for call in aws_calls if call[0] != "cloudformation"}
    assert capsys.readouterr().out.startswith(f"Created the admin {email}")

    from shop.bootstrap import build_auth_service

    assert build_auth_service().login(email, PASSWORD).user.role == "admin"
    customer = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    build_auth_service().register(customer, PASSWORD, "Owner")
    aws_calls.clear()
    with Stubber(cloudformation) as stubber:
        describe_as_cloudformation(stubber, stack)
        assert main(["admin", "--email", customer, "--promote", "--stack", STACK_NAME]) == 0
    promoting = {call for call in aws_calls if call[0] != "cloudformation"}
    assert capsys.readouterr().out.startswith(f"Promoted {customer} to admin")
    assert build_auth_service().login(customer, PASSWORD).user.role == "admin"
    made = creating | promoting
    assert made <= ADMIN_CALLS, f"calls docs/deploy.md does not list: {made - ADMIN_CALLS}"
