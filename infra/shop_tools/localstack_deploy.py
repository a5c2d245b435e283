"""`python -m shop_tools.localstack_deploy`: deploy template.yaml to a running LocalStack.

What `make localstack-deploy` runs after `sam build`. It needs Docker and a running LocalStack
(docs/deploy.md says which edition: the template uses Lambda layers and CloudFront, which
LocalStack's free edition does not provide; WAF is switched off for it in samconfig.toml). It
1. asks LocalStack who it is (`GET /_localstack/info`) and stops if nothing answers there, and
   warns when the edition or its licence will not carry the whole template;
2. runs the pinned `sam deploy --config-env localstack` (samconfig.toml's `[localstack.*]`
   settings: no change set prompt, the parameters a local stack wants) with AWS_ENDPOINT_URL
   pointing at LocalStack, LocalStack's `test` credentials and no AWS profile, so that nothing of
   the operator's real AWS identity is used (boto3, under sam, reads AWS_ENDPOINT_URL itself:
   what `samlocal` sets up, without installing it);
3. prints the stack's API address on LocalStack and the command that creates an admin there.
Exit codes: 0 deployed, 1 LocalStack missing or the deploy failed, 2 bad settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop_tools.samconfig import (
    SamConfigError,
    add_sam_deploy_arguments,
    load_deploy_config,
    parse_sam_deploy_arguments,
)

DEFAULT_ENDPOINT = "http://localhost.localstack.cloud:4566"  # resolves to 127.0.0.1, S3 buckets too
CONFIG_ENV = "localstack"
LOCALSTACK_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# What the operator's environment may hold that would send sam to real AWS or a real identity.
DROPPED_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class LocalStackMissing(RuntimeError):
    """Nothing LocalStack-like answers at the endpoint."""


@dataclass(frozen=True)
class LocalStackInfo:
    version: str
    edition: str
    licensed: bool

    def warnings(self) -> list[str]:
        if self.edition == "community" or not self.licensed:
            return [
                f"LocalStack {self.version} ({self.edition}, licence "
                f"{'active' if self.licensed else 'not active'}): template.yaml uses Lambda layers "
                "(every function imports the shop from its layer) and CloudFront, which need a "
                "licensed LocalStack; expect the deploy to fail or the functions not to start"
            ]
        return []


def localstack_info(endpoint: str, timeout: float = 3.0) -> LocalStackInfo:
    url = endpoint.rstrip("/") + "/_localstack/info"
    if not url.startswith(("http://", "https://")):
        raise LocalStackMissing(f"{endpoint} is not an http(s) address")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - checked scheme
            info = json.loads(answer.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise LocalStackMissing(
            f"no LocalStack answers at {endpoint} ({exc}): start it first (docs/deploy.md, "
            "'LocalStack'), or point LOCALSTACK_ENDPOINT at it"
        ) from None
    if not isinstance(info, dict) or "version" not in info:
        raise LocalStackMissing(f"{url} answered, but not as LocalStack does")
    return LocalStackInfo(
        str(info.get("version")), str(info.get("edition", "unknown")), bool(info.get("is_license_activated"))
    )


def localstack_environment(base: Mapping[str, str], endpoint: str, region: str) -> dict[str, str]:
    """The process environment for sam: LocalStack's endpoint, its test credentials, no profile."""
    values = {
        name: value
        for name, value in base.items()
        if name not in DROPPED_VARIABLES and not name.startswith("AWS_ENDPOINT_URL_")
    }
    values.update(LOCALSTACK_CREDENTIALS)
    values.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION=region, AWS_DEFAULT_REGION=region)
    return values


def api_address(endpoint: str, api_id: str, stage: str) -> str:
    """LocalStack's path-style address of a REST API stage (no wildcard DNS needed)."""
    return f"{endpoint.rstrip('/')}/_aws/execute-api/{api_id}/{stage}"


def describe_deployment(cloudformation: Any, stack_name: str, endpoint: str) -> list[str]:
    """Lines for the operator: where the API answers on LocalStack, and how to make an admin."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    api = cloudformation.describe_stack_resource(StackName=stack_name, LogicalResourceId="ShopApi")
    api_id = api["StackResourceDetail"]["PhysicalResourceId"]
    region = cloudformation.meta.region_name
    return [
        f"stack {stack_name}: {stack.get('StackStatus')}",
        f"API: {api_address(endpoint, api_id, parameters.get('StageName', 'prod'))}",
        f"an admin there: env -u AWS_PROFILE AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=test "
        f"AWS_SECRET_ACCESS_KEY=test make admin STACK={stack_name} REGION={region} EMAIL=you@example.com",
    ]


def _run(command: Sequence[str], env: Mapping[str, str]) -> int:
    return subprocess.run(list(command), env=dict(env), check=False).returncode  # noqa: S603 - our sam


def localstack_cloudformation(endpoint: str, region: str) -> Any:
    """CloudFormation on LocalStack, with its test credentials whatever the environment holds."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=LOCALSTACK_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCALSTACK_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=region,
    )
    return session.client("cloudformation", endpoint_url=endpoint)


def deploy(
    args: argparse.Namespace,
    run: Callable[[Sequence[str], Mapping[str, str]], int] = _run,
    info: Callable[[str], LocalStackInfo] = localstack_info,
    cloudformation: Callable[[str, str], Any] = localstack_cloudformation,
) -> int:
    config = load_deploy_config(Path(args.config_file), CONFIG_ENV)
    if not config.stack_name:
        raise SamConfigError(f"{args.config_file} has no [{CONFIG_ENV}.deploy.parameters] stack_name")
    region = config.region or "us-east-1"
    found = info(args.endpoint)
    print(f"LocalStack {found.version} ({found.edition}) at {args.endpoint}", flush=True)
    for warning in found.warnings():
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    env = localstack_environment(os.environ, args.endpoint, region)
    status = run([args.sam, "deploy", "--config-env", CONFIG_ENV, "--region", region, *args.sam_args], env)
    if status != 0:
        print(f"error: sam deploy failed on LocalStack (exit {status})", file=sys.stderr)
        return 1
    for line in describe_deployment(cloudformation(args.endpoint, region), config.stack_name, args.endpoint):
        print(line)
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m shop_tools.localstack_deploy", description="Deploy template.yaml to LocalStack."
    )
    parser.add_argument(
        "--endpoint",
        default=os.environ.get("LOCALSTACK_ENDPOINT") or DEFAULT_ENDPOINT,
        help=f"where LocalStack answers (default: $LOCALSTACK_ENDPOINT, else {DEFAULT_ENDPOINT})",
    )
    add_sam_deploy_arguments(parser)
    return parse_sam_deploy_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    """0 deployed; 1 no LocalStack, or the deploy failed; 2 samconfig.toml lacks the localstack env."""
    from botocore.exceptions import BotoCoreError, ClientError

    handled = (SamConfigError, LocalStackMissing, ClientError, BotoCoreError)
    try:
        return deploy(parse_args(argv))
    except handled as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, SamConfigError) else 1


if __name__ == "__main__":
    sys.exit(main())
