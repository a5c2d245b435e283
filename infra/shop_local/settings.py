"""The local shop's own settings (`SHOP_*`), checked before anything starts.

A typo in a port must stop `make run` at once with one line that names the variable and the bad
value, not a traceback from deep inside a socket call half-way through start-up.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A SHOP_* variable is malformed; the message is the one line to show the user."""


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name} must be a port number 1-65535, got {raw!r}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw not in {"0", "1"}:
        raise SettingsError(f"{name} must be 0 or 1, got {raw!r}")
    return raw == "1"


def _bounded_int(
    env: Mapping[str, str], name: str, default: int, low: int, high: int, unit: str = "seconds"
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be a whole number of {unit} {low}-{high}, got {raw!r}")
    return int(raw)


def _count(env: Mapping[str, str], name: str) -> int | None:
    """A per-client limit, or None to keep the template parameter's default."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000_000:
        raise SettingsError(f"{name} must be a whole number 1-10000000, got {raw!r}")
    return int(raw)


def _host(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw == "localhost":
        return raw
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an IP address such as 127.0.0.1, got {raw!r}") from None
    return raw


@dataclass(frozen=True)
class LocalSettings:
    """What `python -m shop_local run` needs; the TTL bounds are the template parameter's."""

    host: str = "127.0.0.1"
    port: int = 3000
    emulator_port: int = 4566
    seed: bool = True
    access_token_ttl_seconds: int = 900
    # Tests only: the first N stock-moving TransactWriteItems of the shop fail as TransactionConflict
    # (DynamoDB Local never raises it), to prove over HTTP that checkout retries them.
    inject_transaction_conflicts: int = 0
    # Per-client-IP limits (None: the template's defaults). A test suite that makes more
    # registrations, guest tokens or failed logins from 127.0.0.1 than a client would raises them.
    registrations_per_ip: int | None = None
    guest_tokens_per_ip: int | None = None
    failed_logins_per_ip: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalSettings:
        env = os.environ if env is None else env
        settings = cls(
            host=_host(env, "SHOP_HOST", "127.0.0.1"),
            port=_port(env, "SHOP_PORT", 3000),
            emulator_port=_port(env, "SHOP_EMULATOR_PORT", 4566),
            seed=_flag(env, "SHOP_SEED", True),
            access_token_ttl_seconds=_bounded_int(env, "SHOP_ACCESS_TOKEN_TTL_SECONDS", 900, 60, 3600),
            inject_transaction_conflicts=_bounded_int(
                env, "SHOP_INJECT_TRANSACTION_CONFLICTS", 0, 0, 100_000, "transactions"
            ),
            registrations_per_ip=_count(env, "SHOP_REGISTRATIONS_PER_IP"),
            guest_tokens_per_ip=_count(env, "SHOP_GUEST_TOKENS_PER_IP"),
            failed_logins_per_ip=_count(env, "SHOP_FAILED_LOGINS_PER_IP"),
        )
        if settings.port == settings.emulator_port:
            raise SettingsError(f"SHOP_PORT and SHOP_EMULATOR_PORT must differ, both are {settings.port}")
        return settings

    @property
    def template_parameters(self) -> dict[str, str]:
        limits = {
            "RegistrationsPerIp": self.registrations_per_ip,
            "GuestTokensPerIp": self.guest_tokens_per_ip,
            "FailedLoginsPerIp": self.failed_logins_per_ip,
        }
        given = {name: str(value) for name, value in limits.items() if value is not None}
        return {"AccessTokenTtlSeconds": str(self.access_token_ttl_seconds), **given}
