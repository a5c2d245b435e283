"""What samconfig.toml holds for one config env of `sam deploy`, and whether a deploy must be guided.

`make deploy` runs `sam deploy --guided` the first time and plain `sam deploy` afterwards. "The
first time" is read from samconfig.toml, as SAM itself reads it: the `[ENV.deploy.parameters]`
section over `[ENV.global.parameters]`. A deploy is guided while that env has no stack name or no
saved value for a template parameter that has no default (MailFrom: the SES sender), because a
plain `sam deploy` would then stop on a missing parameter. `sam deploy --guided` asks for exactly
these and saves them, so the next deploy is plain.

`python -m shop_tools.samconfig region|stack_name [--config-env ENV]` prints one saved value (an
empty line when there is none): the Makefile finds a deployed stack's region and name with it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "samconfig.toml"
DEFAULT_ENV = "default"


class SamConfigError(ValueError):
    """samconfig.toml is not valid TOML, or a value has a type SAM would not accept."""


@dataclass(frozen=True)
class DeployConfig:
    """The deploy settings of one config env: `deploy` over `global`, as SAM merges them."""

    env: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def stack_name(self) -> str:
        return str(self.values.get("stack_name") or "")

    @property
    def region(self) -> str:
        return str(self.values.get("region") or "")

    @property
    def parameter_overrides(self) -> dict[str, str]:
        return parse_parameter_overrides(self.values.get("parameter_overrides"))


def load_deploy_config(path: Path, env: str = DEFAULT_ENV) -> DeployConfig:
    """A missing file is an empty config (the first deploy of a fresh clone without one)."""
    if not path.is_file():
        return DeployConfig(env)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SamConfigError(f"{path} is not valid TOML: {exc}") from None
    sections = document.get(env) or {}
    values: dict[str, Any] = {}
    for command in ("global", "deploy"):  # the command's own section wins
        values.update(((sections.get(command) or {}).get("parameters")) or {})
    return DeployConfig(env, values)


def parse_parameter_overrides(raw: Any) -> dict[str, str]:
    """`Key=Value` pairs (quoted values allowed) or `ParameterKey=K,ParameterValue=V`, as one string
    or a list of strings: the forms `sam deploy --parameter-overrides` takes."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        tokens = shlex.split(raw)
    elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        tokens = [token for item in raw for token in shlex.split(item)]
    else:
        raise SamConfigError(f"parameter_overrides must be a string or a list of strings, not {raw!r}")
    overrides: dict[str, str] = {}
    for token in tokens:
        if token.startswith("ParameterKey="):
            key_part, _, value_part = token.partition(",")
            key, value = key_part.removeprefix("ParameterKey="), value_part.removeprefix("ParameterValue=")
        else:
            key, separator, value = token.partition("=")
            if not separator:
                raise SamConfigError(f"parameter_overrides: {token!r} is not Key=Value")
        overrides[key] = value
    return overrides


def required_parameters(template: dict[str, Any]) -> list[str]:
    """The template's parameters that have no default: a deploy must be given a value for each."""
    declared = template.get("Parameters") or {}
    return [name for name, spec in declared.items() if "Default" not in (spec or {})]


def guided_reasons(config: DeployConfig, template: dict[str, Any]) -> list[str]:
    """Why this deploy must be guided; empty when samconfig.toml holds all a plain deploy needs."""
    reasons = []
    if not config.stack_name:
        reasons.append(f"no stack_name saved for config env {config.env!r}")
    saved = config.parameter_overrides
    missing = [name for name in required_parameters(template) if not saved.get(name)]
    if missing:
        reasons.append(f"no saved value for {', '.join(missing)}, which the template gives no default")
    return reasons


def add_sam_deploy_arguments(parser: argparse.ArgumentParser) -> None:
    """--sam, --config-file, and after `--` more `sam deploy` arguments (add last: they take the rest)."""
    parser.add_argument("--sam", default="sam", help="the sam executable (make: the pinned one)")
    parser.add_argument("--config-file", default=CONFIG_FILE)
    parser.add_argument("sam_args", nargs=argparse.REMAINDER, help="after --: more `sam deploy` arguments")


def parse_sam_deploy_arguments(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None = None
) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.sam_args[:1] == ["--"]:
        args.sam_args = args.sam_args[1:]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shop_tools.samconfig",
        description="Print one saved deploy setting of samconfig.toml.",
    )
    parser.add_argument("name", choices=["region", "stack_name"])
    parser.add_argument("--config-env", default=DEFAULT_ENV, help="the samconfig env (default: default)")
    parser.add_argument("--config-file", type=Path, default=Path(CONFIG_FILE))
    args = parser.parse_args(argv)
    try:
        config = load_deploy_config(args.config_file, args.config_env)
    except SamConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(config.region if args.name == "region" else config.stack_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
