"""The access-token verifier against the attacks of RFC 8725 (JWT best current practices).

Every forged token below would be accepted by a verifier that trusts the token's own header;
ours pins ES256, looks keys up by kid in its own ring and requires every claim.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm

from shop.adapters.token_signer import REQUIRED_CLAIMS, JwtAccessTokens
from shop.errors import InvalidToken
from shop.services.signing_keys import CachedKeyRing, KeyRing, new_key_ring_json

ISS, AUD = "serverless-shop", "serverless-shop-api"
RING = KeyRing.from_json(new_key_ring_json())
KID = RING.active.kid
VERIFIER = JwtAccessTokens(CachedKeyRing(lambda: RING), ISS, AUD, 900)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISS, "aud": AUD, "sub": "u_1", "role": "customer", "typ": "access",
        "iat": now, "exp": now + 600, "jti": "j1",
    }  # fmt: skip
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(
        payload,
        RING.active.private_key,
        algorithm="ES256",
        headers={"kid": KID} if headers is None else headers,
    )


def rejected(token: str) -> bool:
    try:
        VERIFIER.verify(token)
    except InvalidToken:
        return True
    return False


def test_a_well_formed_token_is_accepted() -> None:
    issued = VERIFIER.issue("u_42", "admin")
    verified = VERIFIER.verify(issued.token)
    assert (verified.subject, verified.role, issued.expires_in) == ("u_42", "admin", 900)
    header = jwt.get_unverified_header(issued.token)
    assert (header["alg"], header["kid"]) == ("ES256", KID)
    assert set(jwt.decode(issued.token, options={"verify_signature": False})) == set(REQUIRED_CLAIMS)
    assert not rejected(signed(claims()))


def test_alg_none_is_rejected() -> None:
    for alg in ("none", "None", "NONE"):
        token = f"{segment({'alg': alg, 'typ': 'JWT', 'kid': KID})}.{segment(claims(role='admin'))}."
        assert rejected(token)


def test_hs256_signed_with_the_public_key_is_rejected() -> None:
    """Algorithm confusion: the public key PEM used as an HMAC secret."""
    pem = RING.active.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for key in (pem, pem.strip()):
        head = f"{segment({'alg': 'HS256', 'typ': 'JWT', 'kid': KID})}.{segment(claims(role='admin'))}"
        sig = b64(hmac.new(key, head.encode(), hashlib.sha256).digest())
        assert rejected(f"{head}.{sig}")


def test_other_algorithms_and_keys_are_rejected() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p384 = ec.generate_private_key(ec.SECP384R1())
    own_p256 = ec.generate_private_key(ec.SECP256R1())
    assert rejected(jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": KID}))
    assert rejected(jwt.encode(claims(), rsa_key, algorithm="PS256", headers={"kid": KID}))
    assert rejected(jwt.encode(claims(), p384, algorithm="ES384", headers={"kid": KID}))
    assert rejected(jwt.encode(claims(), own_p256, algorithm="ES256", headers={"kid": KID}))
    assert rejected(jwt.encode(claims(), "s" * 32, algorithm="HS256", headers={"kid": KID}))


def test_a_key_embedded_in_the_header_is_ignored() -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    numbers = attacker.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }
    for extra in ({"jwk": jwk}, {"jku": "https://evil.example/jwks.json"}):
        assert rejected(
            jwt.encode(claims(role="admin"), attacker, algorithm="ES256", headers={"kid": KID, **extra})
        )


@pytest.mark.parametrize("missing", REQUIRED_CLAIMS)
def test_every_claim_is_required(missing: str) -> None:
    assert rejected(signed(claims(**{missing: None})))


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"aud": [AUD, "another-api"]},
        {"exp": int(time.time()) - 1},
        {"iat": int(time.time()) + 3600},
        {"typ": "refresh"},
        {"role": "superuser"},
        {"sub": ""},
        {"sub": 42},
    ],
    ids=["iss", "aud", "aud-list", "expired", "iat-future", "typ", "role", "empty-sub", "numeric-sub"],
)
def test_wrong_claims_are_rejected(changes: dict[str, Any]) -> None:
    assert rejected(signed(claims(**changes)))


def test_a_tampered_role_breaks_the_signature() -> None:
    head, _, sig = VERIFIER.issue("u_1", "customer").token.split(".")
    assert rejected(f"{head}.{segment(claims(role='admin'))}.{sig}")


def test_unknown_or_missing_kid_is_rejected() -> None:
    assert rejected(signed(claims(), headers={"kid": "not-ours"}))
    assert rejected(signed(claims(), headers={}))
    head = f"{segment({'alg': 'ES256', 'kid': 7})}.{segment(claims())}"
    signature = ECAlgorithm(ECAlgorithm.SHA256).sign(head.encode(), RING.active.private_key)
    assert rejected(f"{head}.{b64(signature)}")


@pytest.mark.parametrize(
    "token", ["", "a.b.c", "a.b", "x" * 5000, "eyJhbGciOiJFUzI1NiJ9.e30.", "Zm9v", "ey.ey.ey"]
)
def test_garbage_and_refresh_tokens_are_rejected(token: str) -> None:
    assert rejected(token)


def test_an_opaque_refresh_token_is_not_an_access_token() -> None:
    from shop.domain.tokens import new_refresh_token

    assert rejected(new_refresh_token())


def test_tokens_of_a_retired_key_verify_until_it_leaves_the_ring() -> None:
    old, new = KeyRing.from_json(new_key_ring_json()), KeyRing.from_json(new_key_ring_json())
    rotated = KeyRing(active=new.active, keys={**old.keys, **new.keys})
    current = {"ring": old}
    clock = {"now": 0.0}
    keys = CachedKeyRing(lambda: current["ring"], ttl=300, miss_interval=30, clock=lambda: clock["now"])
    tokens = JwtAccessTokens(keys, ISS, AUD, 900)
    by_old = tokens.issue("u_1", "customer").token
    current["ring"] = rotated
    clock["now"] = 301.0
    by_new = tokens.issue("u_1", "customer").token
    assert jwt.get_unverified_header(by_new)["kid"] == new.active.kid
    assert tokens.verify(by_old).subject == tokens.verify(by_new).subject == "u_1"


def test_an_unknown_kid_reloads_the_keys_at_most_once_per_interval() -> None:
    loads = []
    clock = {"now": 0.0}

    def load() -> KeyRing:
        loads.append(clock["now"])
        return RING

    tokens = JwtAccessTokens(
        CachedKeyRing(load, ttl=300, miss_interval=30, clock=lambda: clock["now"]), ISS, AUD, 900
    )
    bogus = signed(claims(), headers={"kid": "bogus"})
    clock["now"] = 31.0
    for _ in range(50):
        assert rejected_by(tokens, bogus)
    assert loads == [31.0]  # the first load; the misses right after it do not reload
    clock["now"] = 62.0
    for _ in range(50):
        assert rejected_by(tokens, bogus)
    assert loads == [31.0, 62.0]  # one reload for a whole flood of misses


def rejected_by(tokens: JwtAccessTokens, token: str) -> bool:
    try:
        tokens.verify(token)
    except InvalidToken:
        return True
    return False
