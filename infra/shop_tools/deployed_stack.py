"""A deployed CloudFormation stack read back as a `Stack`, with nothing but AWS credentials.

The tools that also work against AWS (`make admin STACK=..`, `make audit-verify STACK=..`) need
what a function of the stack gets: its environment, i.e. Globals.Function.Environment with every
Ref resolved to the stack's own tables, key and secrets. Three read-only calls give it:
- DescribeStacks: the parameter values the stack was deployed with, its account and its status;
- GetTemplate (Original): the template it was deployed with, so that a checkout that has moved on
  since the last deploy (or no checkout at all) still resolves what the deployed functions see;
- ListStackResources: every logical id's physical id (paginated; DescribeStackResources stops at
  100 resources, and this stack has more).
Nothing is created or provisioned: no emulator, no template.yaml, no dev-only step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shop_local.provisioning.intrinsics import ProvisionError
from shop_local.provisioning.stack import Stack
from shop_local.provisioning.template import TemplateLoader


class StackNotReadable(ProvisionError):
    """The stack is missing, not (or no longer) fully created, or these credentials cannot read it."""


# A stack in one of these has not all its resources: its creation is running or failed, or it is
# being (or was) deleted. UPDATE_ROLLBACK_COMPLETE and the like are fine: the previous version runs.
_INCOMPLETE_PREFIXES = ("CREATE_IN_PROGRESS", "CREATE_FAILED", "ROLLBACK_", "DELETE_", "REVIEW_IN_PROGRESS")


def cloudformation_client() -> Any:
    """CloudFormation with the caller's credentials and region (boto3's own lookup)."""
    import boto3

    return boto3.session.Session().client("cloudformation")


def read_stack(cloudformation: Any, stack_name: str) -> Stack:
    """The deployed stack, its Refs resolvable; StackNotReadable says why not."""
    from botocore.exceptions import BotoCoreError, ClientError

    region = str(cloudformation.meta.region_name or "")
    where = f"stack {stack_name!r} in {region or 'no region'}"
    try:
        described = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        _check_status(where, str(described.get("StackStatus", "")))
        body = cloudformation.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
        physical_ids = {
            resource["LogicalResourceId"]: resource["PhysicalResourceId"]
            for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            for resource in page["StackResourceSummaries"]
            if resource.get("PhysicalResourceId")
        }
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise StackNotReadable(
            f"{where}: {error.get('Code', 'error')}: {error.get('Message', exc)}"
        ) from None
    except BotoCoreError as exc:  # no credentials, no region, no connection
        raise StackNotReadable(f"{where}: {exc}") from None
    stack = Stack(parse_template(body), "", stack_name, region, Path.cwd())
    stack.parameters = {
        p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
        for p in described.get("Parameters", [])
    }
    stack.physical_ids = physical_ids
    stack.account_id = _account_of(str(described.get("StackId", ""))) or stack.account_id
    return stack


def parse_template(body: Any) -> dict[str, Any]:
    """GetTemplate's TemplateBody: YAML with CloudFormation's short tags, or JSON (botocore hands a
    JSON body over already parsed)."""
    document = body if isinstance(body, dict) else yaml.load(str(body), Loader=TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict):
        raise StackNotReadable("the deployed template is not a CloudFormation template")
    return dict(document)


def stack_environment(stack: Stack) -> dict[str, str]:
    """What every function of the stack gets (Globals.Function.Environment), plus its region."""
    values = stack.globals_environment()
    if stack.region:
        values.update(AWS_REGION=stack.region, AWS_DEFAULT_REGION=stack.region)
    return values


def deployed_stack_environment(stack_name: str, cloudformation: Any | None = None) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError

    if cloudformation is None:
        try:
            cloudformation = cloudformation_client()
        except BotoCoreError as exc:  # NoRegionError: boto3 found no region anywhere
            raise StackNotReadable(
                f"stack {stack_name!r}: {exc} (set AWS_REGION, or REGION=.. with make)"
            ) from None
    return stack_environment(read_stack(cloudformation, stack_name))


def _check_status(where: str, status: str) -> None:
    if status.startswith(_INCOMPLETE_PREFIXES):
        raise StackNotReadable(f"{where} is {status}: not all its resources exist")


def _account_of(stack_id: str) -> str:
    """arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID -> ACCOUNT."""
    parts = stack_id.split(":")
    return parts[4] if len(parts) > 5 else ""
