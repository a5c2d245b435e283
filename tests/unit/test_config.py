"""Settings are checked at cold start: a missing or malformed one stops the function with a clear message."""

import pytest

from shop.config import ConfigError, Settings

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
