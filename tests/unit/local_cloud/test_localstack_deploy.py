"""`make localstack-deploy` without a LocalStack: what it asks LocalStack, the environment it gives
sam (LocalStack's endpoint and test credentials, none of the operator's AWS identity), the command,
and what it prints. No Docker here, so the deploy itself is never run against a real LocalStack."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from shop_tools.localstack_deploy import (
    LocalStackInfo,
    LocalStackMissing,
    api_address,
    deploy,
    localstack_environment,
    localstack_info,
    main,
    parse_args,
)

ROOT = Path(__file__).resolve().parents[3]
ENDPOINT = "http://localhost.localstack.cloud:4566"


class Answer(io.BytesIO):
    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_it_asks_localstack_who_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def urlopen(url: str, timeout: float) -> Answer:
        asked.append(url)
        return Answer(
            json.dumps({"version": "4.9.0", "edition": "pro", "is_license_activated": True}).encode()
        )

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    found = localstack_info(ENDPOINT + "/")
    assert asked == [ENDPOINT + "/_localstack/info"]
    assert found == LocalStackInfo("4.9.0", "pro", True) and found.warnings() == []


def test_something_else_at_the_address_is_not_taken_for_localstack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: Answer(b'{"status": "ok"}'))
    with pytest.raises(LocalStackMissing, match="not as LocalStack does"):
        localstack_info(ENDPOINT)
    with pytest.raises(LocalStackMissing, match="not an http"):
        localstack_info("file:///etc/passwd")


def test_nothing_listening_says_how_to_start_it() -> None:
    with pytest.raises(
        LocalStackMissing, match=r"no LocalStack answers at http://127\.0\.0\.1:9 .*start it first"
    ):
        localstack_info("http://127.0.0.1:9", timeout=1)


def test_the_free_edition_is_warned_about_layers_and_cloudfront() -> None:
    (warning,) = LocalStackInfo("4.9.0", "community", False).warnings()
    assert "Lambda layers" in warning and "CloudFront" in warning
    assert LocalStackInfo("4.9.0", "pro", False).warnings() != []


def test_sam_gets_localstacks_endpoint_and_credentials_and_none_of_the_operators() -> None:
    operator = {
        "PATH": "/usr/bin",
        "AWS_PROFILE": "production",
        "AWS_SESSION_TOKEN": "real-session",
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
        "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
        "AWS_REGION": "eu-west-1",
    }
    env = localstack_environment(operator, ENDPOINT, "us-east-1")
    assert env == {
        "PATH": "/usr/bin",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": ENDPOINT,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


class FakeCloudFormation:
    meta = type("Meta", (), {"region_name": "us-east-1"})()

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        parameters = [{"ParameterKey": "StageName", "ParameterValue": "prod"}]
        return {
            "Stacks": [{"StackName": StackName, "StackStatus": "CREATE_COMPLETE", "Parameters": parameters}]
        }

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        assert LogicalResourceId == "ShopApi"
        return {"StackResourceDetail": {"PhysicalResourceId": "a1b2c3d4e5"}}


def test_it_deploys_with_the_localstack_config_env_and_says_where_the_api_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    runs: list[tuple[list[str], dict[str, str]]] = []

    def run(command: Sequence[str], env: Mapping[str, str]) -> int:
        runs.append((list(command), dict(env)))
        return 0

    args = parse_args(["--sam", "sam", "--endpoint", ENDPOINT, "--config-file", str(ROOT / "samconfig.toml")])
    status = deploy(
        args,
        run=run,
        info=lambda endpoint: LocalStackInfo("4.9.0", "pro", True),
        cloudformation=lambda endpoint, region: FakeCloudFormation(),
    )
    assert status == 0
    ((command, env),) = runs
    assert command == ["sam", "deploy", "--config-env", "localstack", "--region", "us-east-1"]
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT and "AWS_PROFILE" not in env
    out = capsys.readouterr().out
    assert f"API: {ENDPOINT}/_aws/execute-api/a1b2c3d4e5/prod" in out
    assert "make admin STACK=serverless-shop REGION=us-east-1" in out


def test_a_failed_sam_deploy_fails_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(
        ["--endpoint", ENDPOINT, "--config-file", str(ROOT / "samconfig.toml"), "--", "--debug"]
    )
    assert args.sam_args == ["--debug"]
    status = deploy(
        args,
        run=lambda command, env: 1,
        info=lambda endpoint: LocalStackInfo("4.9.0", "community", False),
        cloudformation=lambda endpoint, region: pytest.fail("nothing to describe"),
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "warning: LocalStack 4.9.0 (community" in err and "sam deploy failed" in err


def test_without_localstack_the_command_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--endpoint", "http://127.0.0.1:9", "--config-file", str(ROOT / "samconfig.toml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no LocalStack answers") and err.count("\n") == 1


def test_a_samconfig_without_a_localstack_env_is_a_settings_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "samconfig.toml").write_text("version = 0.1\n", encoding="utf-8")
    assert main(["--config-file", str(tmp_path / "samconfig.toml")]) == 2
    assert "[localstack.deploy.parameters] stack_name" in capsys.readouterr().err


def test_the_path_style_api_address() -> None:
    assert (
        api_address("http://localhost:4566/", "abc", "prod")
        == "http://localhost:4566/_aws/execute-api/abc/prod"
    )
