"""ES256 access tokens (RFC 7519, hardened as RFC 8725 says).

The verifier pins the algorithm to ES256 and looks the key up by `kid` in our own key ring, so a
token cannot pick its algorithm (`none`, HS256 keyed with the public key) or bring its own key.
Every claim is required; `typ` separates access tokens from anything else we might sign later.
Imported by the authorizer, so this module stays light: pyjwt and cryptography, no pydantic.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any, cast

import jwt

from shop.domain.tokens import TOKEN_ROLES, AccessClaims, IssuedAccessToken, TokenRole
from shop.errors import InvalidToken
from shop.services.signing_keys import CachedKeyRing

ALGORITHM = "ES256"
ACCESS_TYPE = "access"
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "role", "typ", "jti"]


class JwtAccessTokens:
    def __init__(
        self,
        keys: CachedKeyRing,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys, self._issuer, self._audience = keys, issuer, audience
        self._ttl, self._clock = ttl_seconds, clock

    def issue(self, subject: str, role: TokenRole) -> IssuedAccessToken:
        now = int(self._clock())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "role": role,
            "typ": ACCESS_TYPE,
            "iat": now,
            "exp": now + self._ttl,
            "jti": secrets.token_urlsafe(16),
        }
        key = self._keys.current().active
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
        return IssuedAccessToken(token=token, expires_in=self._ttl)

    def verify(self, token: str) -> AccessClaims:
        """The token's claims if it is a valid, current access token of ours; InvalidToken otherwise."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken()
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if header.get("alg") != ALGORITHM or not isinstance(kid, str):
                raise InvalidToken()
            key = self._keys.key(kid)
            if key is None:
                raise InvalidToken()
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True, "strict_aud": True},
                leeway=0,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        verified = _claims(claims)
        if verified.expires_at <= self._clock():  # pyjwt checked the wall clock; this is ours
            raise InvalidToken()
        return verified


def _claims(claims: dict[str, Any]) -> AccessClaims:
    sub, role, jti = claims["sub"], claims["role"], claims["jti"]
    if claims["typ"] != ACCESS_TYPE or role not in TOKEN_ROLES:
        raise InvalidToken()
    if not isinstance(sub, str) or not sub or not isinstance(jti, str):
        raise InvalidToken()
    if not isinstance(claims["iat"], int) or not isinstance(claims["exp"], int):
        raise InvalidToken()
    return AccessClaims(
        subject=sub,
        role=cast(TokenRole, role),
        issued_at=claims["iat"],
        expires_at=claims["exp"],
        token_id=jti,
    )
