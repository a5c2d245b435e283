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

from shop.adapters.token_signer import (
    LEEWAY_SECONDS,
    REQUIRED_CLAIMS,
    JwtAccessTokens,
    JwtAccessTokenVerifier,
    public_keys,
)
from shop.errors import InvalidToken
from shop.services.signing_keys import (
    PUBLISH_AHEAD_SECONDS,
    CachedKeyRing,
    KeyRing,
    PublicKeyRing,
    first_key_ring,
)

ISS, AUD = "serverless-shop", "serverless-shop-api"
RING = first_key_ring(0)
ACTIVE = RING.active(0)
KID = ACTIVE.kid
ISSUER = JwtAccessTokens(
    CachedKeyRing(lambda: RING, lambda ring, kid: ring.key(kid) is not None), ISS, AUD, 900
)
PUBLIC = PublicKeyRing.from_jwks(json.dumps(RING.public().jwks()))
VERIFIER = JwtAccessTokenVerifier(
    public_keys(CachedKeyRing(lambda: PUBLIC, lambda r, kid: kid in r.keys)), ISS, AUD
)


def ring_cache(load: Any, clock: dict[str, float]) -> CachedKeyRing[KeyRing]:
    return CachedKeyRing(load, lambda ring, kid: ring.key(kid) is not None, 300, 30, lambda: clock["now"])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value).encode())


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISS, "aud": AUD, "sub": "u_1", "role": "customer", "typ": "at+jwt", "ver": 0,
        "iat": now, "exp": now + 600, "jti": "j1",
    }  # fmt: skip
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(
        payload,
        ACTIVE.private_key,
        algorithm="ES256",
        headers={"kid": KID, "typ": "at+jwt"} if headers is None else headers,
    )


def rejected(token: str) -> bool:
    try:
        VERIFIER.verify(token)
    except InvalidToken:
        return True
    return False


def test_a_well_formed_token_is_accepted() -> None:
    issued = ISSUER.issue("u_42", "admin", 3)
    verified = VERIFIER.verify(issued.token)
    assert (verified.subject, verified.role, verified.version, issued.expires_in) == ("u_42", "admin", 3, 900)
    header = jwt.get_unverified_header(issued.token)
    assert (header["alg"], header["kid"], header["typ"]) == ("ES256", KID, "at+jwt")
    assert set(jwt.decode(issued.token, options={"verify_signature": False})) == set(REQUIRED_CLAIMS)
    assert not rejected(signed(claims()))


def test_alg_none_is_rejected() -> None:
    for alg in ("none", "None", "NONE"):
        token = f"{segment({'alg': alg, 'typ': 'JWT', 'kid': KID})}.{segment(claims(role='admin'))}."
        assert rejected(token)


def test_hs256_signed_with_the_public_key_is_rejected() -> None:
    """Algorithm confusion: the public key PEM used as an HMAC secret."""
    pem = ACTIVE.public_key.public_bytes(
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
        {"exp": int(time.time()) - LEEWAY_SECONDS - 1},
        {"iat": int(time.time()) + 3600},
        {"typ": "refresh"},
        {"typ": "access"},
        {"role": "superuser"},
        {"sub": ""},
        {"sub": 42},
        {"ver": -1},
        {"ver": "0"},
        {"ver": True},
    ],
    ids=[
        "iss",
        "aud",
        "aud-list",
        "expired",
        "iat-future",
        "typ",
        "old-typ",
        "role",
        "empty-sub",
        "numeric-sub",
        "negative-ver",
        "string-ver",
        "bool-ver",
    ],
)
def test_wrong_claims_are_rejected(changes: dict[str, Any]) -> None:
    assert rejected(signed(claims(**changes)))


def test_a_tampered_role_breaks_the_signature() -> None:
    head, _, sig = ISSUER.issue("u_1", "customer").token.split(".")
    assert rejected(f"{head}.{segment(claims(role='admin'))}.{sig}")


def test_unknown_or_missing_kid_is_rejected() -> None:
    assert rejected(signed(claims(), headers={"kid": "not-ours", "typ": "at+jwt"}))
    assert rejected(signed(claims(), headers={}))
    head = f"{segment({'alg': 'ES256', 'kid': 7})}.{segment(claims())}"
    signature = ECAlgorithm(ECAlgorithm.SHA256).sign(head.encode(), ACTIVE.private_key)
    assert rejected(f"{head}.{b64(signature)}")


@pytest.mark.parametrize(
    "token", ["", "a.b.c", "a.b", "x" * 5000, "eyJhbGciOiJFUzI1NiJ9.e30.", "Zm9v", "ey.ey.ey"]
)
def test_garbage_and_refresh_tokens_are_rejected(token: str) -> None:
    assert rejected(token)


