"""OWASP API2:2023 Broken Authentication: RFC 8725's attacks on the access token, over HTTP.

Each forged token goes to a BearerAuth route (GET /auth/me), an admin route (GET /admin/users) and
an OptionalAuth route (GET /products), where a bad token must be a 401 too, never a quiet fall-back
to "anonymous". Claim-level attacks are signed with the shop's real key (`forge`), so each one
differs from a token the shop accepts in exactly one respect; a control token proves it.
Then the refresh-token rules (rotation, reuse = theft, logout), and brute force on login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

pytestmark = pytest.mark.e2e
PROBES = ("/auth/me", "/admin/users", "/products")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value) -> str:
    return b64(json.dumps(value).encode())


def refused_everywhere(api, token):
    for path in PROBES:
        answer = api.call("GET", path, token)
        assert api.error(answer) == (401, "UNAUTHORIZED"), (path, answer.status_code, answer.text)


def test_control_a_token_forged_with_the_real_key_and_right_claims_is_accepted(api, world, forge):
    """Without this, every refusal below could be the forge's fault rather than the verifier's merit."""
    token = forge.sign(forge.claims(world.admin_id, "admin"))
    assert api.call("GET", "/admin/users?limit=1", token).status_code == 200


def _claim_attacks(forge, sub):
    now = int(time.time())
    return {
        "expired": forge.claims(sub, "admin", iat=now - 1200, exp=now - 600),
        "expired-past-the-leeway": forge.claims(sub, "admin", exp=now - 31),
        "typ-access": forge.claims(sub, "admin", typ="access"),
        "no-ver": forge.claims(sub, "admin", ver=None),
        "stale-ver": forge.claims(sub, "admin", ver=7),
        "customer-claiming-admin": forge.claims(sub, "customer"),
        "issued-in-the-future": forge.claims(sub, "admin", iat=now + 3600, exp=now + 4200),
        "wrong-iss": forge.claims(sub, "admin", iss="https://evil.example"),
        "wrong-aud": forge.claims(sub, "admin", aud="another-api"),
        "aud-list-with-another": forge.claims(sub, "admin", aud=[forge.audience, "another-api"]),
        "typ-refresh": forge.claims(sub, "admin", typ="refresh"),
        "role-superuser": forge.claims(sub, "superuser"),
        "role-anonymous": forge.claims(sub, "anonymous"),
        "no-exp": forge.claims(sub, "admin", exp=None),
        "no-iss": forge.claims(sub, "admin", iss=None),
        "no-aud": forge.claims(sub, "admin", aud=None),
        "no-sub": forge.claims(sub, "admin", sub=None),
        "no-role": forge.claims(sub, "admin", role=None),
        "empty-sub": forge.claims("", "admin"),
    }


CLAIM_ATTACKS = [
    "expired", "expired-past-the-leeway", "issued-in-the-future", "wrong-iss", "wrong-aud", "aud-list-with-another",
    "typ-refresh", "typ-access", "no-ver", "stale-ver", "customer-claiming-admin", "role-superuser", "role-anonymous", "no-exp", "no-iss", "no-aud", "no-sub", "no-role", "empty-sub",
]  # fmt: skip


@pytest.mark.parametrize("attack", CLAIM_ATTACKS)
def test_a_token_with_one_claim_wrong_is_401(api, world, forge, attack):
    refused_everywhere(api, forge.sign(_claim_attacks(forge, world.admin_id)[attack]))


def test_alg_none_is_401(api, world, forge):
    payload = segment(forge.claims(world.admin_id, "admin"))
    for alg in ("none", "None", "NONE", "nOnE"):
        head = segment({"alg": alg, "typ": "JWT", "kid": forge.kid})
        for signature in ("", b64(b"x")):
            refused_everywhere(api, f"{head}.{payload}.{signature}")


def test_hs256_signed_with_the_published_public_key_is_401(api, world, forge):
    """Algorithm confusion: the JWKS key (as PEM, DER and raw JWK JSON) used as an HMAC secret."""
    jwk = next(k for k in api.call("GET", "/.well-known/jwks.json").json()["keys"] if k["kid"] == forge.kid)
    public = jwt.PyJWK(jwk).key
    secrets = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        json.dumps(jwk).encode(),
    ]
    for alg, digest in (("HS256", hashlib.sha256), ("HS512", hashlib.sha512)):
        head = f"{segment({'alg': alg, 'typ': 'JWT', 'kid': forge.kid})}.{segment(forge.claims(world.admin_id, 'admin'))}"
        for secret in secrets:
            refused_everywhere(api, f"{head}.{b64(hmac.new(secret, head.encode(), digest).digest())}")


def test_other_keys_and_algorithms_are_401(api, world, forge):
    claims = forge.claims(world.admin_id, "admin")
    attacker_p256 = ec.generate_private_key(ec.SECP256R1())
    for key, alg in (
        (attacker_p256, "ES256"),
        (ec.generate_private_key(ec.SECP384R1()), "ES384"),
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        ("a shared secret of thirty-two bytes", "HS256"),
    ):
        refused_everywhere(api, jwt.encode(claims, key, algorithm=alg, headers={"kid": forge.kid}))
    numbers = attacker_p256.public_key().public_numbers()
    embedded = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }
    for extra in (
        {"jwk": embedded},
        {"jku": "https://evil.example/jwks.json"},
        {"x5u": "https://evil.example/c.pem"},
    ):
        refused_everywhere(
            api, jwt.encode(claims, attacker_p256, algorithm="ES256", headers={"kid": forge.kid, **extra})
        )


def test_missing_or_foreign_kid_is_401(api, world, forge):
    claims = forge.claims(world.admin_id, "admin")
    for headers in (
        {},
        {"kid": "not-ours"},
        {"kid": ""},
        {"kid": "../../../etc/passwd"},
        {"kid": forge.kid + "x"},
    ):
        refused_everywhere(api, forge.sign(claims, headers={**headers, "typ": "at+jwt"}))


def test_a_token_not_typed_at_jwt_in_its_header_is_401(api, world, forge):
    claims = forge.claims(world.admin_id, "admin")
    for headers in (
        {"kid": forge.kid},
        {"kid": forge.kid, "typ": "JWT"},
        {"kid": forge.kid, "typ": "access"},
    ):
        refused_everywhere(api, forge.sign(claims, headers=headers))


def test_a_tampered_role_is_401(api, world):
    head, payload, signature = world.bob.access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for role in ("admin", "customer "):
        refused_everywhere(api, f"{head}.{segment(claims | {'role': role})}.{signature}")
    refused_everywhere(api, f"{head}.{segment(claims | {'sub': world.alice.id})}.{signature}")


def test_a_refresh_token_is_not_an_access_token(api):
    account = api.register("refresh-as-bearer")
    refused_everywhere(api, account.refresh)


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer a.b.c", "Bearer ey.ey.ey", "Bearer " + "x" * 8000,
     "Bearer eyJhbGciOiJFUzI1NiJ9.e30.", "Token abc", "Bearer \u00e9t\u00e9"],
)  # fmt: skip
def test_garbage_authorization_headers_are_401(api, header):
    for path in PROBES:
        if path == "/products" and header == "":
            continue  # no token at all on an OptionalAuth route is simply anonymous
        answer = api.call("GET", path, headers={"Authorization": header.encode("utf-8").decode("latin-1")})
        assert api.error(answer) == (401, "UNAUTHORIZED"), (path, header[:20])


def refresh(api, token):
    return api.call("POST", "/auth/refresh", json={"refresh_token": token})


def test_refresh_reuse_is_theft_it_answers_token_reused_and_revokes_the_whole_family(api):
    account = api.register("reuse")
    first = refresh(api, account.refresh)
    assert first.status_code == 200
    second = refresh(api, first.json()["refresh_token"])
    assert second.status_code == 200
    reused = refresh(api, account.refresh)
    assert api.error(reused) == (401, "TOKEN_REUSED")
    assert refresh(api, second.json()["refresh_token"]).status_code == 401  # the family's newest, revoked
    again = refresh(api, first.json()["refresh_token"])
    assert again.status_code == 401
    other_login = api.call("POST", "/auth/login", json={"email": account.email, "password": account.password})
    assert refresh(api, other_login.json()["refresh_token"]).status_code == 200  # another family lives on


def test_logout_revokes_the_family_and_only_it(api):
    account = api.register("logout")
    rotated = refresh(api, account.refresh).json()["refresh_token"]
    other = api.call(
        "POST", "/auth/login", json={"email": account.email, "password": account.password}
    ).json()
    out = api.call("POST", "/auth/logout", json={"refresh_token": rotated})
    assert out.status_code == 204 and out.content == b""
    for spent in (rotated, account.refresh):
        assert refresh(api, spent).status_code == 401
    assert refresh(api, other["refresh_token"]).status_code == 200


def test_a_forged_or_foreign_refresh_token_is_401(api, world):
    for token in ("x" * 43, world.alice.access, "", base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()):
        answer = refresh(api, token)
        assert answer.status_code in (400, 401), answer.text


def login(api, email, password):
    return api.call("POST", "/auth/login", json={"email": email, "password": password})


def test_brute_force_is_rate_limited_after_five_failures_per_email_from_one_address(api):
    """Its own emails, so no other test is slowed down. The 6th try from the guesser's address (every
    request here comes from 127.0.0.1) is refused even with the right password; the owner, from
    another address, is not: tests/integration/test_client_limits_handlers.py."""
    victim = api.register("brute")
    spellings = [victim.email, victim.email.upper(), f"  {victim.email} ", victim.email.title(), victim.email]
    for spelling in spellings:  # one bucket per normalised email, however it is written
        assert api.error(login(api, spelling, f"{api.password_canary}-guess")) == (401, "INVALID_CREDENTIALS")
    limited = login(api, victim.email, victim.password)
    assert api.error(limited) == (429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 900
    bystander = api.register("bystander")
    assert login(api, bystander.email, bystander.password).status_code == 200  # per email, not per address


def test_unknown_emails_are_limited_too_so_the_limit_tells_nothing(api):
    ghost = f"ghost-{uuid.uuid4().hex[:10]}@example.com"
    answers = [login(api, ghost, f"{api.password_canary}-guess") for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert api.error(answers[-1]) == (429, "RATE_LIMITED") and int(answers[-1].headers["Retry-After"]) > 0
