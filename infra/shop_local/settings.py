"""The local shop's own settings (`SHOP_*`), checked before anything starts.

A typo in a port must stop `make run` at once with one line that names the variable and the bad
value, not a traceback from deep inside a socket call half-way through start-up. Some settings set
a parameter of template.yaml (PARAMETER_SETTINGS), as `--parameter-overrides` would on AWS.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field


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
        of_unit = f" of {unit}" if unit else ""
        raise SettingsError(f"{name} must be a whole number{of_unit} {low}-{high}, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ParameterSetting:
    """A SHOP_* variable that sets one parameter of template.yaml for the local stack. Unset, the
    parameter keeps the template's Default; the bounds lie within the parameter's own, so a value
    that passes here never fails provisioning half-way through start-up."""

    variable: str
    parameter: str
    low: int
    high: int
    unit: str = "seconds"

    def read(self, env: Mapping[str, str]) -> str | None:
        if not env.get(self.variable, "").strip():
            return None
        return str(_bounded_int(env, self.variable, 0, self.low, self.high, self.unit))


_PER_CLIENT = 10_000_000
PARAMETER_SETTINGS = (
    ParameterSetting("SHOP_ACCESS_TOKEN_TTL_SECONDS", "AccessTokenTtlSeconds", 60, 3600),
    ParameterSetting("SHOP_REFRESH_TOKEN_TTL_SECONDS", "RefreshTokenTtlSeconds", 3600, 31_536_000),
    ParameterSetting("SHOP_RESERVATION_TTL_SECONDS", "ReservationTtlSeconds", 1, 86_400),
    ParameterSetting("SHOP_REGISTRATIONS_PER_IP", "RegistrationsPerIp", 1, _PER_CLIENT, ""),
    ParameterSetting("SHOP_GUEST_TOKENS_PER_IP", "GuestTokensPerIp", 1, _PER_CLIENT, ""),
    ParameterSetting("SHOP_FAILED_LOGINS_PER_IP", "FailedLoginsPerIp", 1, _PER_CLIENT, ""),
    ParameterSetting("SHOP_FAILED_LOGINS_PER_EMAIL_AND_IP", "FailedLoginsPerEmailAndIp", 1, _PER_CLIENT, ""),
    ParameterSetting("SHOP_CLIENT_LIMIT_WINDOW_SECONDS", "ClientLimitWindowSeconds", 60, 86_400),
    ParameterSetting("SHOP_LOGIN_LOCKOUT_MAX_SECONDS", "LoginLockoutMaxSeconds", 60, 604_800),
    ParameterSetting("SHOP_AUDIT_CHAIN_SHARDS", "AuditChainShards", 1, 1024, ""),
)
# Parameters with no SHOP_* setting: the local stack does not emulate what they steer (stage
# throttling, WAF, reserved concurrency, the stage's name, the sender of mails nobody receives,
# log retention, deletion protection, alarm mail), or has its own way (`make rotate-signing-key`
# rather than SigningKeyGeneration).
AWS_ONLY_PARAMETERS = frozenset(
    {
        "SigningKeyGeneration",
        "StageName",
        "MailFrom",
        "ApiThrottlingRateLimit",
        "ApiThrottlingBurstLimit",
        "AuthThrottlingRateLimit",
        "AuthThrottlingBurstLimit",
        "EnableWaf",
        "WafRequestsPerIpPer5Minutes",
        "OriginShieldRegion",
        "AuthorizerReservedConcurrency",
        "LoginConcurrencyLimit",
        "RegisterConcurrencyLimit",
        "LogRetentionDays",
        "DeletionProtection",
        "AlarmEmail",
    }
)
# What the local stack gives the parameters that have no Default (on AWS, `sam deploy --guided`
# asks for them): the sender of the mails that land in the emulator's mailbox (GET /_aws/ses).
LOCAL_PARAMETER_VALUES = {"MailFrom": "orders@shop.local"}


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
    """What `python -m shop_local run` needs, and the template parameters it provisions with."""

    host: str = "127.0.0.1"
    port: int = 3000
    emulator_port: int = 4566
    seed: bool = True
    # Tests only: the first N stock-moving TransactWriteItems of the shop fail as TransactionConflict
    # (DynamoDB Local never raises it), to prove over HTTP that checkout retries them.
    inject_transaction_conflicts: int = 0
    # Only the parameters a SHOP_* variable set (PARAMETER_SETTINGS); the others keep their Default.
    template_parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalSettings:
        env = os.environ if env is None else env
        given = {setting.parameter: setting.read(env) for setting in PARAMETER_SETTINGS}
        settings = cls(
            host=_host(env, "SHOP_HOST", "127.0.0.1"),
            port=_port(env, "SHOP_PORT", 3000),
            emulator_port=_port(env, "SHOP_EMULATOR_PORT", 4566),
            seed=_flag(env, "SHOP_SEED", True),
            inject_transaction_conflicts=_bounded_int(
                env, "SHOP_INJECT_TRANSACTION_CONFLICTS", 0, 0, 100_000, "transactions"
            ),
            template_parameters={name: value for name, value in given.items() if value is not None},
        )
        if settings.port == settings.emulator_port:
            raise SettingsError(f"SHOP_PORT and SHOP_EMULATOR_PORT must differ, both are {settings.port}")
        return settings
