"""Settings, read and checked once per cold start from the environment the template gives a function."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from shop.domain.rate_limits import ClientLimitPolicy, Limit


class ConfigError(RuntimeError):
    """A setting is missing or malformed: the function must not start."""


def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = env.get(name, default)
    if value is None or not value.strip():
        raise ConfigError(f"setting {name} is missing")
    return value.strip()


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"setting {name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"setting {name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    users_table: str
    catalog_table: str
    audit_table: str
    data_key_id: str
    signing_key_secret: str
    verification_keys_secret: str
    blind_index_secret: str
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    token_issuer: str
    token_audience: str
    carts_table: str
    orders_table: str
    idempotency_table: str
    idempotency_secret: str
    processed_events_table: str
    order_events_topic_arn: str
    reservation_ttl_seconds: int
    stats_table: str
    mail_from: str
    rate_limits_table: str
    client_limits: ClientLimitPolicy
    audit_chain_shards: int = 16
    audit_signing_key_id: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            users_table=_text(env, "USERS_TABLE"),
            catalog_table=_text(env, "CATALOG_TABLE"),
            audit_table=_text(env, "AUDIT_TABLE"),
            data_key_id=_text(env, "DATA_KEY_ID"),
            signing_key_secret=_text(env, "SIGNING_KEY_SECRET"),
            verification_keys_secret=_text(env, "VERIFICATION_KEYS_SECRET"),
            blind_index_secret=_text(env, "BLIND_INDEX_SECRET"),
            access_token_ttl_seconds=_positive_int(env, "ACCESS_TOKEN_TTL_SECONDS", 900),
            refresh_token_ttl_seconds=_positive_int(env, "REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600),
            token_issuer=_text(env, "TOKEN_ISSUER", "serverless-shop"),
            token_audience=_text(env, "TOKEN_AUDIENCE", "serverless-shop-api"),
            carts_table=_text(env, "CARTS_TABLE"),
            orders_table=_text(env, "ORDERS_TABLE"),
            idempotency_table=_text(env, "IDEMPOTENCY_TABLE"),
            idempotency_secret=_text(env, "IDEMPOTENCY_SECRET"),
            processed_events_table=_text(env, "PROCESSED_EVENTS_TABLE"),
            order_events_topic_arn=_text(env, "ORDER_EVENTS_TOPIC_ARN"),
            reservation_ttl_seconds=_positive_int(env, "RESERVATION_TTL_SECONDS", 900),
            stats_table=_text(env, "STATS_TABLE"),
            mail_from=_text(env, "MAIL_FROM", "orders@shop.example"),
            rate_limits_table=_text(env, "RATE_LIMITS_TABLE"),
            client_limits=_client_limits(env),
            audit_chain_shards=_positive_int(env, "AUDIT_CHAIN_SHARDS", 16),
            audit_signing_key_id=env.get("AUDIT_SIGNING_KEY_ID", ""),
        )


def _client_limits(env: Mapping[str, str]) -> ClientLimitPolicy:
    floor = ClientLimitPolicy()
    window = _positive_int(env, "CLIENT_LIMIT_WINDOW_SECONDS", floor.registrations_per_ip.window_seconds)
    lockout_cap = _positive_int(
        env, "LOGIN_LOCKOUT_MAX_SECONDS", floor.failed_logins_per_email_and_ip.max_lockout_seconds
    )

    def per_window(name: str, default: Limit) -> Limit:
        return Limit(_positive_int(env, name, default.attempts), window)

    pair = per_window("FAILED_LOGINS_PER_EMAIL_AND_IP", floor.failed_logins_per_email_and_ip)
    return ClientLimitPolicy(
        registrations_per_ip=per_window("REGISTRATIONS_PER_IP", floor.registrations_per_ip),
        guest_tokens_per_ip=per_window("GUEST_TOKENS_PER_IP", floor.guest_tokens_per_ip),
        failed_logins_per_ip=per_window("FAILED_LOGINS_PER_IP", floor.failed_logins_per_ip),
        failed_logins_per_email_and_ip=Limit(pair.attempts, window, max(lockout_cap, window)),
    )


@cache
def settings() -> Settings:
    """The process's settings, read once (cold start)."""
    return Settings.from_env()