def test_an_opaque_refresh_token_is_not_an_access_token() -> None:
    from shop.domain.tokens import new_refresh_token

    assert rejected(new_refresh_token())


def test_the_header_must_say_at_jwt() -> None:
    for typ in (None, "JWT", "jwt", "refresh"):
        headers = {"kid": KID} if typ is None else {"kid": KID, "typ": typ}
        assert rejected(signed(claims(), headers=headers))


def test_a_small_clock_skew_is_tolerated() -> None:
    now = int(time.time())
    assert not rejected(signed(claims(exp=now - LEEWAY_SECONDS // 2)))
    assert not rejected(signed(claims(iat=now + LEEWAY_SECONDS // 2)))
    assert rejected(signed(claims(exp=now - LEEWAY_SECONDS - 5)))
    assert rejected(signed(claims(iat=now + LEEWAY_SECONDS + 60)))


def test_rotation_publishes_first_signs_later_and_retires_after_the_last_token_expired() -> None:
    """Verifiers that cache the public keys for 300 s never meet a kid they do not know."""
    start = int(time.time()) - PUBLISH_AHEAD_SECONDS - 10  # pyjwt checks iat against the wall clock
    old = first_key_ring(start - 5000)
    rotated = old.rotated(start, token_lifetime=900)
    new_kid = rotated.keys[-1].kid
    assert [key.kid for key in rotated.keys] == [old.keys[0].kid, new_kid]
    assert set(rotated.public().jwks()["keys"][i]["kid"] for i in (0, 1)) == {old.keys[0].kid, new_kid}
    # the public ring a verifier cached before the rotation: only the old key
    stale_verifier = JwtAccessTokenVerifier(
        public_keys(CachedKeyRing(lambda: old.public(), lambda r, kid: kid in r.keys)), ISS, AUD
    )
    fresh_verifier = JwtAccessTokenVerifier(
        public_keys(CachedKeyRing(lambda: rotated.public(), lambda r, kid: kid in r.keys)), ISS, AUD
    )
    clock = {"now": float(start)}
    issuer = JwtAccessTokens(ring_cache(lambda: rotated, clock), ISS, AUD, 900, clock=lambda: clock["now"])
    by_old = issuer.issue("u_1", "customer").token
    assert jwt.get_unverified_header(by_old)["kid"] == old.keys[0].kid  # not yet: verifiers may be stale
    assert stale_verifier.verify(by_old).subject == fresh_verifier.verify(by_old).subject == "u_1"
    clock["now"] = float(start + PUBLISH_AHEAD_SECONDS)
    by_new = issuer.issue("u_1", "customer").token
    assert jwt.get_unverified_header(by_new)["kid"] == new_kid
    assert fresh_verifier.verify(by_old).subject == "u_1"  # the old key's tokens still verify
    assert fresh_verifier.verify(by_new).subject == "u_1"
    # the next rotation, long after every token of the first key expired, drops it
    later = rotated.rotated(start + PUBLISH_AHEAD_SECONDS + 3600, token_lifetime=900)
    assert old.keys[0].kid not in {key.kid for key in later.keys}
    assert new_kid in {key.kid for key in later.keys}
    # but a rotation right after the first keeps it: its tokens may still be alive
    assert old.keys[0].kid in {key.kid for key in rotated.rotated(start + 60, 900).keys}


def test_the_private_ring_survives_its_secret_and_the_public_ring_has_no_private_key() -> None:
    again = KeyRing.from_json(RING.to_json())
    assert [(k.kid, k.active_from) for k in again.keys] == [(k.kid, k.active_from) for k in RING.keys]
    published = json.dumps(RING.public().jwks())
    assert "private" not in published and '"d"' not in published
    assert PublicKeyRing.from_jwks(published).keys.keys() == {KID}


def test_an_unknown_kid_reloads_the_keys_at_most_once_per_interval() -> None:
    loads = []
    clock = {"now": 0.0}

    def load() -> KeyRing:
        loads.append(clock["now"])
        return RING

    tokens = JwtAccessTokens(ring_cache(load, clock), ISS, AUD, 900)
    bogus = signed(claims(), headers={"kid": "bogus", "typ": "at+jwt"})
    clock["now"] = 31.0
    for _ in range(50):
        assert rejected_by(tokens, bogus)
    assert loads == [31.0]  # the first load; the misses right after it do not reload
    clock["now"] = 62.0
    for _ in range(50):
        assert rejected_by(tokens, bogus)
    assert loads == [31.0, 62.0]  # one reload for a whole flood of misses


def rejected_by(tokens: JwtAccessTokenVerifier, token: str) -> bool:
    try:
        tokens.verify(token)
    except InvalidToken:
        return True
    return False
