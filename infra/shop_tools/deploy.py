"""`python -m shop_tools.deploy`: what `make deploy` runs after `sam build` and the console build.

1. `sam deploy --config-env ENV`, with `--guided` the first time (shop_tools.samconfig says when:
   no stack name, or no saved value for a parameter without a default), or when asked (`--guided`);
   sam asks its questions in the terminal and saves the answers to samconfig.toml.
2. The admin console's build into the stack's bucket (shop_tools.console_upload), for the stack
   and region samconfig.toml holds after the deploy: the ones sam deployed to.

Arguments after `--` go to `sam deploy` as they are (`make deploy DEPLOY_FLAGS=...`).
Exit codes: sam's own when it fails, 1 when the upload fails, 2 bad settings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from shop_local.provisioning.template import load_template
from shop_tools.samconfig import (
    DEFAULT_ENV,
    SamConfigError,
    add_sam_deploy_arguments,
    guided_reasons,
    load_deploy_config,
    parse_sam_deploy_arguments,
)

Runner = Callable[[Sequence[str]], int]


def _run(command: Sequence[str]) -> int:
    """sam with this terminal: its prompts and its change set confirmation reach the operator."""
    return subprocess.run(list(command), check=False).returncode  # noqa: S603 - our own sam, our arguments


def sam_deploy_command(
    sam: str, config_env: str, guided: bool, region: str | None, extra: Sequence[str] = ()
) -> list[str]:
    command = [sam, "deploy", "--config-env", config_env]
    if guided:
        command.append("--guided")
    if region:
        command += ["--region", region]
    return command + list(extra)


def upload_console(stack_name: str, region: str) -> int:
    """The console into the deployed stack's bucket, in the stack's region."""
    from botocore.exceptions import BotoCoreError, ClientError

    from shop_tools import console_upload

    if region:
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
    try:
        return console_upload.main(["--stack", stack_name])
    except (ClientError, BotoCoreError, KeyError) as exc:
        print(f"error: the console was not uploaded to {stack_name}: {exc}", file=sys.stderr)
        return 1


def deploy(
    args: argparse.Namespace, run: Runner = _run, upload: Callable[[str, str], int] = upload_console
) -> int:
    config_file = Path(args.config_file)
    config = load_deploy_config(config_file, args.config_env)
    reasons = guided_reasons(config, load_template(Path(args.template)))
    guided = bool(args.guided or reasons)
    if guided:
        why = " and ".join(reasons) if reasons else "asked for"
        print(f"sam deploy --guided ({why}): say yes when it offers to save the answers to {config_file}")
    status = run(sam_deploy_command(args.sam, args.config_env, guided, args.region, args.sam_args))
    if status != 0:
        return status
    if args.no_console:
        return 0
    deployed = load_deploy_config(config_file, args.config_env)  # what a guided deploy saved
    if not deployed.stack_name:
        print(
            f"error: {config_file} names no stack for config env {args.config_env!r} (the guided deploy "
            "was not saved), so the console was not uploaded: run "
            "`python -m shop_tools.console_upload --stack NAME`",
            file=sys.stderr,
        )
        return 1
    return upload(deployed.stack_name, args.region or deployed.region)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m shop_tools.deploy",
        description="sam deploy (guided the first time), then the console.",
    )
    parser.add_argument("--config-env", default=DEFAULT_ENV, help="the samconfig.toml env (default: default)")
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--guided", action="store_true", help="guided even when samconfig.toml has it all")
    parser.add_argument("--region", help="deploy to this region instead of samconfig.toml's")
    parser.add_argument("--no-console", action="store_true", help="do not upload the admin console")
    add_sam_deploy_arguments(parser)
    return parse_sam_deploy_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return deploy(args)
    except (SamConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
