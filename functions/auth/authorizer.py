"""The API Gateway Lambda authorizer behind BearerAuth (TOKEN) and OptionalAuth (REQUEST).

A valid access token of a user who still holds its role and access version is allowed on the whole
stage (API Gateway caches the answer per token, for every route), with the caller's id and role as
context for the route functions. It reads public keys only; it can verify tokens, never sign one. A missing token
on OptionalAuth is allowed as "anonymous"; a bad token is always refused, with exactly the
exception text API Gateway turns into a 401. Kept cheap at cold start: no pydantic, no resolver.
"""

from __future__ import annotations

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Any

from shop.bootstrap import build_token_admission
from shop.errors import InvalidToken
from shop.observability import count, logger, observed

admission = build_token_admission()


def _header(headers: dict[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name and isinstance(value, str) and value.strip():
            return value
    return None


def _bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken()
    return token.strip()


def _stage_arn(method_arn: str) -> str:
    """`arn:...:api-id/stage/GET/auth/me` -> `arn:...:api-id/stage/*/*`."""
    parts = method_arn.split("/")
    if len(parts) < 2 or not parts[0].startswith("arn:") or not parts[1]:
        raise InvalidToken()
    return f"{parts[0]}/{parts[1]}/*/*"


def _allow(principal_id: str, method_arn: str, user_id: str, role: str) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _stage_arn(method_arn)}
            ],
        },
        "context": {"user_id": user_id, "role": role},
    }


@observed
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method_arn = str(event.get("methodArn") or "")
    try:
        if event.get("type") == "TOKEN":
            header = str(event.get("authorizationToken") or "")
        else:
            found = _header(event.get("headers"), "authorization")
            if found is None:
                return _allow("anonymous", method_arn, "", "anonymous")
            header = found
        claims = admission.admit(_bearer_token(header))
        return _allow(claims.subject, method_arn, claims.subject, claims.role)
    except InvalidToken:
        logger.info("access token refused")  # never the token itself
        count("AccessTokensRefused")
        raise Exception("Unauthorized") from None  # API Gateway answers exactly this with 401
