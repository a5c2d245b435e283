"""How API Gateway reads a Lambda authorizer's answer: the IAM policy and the context it passes on.

Kept apart from the authorizer calls so that the rules (explicit Deny wins, `*` and `?` wildcards in
resources, context values turned into strings) can be tested on their own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any


class AuthorizerConfigurationError(ValueError):
    """The authorizer answered something API Gateway cannot use (a 500, not the caller's fault)."""


class Verdict(Enum):
    ALLOW = "allow"
    DENY = "deny"  # no statement allows: "not authorized"
    EXPLICIT_DENY = "explicit_deny"


@dataclass(frozen=True)
class AuthorizerAnswer:
    """A checked authorizer result; this, not the verdict, is what the cache keeps."""

    principal_id: str
    statements: tuple[dict[str, Any], ...]
    context: dict[str, str]

    def verdict(self, method_arn: str) -> Verdict:
        allowed = False
        for statement in self.statements:
            if not _applies(statement, method_arn):
                continue
            if statement.get("Effect") == "Deny":
                return Verdict.EXPLICIT_DENY
            allowed = allowed or statement.get("Effect") == "Allow"
        return Verdict.ALLOW if allowed else Verdict.DENY


@cache
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise AuthorizerConfigurationError(
        f"policy Action/Resource must be a string or a list of strings, got {value!r}"
    )


def _applies(statement: dict[str, Any], method_arn: str) -> bool:
    """Action matches execute-api:Invoke (case-insensitive, as IAM actions) and Resource the ARN."""
    actions = _as_list(statement.get("Action", []))
    resources = _as_list(statement.get("Resource", []))
    return any(_pattern(a, True).fullmatch("execute-api:Invoke") for a in actions) and any(
        _pattern(r, False).fullmatch(method_arn) for r in resources
    )


def _context_value(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise AuthorizerConfigurationError(
        f"authorizer context value {key!r} must be a string, number or boolean"
    )


def read_answer(result: Any) -> AuthorizerAnswer:
    """Check an authorizer's return value as API Gateway does; raises AuthorizerConfigurationError."""
    if not isinstance(result, dict):
        raise AuthorizerConfigurationError("the authorizer must return an object")
    principal = result.get("principalId")
    document = result.get("policyDocument")
    if not isinstance(principal, str | int) or not isinstance(document, dict):
        raise AuthorizerConfigurationError("the authorizer's answer needs principalId and policyDocument")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise AuthorizerConfigurationError("policyDocument.Statement must be a list of statements")
    for statement in statements:
        _as_list(statement.get("Action", [])), _as_list(statement.get("Resource", []))
    raw_context = result.get("context") or {}
    if not isinstance(raw_context, dict):
        raise AuthorizerConfigurationError("the authorizer's context must be an object")
    context = {str(k): v for k, raw in raw_context.items() if (v := _context_value(str(k), raw)) is not None}
    return AuthorizerAnswer(str(principal), tuple(statements), context)
