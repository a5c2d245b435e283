"""Settings are checked at cold start: a missing or malformed one stops the function with a clear message."""

import pytest

from shop.config import ConfigError, Settings
from tests.fakes import REQUIRED_SETTINGS, stand_in_settings

BASE = {
    "USERS_TABLE": "users",
    "CATALOG_TABLE": "catalog",
    "AUDIT_TABLE": "audit",
    "DATA_KEY_ID": "key-1",
    "SIGNING_KEY_SECRET": "arn:secret:signing",
    "VERIFICATION_KEYS_SECRET": "arn:secret:verification",
    "BLIND_INDEX_SECRET": "arn:secret:blind",
    "CARTS_TABLE": "carts",
    "ORDERS_TABLE": "orders",
    "IDEMPOTENCY_TABLE": "idempotency",
    "IDEMPOTENCY_SECRET": "arn:secret:idempotency",
    "PROCESSED_EVENTS_TABLE": "processed",
    "ORDER_EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:order-events",
    "STATS_TABLE": "stats",
    "RATE_LIMITS_TABLE": "limits",
}


def test_defaults_fill_optional_settings():
    settings = Settings.from_env(BASE)
    assert settings.access_token_ttl_seconds == 900
    assert settings.token_issuer == "serverless-shop"


def test_missing_table_name_is_refused():
    env = {k: v for k, v in BASE.items() if k != "USERS_TABLE"}
    with pytest.raises(ConfigError, match="USERS_TABLE is missing"):
        Settings.from_env(env)


@pytest.mark.parametrize("raw", ["abc", "1.5", "0", "-3"])
def test_malformed_ttl_is_refused(raw):
    with pytest.raises(ConfigError, match="ACCESS_TOKEN_TTL_SECONDS"):
        Settings.from_env({**BASE, "ACCESS_TOKEN_TTL_SECONDS": raw})


def test_per_client_limits_default_to_at_least_the_contracts_floor():
    limits = Settings.from_env(BASE).client_limits
    per_15_minutes = [
        limits.registrations_per_ip,
        limits.guest_tokens_per_ip,
        limits.failed_logins_per_ip,
        limits.failed_logins_per_email_and_ip,
    ]
    assert all(limit.window_seconds == 900 for limit in per_15_minutes)
    floor = [300, 300, 50]  # what API.md promises a client of the local shop, at least
    assert all(limit.attempts >= least for limit, least in zip(per_15_minutes, floor, strict=False))
    assert limits.failed_logins_per_email_and_ip.attempts == 5
    assert limits.failed_logins_per_email_and_ip.grows


def test_per_client_limits_are_settings():
    env = {**BASE, "REGISTRATIONS_PER_IP": "7", "FAILED_LOGINS_PER_EMAIL_AND_IP": "3"}
    env |= {"CLIENT_LIMIT_WINDOW_SECONDS": "600", "LOGIN_LOCKOUT_MAX_SECONDS": "3600"}
    limits = Settings.from_env(env).client_limits
    assert (limits.registrations_per_ip.attempts, limits.registrations_per_ip.window_seconds) == (7, 600)
    pair = limits.failed_logins_per_email_and_ip
    assert (pair.attempts, pair.window_seconds, pair.max_lockout_seconds) == (3, 600, 3600)
    with pytest.raises(ConfigError, match="GUEST_TOKENS_PER_IP"):
        Settings.from_env({**BASE, "GUEST_TOKENS_PER_IP": "many"})


def test_the_tests_stand_in_settings_are_exactly_the_required_ones():
    assert set(REQUIRED_SETTINGS) == set(BASE)
    Settings.from_env(stand_in_settings())
    for name in REQUIRED_SETTINGS:
        env = {k: v for k, v in stand_in_settings().items() if k != name}
        with pytest.raises(ConfigError, match=f"{name} is missing"):
            Settings.from_env(env)
