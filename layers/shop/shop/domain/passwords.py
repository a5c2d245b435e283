"""Password hashing with Argon2id (OWASP minimum: 19 MiB, 2 passes, 1 lane).

Hashes are PHC strings that carry their own parameters, so the parameters can be raised later:
old hashes still verify, and `needs_rehash` tells when to store a stronger one after a login.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id


@dataclass(frozen=True)
class Argon2Params:
    memory_cost_kib: int = 19456
    iterations: int = 2
    lanes: int = 1
    salt_bytes: int = 16
    hash_bytes: int = 32


CURRENT = Argon2Params()
_LIMIT = Argon2Params(memory_cost_kib=1024 * 1024, iterations=64, lanes=8, salt_bytes=64, hash_bytes=64)


def _argon2id(salt: bytes, params: Argon2Params) -> Argon2id:
    """Imported on first use, so that a function that never hashes a password does not load it."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(
        salt=salt,
        length=params.hash_bytes,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_cost_kib,
    )


def hash_password(password: str, params: Argon2Params = CURRENT) -> str:
    return _argon2id(os.urandom(params.salt_bytes), params).derive_phc_encoded(password.encode())


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _parse(encoded: str) -> tuple[Argon2Params, bytes, bytes]:
    """Read a `$argon2id$v=19$m=..,t=..,p=..$salt$hash` string; ValueError if it is anything else."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[1] != "argon2id" or parts[2] != "v=19":
        raise ValueError("not an argon2id v19 PHC string")
    fields = dict(pair.split("=", 1) for pair in parts[3].split(","))
    salt, digest = _b64(parts[4]), _b64(parts[5])
    params = Argon2Params(int(fields["m"]), int(fields["t"]), int(fields["p"]), len(salt), len(digest))
    if not (8 <= params.salt_bytes <= _LIMIT.salt_bytes and 16 <= params.hash_bytes <= _LIMIT.hash_bytes):
        raise ValueError("salt or hash length out of range")
    if params.memory_cost_kib > _LIMIT.memory_cost_kib or params.iterations > _LIMIT.iterations:
        raise ValueError("parameters out of range")
    return params, salt, digest


def verify_password(password: str, encoded: str) -> bool:
    """Recompute with the stored parameters and compare in constant time; a malformed hash never matches."""
    try:
        params, salt, expected = _parse(encoded)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(_argon2id(salt, params).derive(password.encode()), expected)


def needs_rehash(encoded: str, params: Argon2Params = CURRENT) -> bool:
    """True when a stored hash is weaker than today's parameters (or unreadable)."""
    try:
        stored, _, _ = _parse(encoded)
    except (ValueError, KeyError):
        return True
    return (
        stored.memory_cost_kib < params.memory_cost_kib
        or stored.iterations < params.iterations
        or stored.salt_bytes < params.salt_bytes
        or stored.hash_bytes < params.hash_bytes
    )


def new_decoy_hash(params: Argon2Params = CURRENT) -> str:
    """A hash with today's parameters for unknown emails to be checked against: a random salt and a
    random digest, which no password derives to. Checking a password against it costs exactly what
    checking one against a real hash costs; building it costs nothing (no Argon2 run at cold start).
    Built once, with the service: a decoy per request would make it easy to tell apart."""

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode().rstrip("=")

    cost = f"m={params.memory_cost_kib},t={params.iterations},p={params.lanes}"
    salt, digest = os.urandom(params.salt_bytes), os.urandom(params.hash_bytes)
    return f"$argon2id$v=19${cost}${b64(salt)}${b64(digest)}"


def spend_verification_time(password: str, decoy_hash: str) -> None:
    """Do the work of one verification for an unknown email, so timing does not tell which emails exist."""
    verify_password(password, decoy_hash)
