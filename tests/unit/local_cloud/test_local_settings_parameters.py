"""SHOP_* settings that set template parameters: each sets exactly its own, within bounds the
template accepts, and each is in the README's settings table with the template's default."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from shop_local.provisioning.provision import resolve_parameters
from shop_local.provisioning.template import load_template
from shop_local.runner import _banner
from shop_local.settings import AWS_ONLY_PARAMETERS, PARAMETER_SETTINGS, LocalSettings, SettingsError

ROOT = Path(__file__).resolve().parents[3]
DECLARED = load_template(ROOT / "template.yaml")["Parameters"]
SETTINGS = {setting.variable: setting for setting in PARAMETER_SETTINGS}


def test_the_reservation_window_is_a_setting():
    settings = LocalSettings.from_env({"SHOP_RESERVATION_TTL_SECONDS": "5"})
    assert settings.template_parameters == {"ReservationTtlSeconds": "5"}


@pytest.mark.parametrize("variable", sorted(SETTINGS))
def test_each_setting_sets_its_parameter_and_nothing_else(variable):
    setting = SETTINGS[variable]
    for value in (setting.low, setting.high):
        given = LocalSettings.from_env({variable: f" {value} "}).template_parameters
        assert given == {setting.parameter: str(value)}
    assert LocalSettings.from_env({variable: "  "}).template_parameters == {}


@pytest.mark.parametrize("variable", sorted(SETTINGS))
@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "1e3", "outside"])
def test_a_malformed_value_is_one_line_naming_the_variable(variable, bad):
    setting = SETTINGS[variable]
    value = {"outside": str(setting.high + 1)}.get(bad, bad)
    with pytest.raises(SettingsError) as raised:
        LocalSettings.from_env({variable: value})
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{variable} must be a whole number")
    assert message.endswith(f"{setting.low}-{setting.high}, got {value!r}")


@pytest.mark.parametrize("variable", sorted(SETTINGS))
def test_the_template_accepts_every_value_a_setting_accepts(variable):
    setting = SETTINGS[variable]
    assert setting.parameter in DECLARED
    for value in (setting.low, setting.high):
        resolved = resolve_parameters(DECLARED, {setting.parameter: str(value)})
        assert resolved[setting.parameter] == str(value)


def test_every_template_parameter_is_a_setting_or_named_aws_only():
    """A new parameter fails here until someone decides whether it means anything locally."""
    mapped = {setting.parameter for setting in PARAMETER_SETTINGS}
    assert not mapped & AWS_ONLY_PARAMETERS
    assert mapped | AWS_ONLY_PARAMETERS == set(DECLARED)
    assert len(mapped) == len(PARAMETER_SETTINGS)


def _settings_table() -> dict[str, list[str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| `SHOP_")]
    return {cells[0].strip().strip("`"): [cell.strip() for cell in cells[1:]] for cells in rows}


@pytest.mark.parametrize("variable", sorted(SETTINGS))
def test_the_readme_lists_the_setting_with_the_templates_default(variable):
    setting, table = SETTINGS[variable], _settings_table()
    assert variable in table, f"README.md's settings table has no row for {variable}"
    default, parameter = table[variable][0], table[variable][1]
    assert default == str(DECLARED[setting.parameter]["Default"])
    assert parameter == f"`{setting.parameter}`"


def test_the_readme_names_the_parameters_without_a_local_setting():
    section = (ROOT / "README.md").read_text().split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in sorted(AWS_ONLY_PARAMETERS) if not re.search(rf"`{name}`", section)]
    assert not missing, f"README.md's Settings section should say these have no local setting: {missing}"


def test_the_banner_shows_the_parameters_that_were_set():
    settings = LocalSettings.from_env({"SHOP_RESERVATION_TTL_SECONDS": "30"})
    banner = _banner(settings, "http://127.0.0.1:3000", "http://127.0.0.1:4566", 1.0)
    assert "ReservationTtlSeconds=30" in banner
    assert "Parameters" not in _banner(LocalSettings(), "http://a", "http://b", 1.0)


def test_make_run_stops_at_once_with_one_line_on_a_malformed_setting():
    env = {"PATH": "/usr/bin:/bin", "SHOP_RESERVATION_TTL_SECONDS": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "shop_local", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: SHOP_RESERVATION_TTL_SECONDS must be a whole number of seconds 1-86400, got '0'\n"
    )
    assert done.stdout == ""
