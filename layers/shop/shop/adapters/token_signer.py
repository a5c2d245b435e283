"""ES256 access tokens (RFC 7519, hardened as RFC 8725 says, typed as RFC 9068 says).

The verifier pins the algorithm to ES256 and looks the key up by `kid` in our own key ring, so a
token cannot pick its algorithm (`none`, HS256 keyed with the public key) or bring its own key.
Every claim is required; `typ` (`at+jwt`, in the header and as a claim) separates access tokens
from anything else we might sign later, and `ver` is the user's access version, which a role
change or a disable bumps so that older tokens stop working. Verifiers get public keys only.
Imported by the authorizer, so this module stays light: no pydantic, and pyjwt (with the parts of
cryptography it needs) imported at the first token signed or checked, not at cold start.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from shop.domain.tokens import TOKEN_ROLES, AccessClaims, IssuedAccessToken, TokenRole
from shop.errors import InvalidToken
from shop.services.signing_keys import CachedKeyRing, KeyRing, PublicKeyRing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"
ACCESS_TYPE = "at+jwt"
LEEWAY_SECONDS = 30  # clock skew between the issuing and the verifying machine
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "role", "typ", "jti", "ver"]

PublicKeyLookup = Callable[[str], "ec.EllipticCurvePublicKey | None"]


def public_keys(ring: CachedKeyRing[PublicKeyRing]) -> PublicKeyLookup:
    """A verifier's keys: the published public ring."""
    return lambda kid: ring.knowing(kid).keys.get(kid)


def issuer_public_keys(ring: CachedKeyRing[KeyRing]) -> PublicKeyLookup:
    """An issuer's keys (it checks guest tokens too): the public halves of its own ring."""

    def lookup(kid: str) -> ec.EllipticCurvePublicKey | None:
        key = ring.knowing(kid).key(kid)
        return key.public_key if key is not None else None

    return lookup


class JwtAccessTokenVerifier:
    def __init__(
        self, keys: PublicKeyLookup, issuer: str, audience: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._keys, self._issuer, self._audience, self._clock = keys, issuer, audience, clock

    def verify(self, token: str) -> AccessClaims:
        """The token's claims if it is a valid, current access token of ours; InvalidToken otherwise."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken()
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if header.get("alg") != ALGORITHM or header.get("typ") != ACCESS_TYPE or not isinstance(kid, str):
                raise InvalidToken()
            key = self._keys(kid)
            if key is None:
                raise InvalidToken()
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True, "strict_aud": True},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        verified = _claims(claims)
        now = self._clock()  # pyjwt checked the wall clock; these are ours
        if verified.expires_at + LEEWAY_SECONDS <= now or verified.issued_at - LEEWAY_SECONDS > now:
            raise InvalidToken()
        return verified


class JwtAccessTokens(JwtAccessTokenVerifier):
    """Issues access tokens with the ring's active key (and verifies them, for guest tokens)."""

    def __init__(
        self,
        keys: CachedKeyRing[KeyRing],
        issuer: str,
        audience: str,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(issuer_public_keys(keys), issuer, audience, clock)
        self._ring, self._ttl = keys, ttl_seconds

    def issue(self, subject: str, role: TokenRole, version: int = 0) -> IssuedAccessToken:
        import jwt

        now = int(self._clock())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "role": role,
            "typ": ACCESS_TYPE,
            "ver": version,
            "iat": now,
            "exp": now + self._ttl,
            "jti": secrets.token_urlsafe(16),
        }
        key = self._ring.current().active(now)
        headers = {"kid": key.kid, "typ": ACCESS_TYPE}
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers=headers)
        return IssuedAccessToken(token=token, expires_in=self._ttl)


def _claims(claims: dict[str, Any]) -> AccessClaims:
    sub, role, jti, version = claims["sub"], claims["role"], claims["jti"], claims["ver"]
    if claims["typ"] != ACCESS_TYPE or role not in TOKEN_ROLES:
        raise InvalidToken()
    if not isinstance(sub, str) or not sub or not isinstance(jti, str):
        raise InvalidToken()
    if not isinstance(claims["iat"], int) or not isinstance(claims["exp"], int):
        raise InvalidToken()
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise InvalidToken()
    return AccessClaims(
        subject=sub,
        role=cast(TokenRole, role),
        issued_at=claims["iat"],
        expires_at=claims["exp"],
        token_id=jti,
        version=version,
    )
