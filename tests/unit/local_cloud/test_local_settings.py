"""SHOP_* settings: defaults, and one clear line for each malformed value."""

import pytest

from shop_local.settings import LocalSettings, SettingsError


def test_defaults():
    settings = LocalSettings.from_env({})
    assert settings == LocalSettings("127.0.0.1", 3000, 4566, True)
    assert settings.template_parameters == {}  # every parameter keeps the template's Default


def test_values_are_read():
    env = {
        "SHOP_PORT": "8080",
        "SHOP_EMULATOR_PORT": "5000",
        "SHOP_SEED": "0",
        "SHOP_ACCESS_TOKEN_TTL_SECONDS": "120",
        "SHOP_HOST": "0.0.0.0",
    }
    expected = LocalSettings(
        "0.0.0.0", 8080, 5000, False, template_parameters={"AccessTokenTtlSeconds": "120"}
    )
    assert LocalSettings.from_env(env) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SHOP_PORT", "abc", "SHOP_PORT must be a port number 1-65535, got 'abc'"),
        ("SHOP_PORT", "70000", "SHOP_PORT must be a port number 1-65535, got '70000'"),
        ("SHOP_PORT", "0", "SHOP_PORT must be a port number 1-65535, got '0'"),
        ("SHOP_EMULATOR_PORT", "-1", "SHOP_EMULATOR_PORT must be a port number 1-65535, got '-1'"),
        ("SHOP_SEED", "yes", "SHOP_SEED must be 0 or 1, got 'yes'"),
        (
            "SHOP_ACCESS_TOKEN_TTL_SECONDS",
            "10",
            "SHOP_ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds 60-3600, got '10'",
        ),
        (
            "SHOP_ACCESS_TOKEN_TTL_SECONDS",
            "1.5",
            "SHOP_ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds 60-3600, got '1.5'",
        ),
        ("SHOP_HOST", "my host", "SHOP_HOST must be an IP address such as 127.0.0.1, got 'my host'"),
    ],
)
def test_malformed_values_raise_one_clear_message(name, value, message):
    with pytest.raises(SettingsError) as raised:
        LocalSettings.from_env({name: value})
    assert str(raised.value) == message


def test_the_two_ports_must_differ():
    with pytest.raises(SettingsError, match="must differ"):
        LocalSettings.from_env({"SHOP_PORT": "4566"})


def test_per_client_limits_can_be_raised_for_a_test_suite():
    unset = LocalSettings.from_env({}).template_parameters
    assert unset == {}  # the limits: the template's defaults
    env = {
        "SHOP_REGISTRATIONS_PER_IP": "5000",
        "SHOP_GUEST_TOKENS_PER_IP": "6000",
        "SHOP_FAILED_LOGINS_PER_IP": "70",
    }
    assert LocalSettings.from_env(env).template_parameters == {
        "RegistrationsPerIp": "5000",
        "GuestTokensPerIp": "6000",
        "FailedLoginsPerIp": "70",
    }
    with pytest.raises(SettingsError, match="SHOP_GUEST_TOKENS_PER_IP must be a whole number"):
        LocalSettings.from_env({"SHOP_GUEST_TOKENS_PER_IP": "0"})
