"""The ES256 keys that sign access tokens, kept in a secret as
`{"active_kid": ..., "keys": [{"kid": ..., "private_key_pem": ...}]}`.

Rotation: add a key and make it active; keep the old one in `keys` until every token it signed
has expired, so verifiers (and the JWKS) still know it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class SecretStore(Protocol):
    def read(self, secret_id: str) -> str | None:
        """The secret's current value, or None if it has none yet."""
        ...

    def write(self, secret_id: str, value: str) -> None: ...


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        numbers = self.public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        }


def _thumbprint(key: ec.EllipticCurvePrivateKey) -> str:
    """RFC 7638 thumbprint: a kid derived from the key itself, stable and collision-free."""
    jwk = SigningKey("", key).public_jwk()
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url(
        hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    )


@dataclass(frozen=True)
class KeyRing:
    active: SigningKey
    keys: dict[str, SigningKey]

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        """Parse the secret; ValueError unless every key is a P-256 private key and the active kid exists."""
        doc: dict[str, Any] = json.loads(text)
        keys = {}
        for item in doc["keys"]:
            key = serialization.load_pem_private_key(item["private_key_pem"].encode(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError("signing keys must be EC P-256")
            keys[str(item["kid"])] = SigningKey(str(item["kid"]), key)
        return cls(active=keys[doc["active_kid"]], keys=keys)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.public_jwk() for key in self.keys.values()]}


def new_key_ring_json() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = _thumbprint(key)
    return json.dumps({"active_kid": kid, "keys": [{"kid": kid, "private_key_pem": pem}]})


def ensure_signing_key(store: SecretStore, secret_id: str) -> str:
    """Give the secret a fresh key if it has no value; keep a valid existing one. Returns the active kid."""
    existing = store.read(secret_id)
    if existing:
        return KeyRing.from_json(existing).active.kid
    value = new_key_ring_json()
    store.write(secret_id, value)
    return KeyRing.from_json(value).active.kid


class CachedKeyRing:
    """The key ring, read from its secret at most every `ttl` seconds (and on an unknown kid,
    at most every `miss_interval` seconds, so a flood of bogus kids cannot hammer Secrets Manager)."""

    def __init__(
        self,
        load: Callable[[], KeyRing],
        ttl: float = 300.0,
        miss_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load, self._ttl, self._miss_interval, self._clock = load, ttl, miss_interval, clock
        self._ring: KeyRing | None = None
        self._loaded_at = 0.0

    def current(self) -> KeyRing:
        if self._ring is None or self._clock() - self._loaded_at >= self._ttl:
            self._reload()
        assert self._ring is not None
        return self._ring

    def key(self, kid: str) -> SigningKey | None:
        ring = self.current()
        if kid not in ring.keys and self._clock() - self._loaded_at >= self._miss_interval:
            self._reload()
            ring = self.current()
        return ring.keys.get(kid)

    def _reload(self) -> None:
        self._ring = self._load()
        self._loaded_at = self._clock()
