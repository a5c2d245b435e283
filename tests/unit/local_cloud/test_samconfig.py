"""samconfig.toml as `make deploy` reads it: which env's values count, the parameter override forms
sam accepts, when a deploy must be guided, and the repository's own samconfig.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_local.provisioning.template import find_template, load_template
from shop_tools.samconfig import (
    SamConfigError,
    guided_reasons,
    load_deploy_config,
    main,
    parse_parameter_overrides,
    required_parameters,
)

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = {
    "Parameters": {
        "MailFrom": {"Type": "String"},
        "AlarmEmail": {"Type": "String", "Default": ""},
        "StageName": {"Type": "String", "Default": "prod"},
    }
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_deploy_section_wins_over_the_global_one_and_other_envs_do_not_count(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """version = 0.1
[default.global.parameters]
stack_name = "shop"
region = "us-east-1"
[default.deploy.parameters]
region = "eu-west-1"
[prod.deploy.parameters]
stack_name = "shop-prod"
""",
    )
    default = load_deploy_config(path)
    assert (default.stack_name, default.region) == ("shop", "eu-west-1")
    prod = load_deploy_config(path, "prod")
    assert (prod.stack_name, prod.region) == ("shop-prod", "")
    assert load_deploy_config(tmp_path / "missing.toml").values == {}


def test_parameter_overrides_in_every_form_sam_takes() -> None:
    # what `sam deploy --guided` saves: each value quoted
    saved = 'MailFrom="orders@shop.example" AccessTokenTtlSeconds="900"'
    assert parse_parameter_overrides(saved) == {
        "MailFrom": "orders@shop.example",
        "AccessTokenTtlSeconds": "900",
    }
    assert parse_parameter_overrides("A=1 B='two words'") == {"A": "1", "B": "two words"}
    assert parse_parameter_overrides(["A=1", "B=2 C=3"]) == {"A": "1", "B": "2", "C": "3"}
    assert parse_parameter_overrides("ParameterKey=A,ParameterValue=x=y") == {"A": "x=y"}
    assert parse_parameter_overrides(None) == {} == parse_parameter_overrides("")
    with pytest.raises(SamConfigError, match="not Key=Value"):
        parse_parameter_overrides("MailFrom")
    with pytest.raises(SamConfigError, match="string or a list"):
        parse_parameter_overrides(42)


def test_a_deploy_is_guided_until_the_stack_and_every_parameter_without_a_default_are_saved(
    tmp_path: Path,
) -> None:
    assert required_parameters(TEMPLATE) == ["MailFrom"]
    fresh = load_deploy_config(write(tmp_path, "version = 0.1\n"))
    assert guided_reasons(fresh, TEMPLATE) == [
        "no stack_name saved for config env 'default'",
        "no saved value for MailFrom, which the template gives no default",
    ]
    half = load_deploy_config(
        write(tmp_path, 'version = 0.1\n[default.global.parameters]\nstack_name = "shop"\n')
    )
    assert guided_reasons(half, TEMPLATE) == [
        "no saved value for MailFrom, which the template gives no default"
    ]
    empty_value = load_deploy_config(
        write(
            tmp_path,
            'version = 0.1\n[default.deploy.parameters]\nstack_name = "shop"\nparameter_overrides = "MailFrom="\n',
        )
    )
    assert guided_reasons(empty_value, TEMPLATE) != []
    saved = load_deploy_config(
        write(
            tmp_path,
            'version = 0.1\n[default.deploy.parameters]\nstack_name = "shop"\n'
            'parameter_overrides = "MailFrom=\\"orders@shop.example\\""\n',
        )
    )
    assert guided_reasons(saved, TEMPLATE) == []


def test_invalid_toml_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "version = \n")
    with pytest.raises(SamConfigError, match="not valid TOML"):
        load_deploy_config(path)
    assert main(["region", "--config-file", str(path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_the_repositorys_samconfig_deploys_to_a_region_with_the_capabilities_the_template_needs() -> None:
    default = load_deploy_config(ROOT / "samconfig.toml")
    assert default.stack_name == "serverless-shop"
    assert default.region == "us-east-1"
    assert default.values["capabilities"].split() == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    assert default.values["confirm_changeset"] is True and default.values["resolve_s3"] is True
    template = load_template(find_template(start=ROOT))
    assert set(default.parameter_overrides) <= set(template["Parameters"])
    # nothing in the template names its IAM roles, so CAPABILITY_NAMED_IAM is not needed
    roles = [r for r in template["Resources"].values() if r.get("Type") == "AWS::IAM::Role"]
    assert not [r for r in roles if "RoleName" in (r.get("Properties") or {})]


def test_the_localstack_env_is_never_guided_and_confirms_nothing() -> None:
    localstack = load_deploy_config(ROOT / "samconfig.toml", "localstack")
    template = load_template(find_template(start=ROOT))
    required = {"Parameters": {**template["Parameters"], "MailFrom": {"Type": "String"}}}
    assert guided_reasons(localstack, required) == []
    assert localstack.values["confirm_changeset"] is False
    assert localstack.parameter_overrides["EnableWaf"] == "false"  # WAFv2 is not in every LocalStack


def test_the_command_prints_one_saved_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'version = 0.1\n[ci.global.parameters]\nregion = "eu-central-1"\n')
    assert main(["region", "--config-env", "ci", "--config-file", str(path)]) == 0
    assert main(["stack_name", "--config-env", "ci", "--config-file", str(path)]) == 0
    assert capsys.readouterr().out == "eu-central-1\n\n"
