"""The auth routes over HTTP, exactly as API.md promises them to a client.

Needs from tests/e2e/conftest.py: `shop_url` (a running local shop) and `admin_token` (an access
token of an admin made with the project's documented command).
"""

import base64
import json
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 10
PASSWORD = "correct horse battery"


def post(shop_url, path, body=None, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.post(f"{shop_url}{path}", json=body, headers=headers, timeout=TIMEOUT)
    assert answer.headers.get("X-Request-Id")
    return answer


def get(shop_url, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{shop_url}{path}", headers=headers, timeout=TIMEOUT)


def new_email():
    return f"E2E-{uuid.uuid4().hex[:10]}@Example.com"


def error_code(answer):
    return answer.json()["error"]["code"]


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_whole_flow(shop_url):
    email = new_email()
    registered = post(shop_url, "/auth/register", {"email": email, "password": PASSWORD, "name": "Ann E2E"})
    assert registered.status_code == 201
    body = registered.json()
    assert set(body) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    user = body["user"]
    assert set(user) == {"id", "email", "name", "role", "created_at"}
    assert (user["email"], user["name"], user["role"]) == (email.lower(), "Ann E2E", "customer")

    me = get(shop_url, "/auth/me", body["access_token"])
    assert (me.status_code, me.json()) == (200, user)

    login = post(shop_url, "/auth/login", {"email": f"  {email.upper()} ", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"] == user

    refreshed = post(shop_url, "/auth/refresh", {"refresh_token": login.json()["refresh_token"]})
    assert refreshed.status_code == 200
    pair = refreshed.json()
    assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(pair)
    assert pair["refresh_token"] != login.json()["refresh_token"]
    assert get(shop_url, "/auth/me", pair["access_token"]).status_code == 200

    reused = post(shop_url, "/auth/refresh", {"refresh_token": login.json()["refresh_token"]})
    assert (reused.status_code, error_code(reused)) == (401, "TOKEN_REUSED")
    revoked = post(shop_url, "/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert revoked.status_code == 401

    logout = post(shop_url, "/auth/logout", {"refresh_token": body["refresh_token"]})
    assert logout.status_code == 204 and logout.content == b""
    after = post(shop_url, "/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert after.status_code == 401


def test_register_conflicts_and_validation(shop_url):
    email = new_email()
    assert (
        post(shop_url, "/auth/register", {"email": email, "password": PASSWORD, "name": "A"}).status_code
        == 201
    )
    again = post(shop_url, "/auth/register", {"email": email.lower(), "password": PASSWORD, "name": "B"})
    assert (again.status_code, error_code(again)) == (409, "EMAIL_TAKEN")
    short = post(shop_url, "/auth/register", {"email": new_email(), "password": "9chars!!!", "name": "A"})
    assert (short.status_code, error_code(short)) == (400, "VALIDATION_ERROR")
    bad_email = post(shop_url, "/auth/register", {"email": "not-an-email", "password": PASSWORD, "name": "A"})
    assert bad_email.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/auth/register", {"email": "x@example.com", "password": PASSWORD, "name": "X", "role": "admin"}),
        ("/auth/login", {"email": "x@example.com", "password": PASSWORD, "user_id": "u_1"}),
        ("/auth/refresh", {"refresh_token": "abc", "extra": 1}),
        ("/auth/logout", {"refresh_token": "abc", "all": True}),
    ],
)
def test_unknown_body_fields_are_rejected(shop_url, path, body):
    answer = post(shop_url, path, body)
    assert (answer.status_code, error_code(answer)) == (400, "VALIDATION_ERROR")


def test_wrong_email_and_wrong_password_look_the_same(shop_url):
    email = new_email()
    post(shop_url, "/auth/register", {"email": email, "password": PASSWORD, "name": "A"})
    wrong_password = post(shop_url, "/auth/login", {"email": email, "password": "not the password"})
    wrong_email = post(shop_url, "/auth/login", {"email": new_email(), "password": PASSWORD})
    assert wrong_password.status_code == wrong_email.status_code == 401
    assert wrong_password.json() == wrong_email.json()
    assert error_code(wrong_email) == "INVALID_CREDENTIALS"


def test_repeated_failures_are_rate_limited(shop_url):
    email = new_email()
    post(shop_url, "/auth/register", {"email": email, "password": PASSWORD, "name": "A"})
    for _ in range(5):
        assert (
            post(shop_url, "/auth/login", {"email": email, "password": "not the password"}).status_code == 401
        )
    limited = post(shop_url, "/auth/login", {"email": email, "password": PASSWORD})
    assert (limited.status_code, error_code(limited)) == (429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 900


def test_guest_tokens(shop_url):
    answer = post(shop_url, "/auth/guest")
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"} and body["token_type"] == "Bearer"
    claims = claims_of(body["access_token"])
    assert claims["role"] == "guest"
    me = get(shop_url, "/auth/me", body["access_token"])
    assert (me.status_code, error_code(me)) == (403, "FORBIDDEN")
    merged = post(
        shop_url,
        "/auth/register",
        {"email": new_email(), "password": PASSWORD, "name": "G", "guest_token": body["access_token"]},
    )
    assert merged.status_code == 201
    bad = post(
        shop_url,
        "/auth/register",
        {"email": new_email(), "password": PASSWORD, "name": "G", "guest_token": "nope"},
    )
    assert bad.status_code == 400
    assert "body.guest_token" in [d["field"] for d in bad.json()["error"]["details"]]


def test_me_needs_a_valid_token(shop_url):
    assert get(shop_url, "/auth/me").status_code == 401
    assert get(shop_url, "/auth/me", "not-a-token").status_code == 401
    guest = post(shop_url, "/auth/guest").json()["access_token"]
    head, payload, signature = guest.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert get(shop_url, "/auth/me", f"{head}.{forged_payload}.{signature}").status_code == 401
    none_head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert get(shop_url, "/auth/me", f"{none_head}.{forged_payload}.").status_code == 401


def test_admin_sees_itself_as_admin(shop_url, admin_token):
    me = get(shop_url, "/auth/me", admin_token)
    assert me.status_code == 200 and me.json()["role"] == "admin"


def test_jwks_publishes_the_verification_key(shop_url):
    answer = get(shop_url, "/.well-known/jwks.json")
    assert answer.status_code == 200
    keys = answer.json()["keys"]
    token = post(shop_url, "/auth/guest").json()["access_token"]
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    key = next(k for k in keys if k["kid"] == kid)
    assert {k: key[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
    }
    assert "d" not in key
    import jwt

    verified = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"], audience="serverless-shop-api")
    assert verified["role"] == "guest"
