"""Lambda authorizers as API Gateway runs them: identity source checks, the call, the result cache.

API Gateway caches the authorizer's *answer* (the policy and context) per identity for
ReauthorizeEvery seconds and checks the cached policy against each new method ARN; a token that is
missing (TOKEN type) never reaches the function. The function refuses a caller by failing with the
exact message "Unauthorized" (401); any other failure (a crash, a timeout) is API Gateway's
AUTHORIZER_FAILURE, a 500, so that an outage of the authorizer is never mistaken for a bad token.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from shop_local.api_gateway.policies import (
    AuthorizerAnswer,
    AuthorizerConfigurationError,
    Verdict,
    read_answer,
)

Invoke = Callable[[str, dict[str, Any]], Any]


class Outcome(Enum):
    ALLOW = "allow"
    UNAUTHORIZED = "UNAUTHORIZED"
    ACCESS_DENIED = "ACCESS_DENIED"
    CONFIGURATION_ERROR = "AUTHORIZER_CONFIGURATION_ERROR"
    FAILURE = "AUTHORIZER_FAILURE"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    context: dict[str, Any] = field(default_factory=dict)  # principalId, integrationLatency, context
    message: str = "Unauthorized"


@dataclass(frozen=True)
class AuthorizerConfig:
    """One entry of an Api's Auth.Authorizers (SAM's Lambda authorizer syntax)."""

    name: str
    function_id: str
    kind: str  # "TOKEN" or "REQUEST"
    ttl_seconds: int = 300
    token_header: str = "Authorization"  # noqa: S105 - a header name
    validation_expression: str | None = None
    identity_headers: tuple[str, ...] = ()
    identity_query: tuple[str, ...] = ()


def _function_id(arn: Any) -> str:
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        target = arn["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    raise ValueError(f"authorizer FunctionArn must be !GetAtt <Function>.Arn, got {arn!r}")


def template_authorizers(template: dict[str, Any], api_id: str) -> dict[str, AuthorizerConfig]:
    api = ((template.get("Resources") or {}).get(api_id) or {}).get("Properties") or {}
    configs = {}
    for name, raw in ((api.get("Auth") or {}).get("Authorizers") or {}).items():
        identity = raw.get("Identity") or {}
        configs[name] = AuthorizerConfig(
            name=name,
            function_id=_function_id(raw.get("FunctionArn")),
            kind=str(raw.get("FunctionPayloadType", "TOKEN")).upper(),
            ttl_seconds=int(identity.get("ReauthorizeEvery", 300)),
            token_header=str(identity.get("Header", "Authorization")),
            validation_expression=identity.get("ValidationExpression"),
            identity_headers=tuple(identity.get("Headers") or ()),
            identity_query=tuple(identity.get("QueryStrings") or ()),
        )
    return configs


def _lookup(values: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in values.items() if k.lower() == wanted), None)


class Authorizers:
    """Decides requests for every authorizer of one API; thread-safe, clock injectable for tests."""

    def __init__(
        self,
        configs: dict[str, AuthorizerConfig],
        invoke: Invoke,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configs, self._invoke, self._clock = configs, invoke, clock
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerAnswer]] = {}
        self._lock = threading.Lock()

    def decide(
        self,
        name: str,
        method_arn: str,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        request_event: Callable[[], dict[str, Any]],
    ) -> Decision:
        config = self._configs.get(name)
        if config is None:
            return Decision(Outcome.CONFIGURATION_ERROR, message=f"no authorizer {name!r} on this API")
        if config.kind == "TOKEN":
            token = _lookup(headers, config.token_header)
            if not token or (
                config.validation_expression and not re.fullmatch(config.validation_expression, token)
            ):
                return Decision(Outcome.UNAUTHORIZED)
            identity: tuple[str, ...] = (token,)
            event = lambda: {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}  # noqa: E731
        else:
            found = [_lookup(headers, h) for h in config.identity_headers]
            found += [query.get(q) for q in config.identity_query]
            if config.ttl_seconds > 0 and (not found or not all(found)):
                return Decision(Outcome.UNAUTHORIZED)
            identity = tuple(value or "" for value in found)
            event = request_event
        return self._answer(config, identity, event, method_arn)

    def _answer(
        self,
        config: AuthorizerConfig,
        identity: tuple[str, ...],
        event: Callable[[], dict[str, Any]],
        method_arn: str,
    ) -> Decision:
        key = (config.name, identity)
        latency = 0
        answer = self._cached(key) if config.ttl_seconds > 0 else None
        if answer is None:
            started = self._clock()
            try:
                answer = read_answer(self._invoke(config.function_id, event()))
            except AuthorizerConfigurationError as exc:
                return Decision(Outcome.CONFIGURATION_ERROR, message=str(exc))
            except Exception as exc:  # noqa: BLE001 - a refusal or a crash, told apart as API Gateway does
                return Decision(Outcome.UNAUTHORIZED if _is_refusal(exc) else Outcome.FAILURE)
            latency = int((self._clock() - started) * 1000)
            if config.ttl_seconds > 0:
                with self._lock:
                    self._cache[key] = (self._clock() + config.ttl_seconds, answer)
        verdict = answer.verdict(method_arn)
        if verdict is Verdict.EXPLICIT_DENY:
            message = "User is not authorized to access this resource with an explicit deny"
            return Decision(Outcome.ACCESS_DENIED, message=message)
        if verdict is Verdict.DENY:
            return Decision(Outcome.ACCESS_DENIED, message="User is not authorized to access this resource")
        context = {"principalId": answer.principal_id, "integrationLatency": latency, **answer.context}
        return Decision(Outcome.ALLOW, context=context)

    def _cached(self, key: tuple[str, tuple[str, ...]]) -> AuthorizerAnswer | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._cache[key]
                return None
            return entry[1]


def _is_refusal(exc: BaseException) -> bool:
    """API Gateway's own rule: an authorizer refuses by failing with exactly "Unauthorized"."""
    raised = exc.__cause__ if exc.__cause__ is not None else exc
    return type(raised) is Exception and str(raised) == "Unauthorized"
