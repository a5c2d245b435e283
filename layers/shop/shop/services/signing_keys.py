"""The ES256 keys of access tokens: a private ring for the issuers, a public one for the verifiers.

The private ring lives in a secret only the token-issuing functions can read:
`{"keys": [{"kid": ..., "private_key_pem": ..., "active_from": <epoch s>}]}`. Its public half is
published as a JWKS (RFC 7517) in a second secret, which is all the authorizer and the JWKS route
ever load, so a verifier that is compromised or confused cannot sign anything.

Rotation needs no coordinated switch: a new key is published at once but becomes active only
`PUBLISH_AHEAD_SECONDS` later, longer than any verifier caches the public ring, so no verifier
meets a kid it does not know. The old key stays published until every token it signed has expired.

cryptography is imported where a key is parsed, made or written, not at cold start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

PUBLISH_AHEAD_SECONDS = 600  # > the verifiers' cache (CachedKeyRing's 300 s) with room to spare
RETIRE_MARGIN_SECONDS = 120  # > the verifiers' clock-skew leeway
Ring = TypeVar("Ring")


class SecretStore(Protocol):
    def read(self, secret_id: str) -> str | None:
        """The secret's current value, or None if it has none yet."""
        ...

    def write(self, secret_id: str, value: str) -> None: ...


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def public_jwk(kid: str, key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
        "kid": kid,
        "alg": "ES256",
        "use": "sig",
    }


def _thumbprint(key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 thumbprint: a kid derived from the key itself, stable and collision-free."""
    jwk = public_jwk("", key)
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )


@dataclass(frozen=True)
class PublicKeyRing:
    """What verifiers know: public keys by kid."""

    keys: Mapping[str, ec.EllipticCurvePublicKey]

    @classmethod
    def from_jwks(cls, text: str) -> PublicKeyRing:
        """Parse a JWKS; ValueError unless every key is an EC P-256 signing key with a kid."""
        from cryptography.hazmat.primitives.asymmetric import ec

        keys: dict[str, ec.EllipticCurvePublicKey] = {}
        for jwk in json.loads(text)["keys"]:
            if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or not jwk.get("kid"):
                raise ValueError("verification keys must be EC P-256 with a kid")
            numbers = ec.EllipticCurvePublicNumbers(
                _b64url_int(jwk["x"]), _b64url_int(jwk["y"]), ec.SECP256R1()
            )
            keys[str(jwk["kid"])] = numbers.public_key()
        if not keys:
            raise ValueError("the verification key set is empty")
        return cls(keys)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [public_jwk(kid, key) for kid, key in self.keys.items()]}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey
    active_from: int

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


def new_signing_key(active_from: int) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return SigningKey(_thumbprint(key.public_key()), key, active_from)


@dataclass(frozen=True)
class KeyRing:
    """The issuers' ring, oldest key first."""

    keys: tuple[SigningKey, ...]

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        """Parse the private secret; ValueError unless every key is a P-256 private key."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        doc: dict[str, Any] = json.loads(text)
        keys = []
        for item in doc["keys"]:
            key = serialization.load_pem_private_key(item["private_key_pem"].encode(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError("signing keys must be EC P-256")
            keys.append(SigningKey(str(item["kid"]), key, int(item.get("active_from", 0))))
        if not keys:
            raise ValueError("the signing key ring is empty")
        return cls(tuple(sorted(keys, key=lambda k: k.active_from)))

    def to_json(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return json.dumps(
            {
                "keys": [
                    {
                        "kid": key.kid,
                        "active_from": key.active_from,
                        "private_key_pem": key.private_key.private_bytes(
                            serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption(),
                        ).decode(),
                    }
                    for key in self.keys
                ]
            }
        )

    def active(self, now: float) -> SigningKey:
        """The newest key already active (the oldest if none is yet, as on the very first deploy)."""
        ready = [key for key in self.keys if key.active_from <= now]
        return ready[-1] if ready else self.keys[0]

    def key(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    def public(self) -> PublicKeyRing:
        return PublicKeyRing({key.kid: key.public_key for key in self.keys})

    def rotated(self, now: int, token_lifetime: int) -> KeyRing:
        """A new key, active after PUBLISH_AHEAD_SECONDS; keys whose every token has expired dropped."""
        newest = new_signing_key(now + PUBLISH_AHEAD_SECONDS)
        kept = [key for key in self.keys if not self._retired(key, now, token_lifetime)]
        return KeyRing((*kept, newest))

    def _retired(self, key: SigningKey, now: int, token_lifetime: int) -> bool:
        """Superseded long enough ago that no token it signed can still be valid."""
        successors = [k.active_from for k in self.keys if k.active_from > key.active_from]
        return bool(successors) and min(successors) + token_lifetime + RETIRE_MARGIN_SECONDS < now


def first_key_ring(now: int) -> KeyRing:
    """A new stack's ring: one key, active at once (no verifier has cached anything yet)."""
    return KeyRing((new_signing_key(now),))


def ensure_signing_keys(
    store: SecretStore,
    private_id: str,
    public_id: str,
    now: int,
    rotate: bool = False,
    token_lifetime: int = 0,
) -> str:
    """Give the private secret a ring if it has none (keep a valid one), rotate it if asked, and
    (re)publish its public half. Returns the kid that signs from now on."""
    existing = store.read(private_id)
    ring = KeyRing.from_json(existing) if existing else first_key_ring(now)
    if existing and rotate:
        ring = ring.rotated(now, token_lifetime)
    if not existing or rotate:
        store.write(private_id, ring.to_json())
    store.write(public_id, json.dumps(ring.public().jwks()))
    return ring.active(now).kid


class CachedKeyRing(Generic[Ring]):
    """A ring, read from its secret at most every `ttl` seconds (and on an unknown kid, at most
    every `miss_interval` seconds, so a flood of bogus kids cannot hammer Secrets Manager)."""

    def __init__(
        self,
        load: Callable[[], Ring],
        has_kid: Callable[[Ring, str], bool],
        ttl: float = 300.0,
        miss_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self._has_kid = load, has_kid
        self._ttl, self._miss_interval, self._clock = ttl, miss_interval, clock
        self._ring: Ring | None = None
        self._loaded_at = 0.0

    def current(self) -> Ring:
        if self._ring is None or self._clock() - self._loaded_at >= self._ttl:
            self._reload()
        assert self._ring is not None
        return self._ring

    def knowing(self, kid: str) -> Ring:
        """The ring, reloaded first if it does not know `kid` and the last load is old enough."""
        ring = self.current()
        if not self._has_kid(ring, kid) and self._clock() - self._loaded_at >= self._miss_interval:
            self._reload()
            ring = self.current()
        return ring

    def _reload(self) -> None:
        self._ring = self._load()
        self._loaded_at = self._clock()
