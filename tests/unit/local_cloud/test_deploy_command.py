"""`make deploy` (python -m shop_tools.deploy): guided the first time, plain afterwards, then the
console into the stack that sam deployed. sam and the upload are stand-ins here: no AWS."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from shop_tools.deploy import deploy, main, parse_args, sam_deploy_command

TEMPLATE = {
    "Parameters": {"MailFrom": {"Type": "String"}, "StageName": {"Type": "String", "Default": "prod"}}
}
SAVED = """version = 0.1
[default.deploy.parameters]
stack_name = "shop-a"
region = "eu-west-1"
parameter_overrides = "MailFrom=\\"orders@shop.example\\""
"""


class Sam:
    """Records each `sam` command; a guided one saves the answers as sam would."""

    def __init__(self, config: Path, status: int = 0) -> None:
        self.config, self.status, self.commands = config, status, list[list[str]]()

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        if "--guided" in command and self.status == 0:
            self.config.write_text(SAVED, encoding="utf-8")
        return self.status


class Uploads(list[tuple[str, str]]):
    def __init__(self, status: int = 0) -> None:
        super().__init__()
        self.status = status

    def __call__(self, stack: str, region: str) -> int:
        self.append((stack, region))
        return self.status


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(TEMPLATE), encoding="utf-8")
    return tmp_path


def args(workdir: Path, *extra: str) -> argparse.Namespace:
    return parse_args(
        [
            "--sam",
            "sam",
            "--config-file",
            str(workdir / "samconfig.toml"),
            "--template",
            str(workdir / "template.yaml"),
            *extra,
        ]
    )


def test_the_first_deploy_is_guided_and_the_console_goes_to_the_stack_it_saved(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sam, uploads = Sam(workdir / "samconfig.toml"), Uploads()
    assert deploy(args(workdir), run=sam, upload=uploads) == 0
    assert sam.commands == [["sam", "deploy", "--config-env", "default", "--guided"]]
    assert uploads == [("shop-a", "eu-west-1")]
    assert "no saved value for MailFrom" in capsys.readouterr().out


def test_once_saved_the_deploy_is_plain_and_keeps_the_operators_flags(workdir: Path) -> None:
    (workdir / "samconfig.toml").write_text(SAVED, encoding="utf-8")
    sam, uploads = Sam(workdir / "samconfig.toml"), Uploads()
    assert deploy(args(workdir, "--", "--no-confirm-changeset"), run=sam, upload=uploads) == 0
    assert sam.commands == [["sam", "deploy", "--config-env", "default", "--no-confirm-changeset"]]
    assert deploy(args(workdir, "--guided", "--region", "us-west-2"), run=sam, upload=uploads) == 0
    assert sam.commands[-1] == [
        "sam",
        "deploy",
        "--config-env",
        "default",
        "--guided",
        "--region",
        "us-west-2",
    ]
    assert uploads == [("shop-a", "eu-west-1"), ("shop-a", "us-west-2")]


def test_a_failed_deploy_uploads_nothing_and_keeps_sams_exit_code(workdir: Path) -> None:
    sam, uploads = Sam(workdir / "samconfig.toml", status=3), Uploads()
    assert deploy(args(workdir), run=sam, upload=uploads) == 3
    assert uploads == []


def test_an_unsaved_guided_deploy_says_how_to_upload_the_console(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def sam(command: Sequence[str]) -> int:
        return 0  # the operator answered "no" to saving the arguments

    uploads = Uploads()
    assert deploy(args(workdir), run=sam, upload=uploads) == 1
    assert "console_upload --stack NAME" in capsys.readouterr().err
    assert deploy(args(workdir, "--no-console"), run=sam, upload=uploads) == 0
    assert uploads == []


def test_the_sam_command_line() -> None:
    assert sam_deploy_command("sam", "prod", False, None) == ["sam", "deploy", "--config-env", "prod"]
    assert sam_deploy_command("sam", "prod", True, "eu-west-1", ["--debug"]) == [
        "sam", "deploy", "--config-env", "prod", "--guided", "--region", "eu-west-1", "--debug",
    ]  # fmt: skip


def test_bad_settings_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "samconfig.toml").write_text("version = \n", encoding="utf-8")
    code = main(
        ["--config-file", str(tmp_path / "samconfig.toml"), "--template", str(tmp_path / "none.yaml")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
