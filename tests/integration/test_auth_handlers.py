"""The auth functions as Lambda runs them: loaded from template.yaml, fed the sample events."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"
PASSWORD = "correct horse battery"


def event(name: str, body: dict[str, Any] | None = None, **context: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    if body is not None:
        loaded["body"] = json.dumps(body)
    if context:
        loaded["requestContext"]["authorizer"] = {**context, "principalId": context.get("user_id", "")}
    return loaded


def call(stack: Any, logical_id: str, request: dict[str, Any]) -> tuple[int, Any]:
    handler = load_function(stack, logical_id)
    answer = handler(request, LambdaContext(logical_id))
    body = answer.get("body")
    return answer["statusCode"], json.loads(body) if body else None


def register(stack: Any, email: str) -> dict[str, Any]:
    status, body = call(
        stack,
        "RegisterFunction",
        event("auth/register.json", {"email": email, "password": PASSWORD, "name": "Ann"}),
    )
    assert status == 201, body
    return dict(body)


def test_sample_events_drive_register_and_login(stack: Any) -> None:
    status, body = call(stack, "RegisterFunction", event("auth/register.json"))
    assert status in (201, 409)  # 409 when the sample's email was registered by an earlier run
    status, body = call(stack, "LoginFunction", event("auth/login.json"))
    assert status == 200
    assert set(body) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert set(body["user"]) == {"id", "email", "name", "role", "created_at"}
    assert body["user"]["email"] == "ann.example@example.com" and body["token_type"] == "Bearer"


def test_register_answers_the_contract(stack: Any) -> None:
    email = f"Reg-{uuid.uuid4().hex[:8]}@Example.com"
    body = register(stack, email)
    assert body["user"]["email"] == email.lower() and body["user"]["role"] == "customer"
    assert body["expires_in"] == 900
    status, again = call(
        stack,
        "RegisterFunction",
        event("auth/register.json", {"email": email.lower(), "password": PASSWORD, "name": "Ann"}),
    )
    assert (status, again["error"]["code"]) == (409, "EMAIL_TAKEN")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@example.com", "password": PASSWORD, "name": "Ann", "role": "admin"}, "body.role"),
        ({"email": "nope", "password": PASSWORD, "name": "Ann"}, "body.email"),
        ({"email": "x@example.com", "password": "short", "name": "Ann"}, "body.password"),
        ({"email": "x@example.com", "password": PASSWORD}, "body.name"),
        (
            {"email": "x@example.com", "password": PASSWORD, "name": "Ann", "guest_token": "junk"},
            "body.guest_token",
        ),
    ],
)
def test_register_rejects_bad_bodies(stack: Any, body: dict[str, Any], field: str) -> None:
    status, answer = call(stack, "RegisterFunction", event("auth/register.json", body))
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in answer["error"]["details"]]


def test_guest_me_and_jwks(stack: Any) -> None:
    status, guest = call(stack, "GuestTokenFunction", event("auth/guest.json"))
    assert status == 201 and set(guest) == {"access_token", "token_type", "expires_in"}
    user = register(stack, f"me-{uuid.uuid4().hex[:8]}@example.com")["user"]
    status, me = call(stack, "MeFunction", event("auth/me.json", user_id=user["id"], role="customer"))
    assert (status, me) == (200, user)
    status, refused = call(stack, "MeFunction", event("auth/me.json", user_id="g_123", role="guest"))
    assert (status, refused["error"]["code"]) == (403, "FORBIDDEN")
    status, jwks = call(stack, "JwksFunction", event("auth/jwks.json"))
    assert status == 200 and jwks["keys"][0]["kty"] == "EC" and jwks["keys"][0]["alg"] == "ES256"
    assert "d" not in jwks["keys"][0]  # never the private part


def test_refresh_and_logout(stack: Any) -> None:
    session = register(stack, f"rf-{uuid.uuid4().hex[:8]}@example.com")
    status, pair = call(
        stack, "RefreshFunction", event("auth/refresh.json", {"refresh_token": session["refresh_token"]})
    )
    assert status == 200 and set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    status, reused = call(
        stack, "RefreshFunction", event("auth/refresh.json", {"refresh_token": session["refresh_token"]})
    )
    assert (status, reused["error"]["code"]) == (401, "TOKEN_REUSED")
    status, _ = call(
        stack, "LogoutFunction", event("auth/logout.json", {"refresh_token": pair["refresh_token"]})
    )
    assert status == 204
    status, _ = call(stack, "LogoutFunction", event("auth/logout.json"))
    assert status == 204  # unknown token: nothing to end, nothing revealed


def test_the_authorizer_allows_the_stage_with_the_callers_context(stack: Any) -> None:
    session = register(stack, f"az-{uuid.uuid4().hex[:8]}@example.com")
    authorizer = load_function(stack, "AuthorizerFunction")
    request = event("auth/authorizer_token.json")
    request["authorizationToken"] = f"Bearer {session['access_token']}"
    policy = authorizer(request, LambdaContext("AuthorizerFunction"))
    assert policy["principalId"] == session["user"]["id"]
    assert policy["context"] == {"user_id": session["user"]["id"], "role": "customer"}
    statement = policy["policyDocument"]["Statement"][0]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*",
    }


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer ", "", "REFRESH"])
def test_the_authorizer_refuses_bad_tokens_with_unauthorized(stack: Any, header: str) -> None:
    authorizer = load_function(stack, "AuthorizerFunction")
    for name in ("auth/authorizer_token.json", "auth/authorizer_request.json"):
        request = event(name)
        if request["type"] == "TOKEN":
            request["authorizationToken"] = header
        else:
            request["headers"]["Authorization"] = header or "Bearer"
        with pytest.raises(Exception) as refused:
            authorizer(request, LambdaContext("AuthorizerFunction"))
        assert (type(refused.value), str(refused.value)) == (Exception, "Unauthorized")


def test_optional_auth_lets_anonymous_requests_through(stack: Any) -> None:
    authorizer = load_function(stack, "AuthorizerFunction")
    policy = authorizer(event("auth/authorizer_request.json"), LambdaContext("AuthorizerFunction"))
    assert policy["context"] == {"user_id": "", "role": "anonymous"}
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def response_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.received.clear()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response?sig=1"
    finally:
        server.shutdown()
        server.server_close()


def _run_setup(stack: Any, name: str, response_url: str) -> dict[str, Any]:
    from shop.config import settings

    setup = load_function(stack, "SigningKeySetupFunction")
    request = copy.deepcopy(json.loads((EVENTS / name).read_text()))
    request["ResponseURL"] = response_url
    for properties in (request["ResourceProperties"], request.get("OldResourceProperties") or {}):
        properties["SecretId"] = settings().signing_key_secret
        properties["PublicSecretId"] = settings().verification_keys_secret
    _Recorder.received.clear()
    setup(request, LambdaContext("SigningKeySetupFunction"))
    ((_, headers, answer),) = _Recorder.received
    assert headers.get("Content-Type") == ""
    return dict(answer)


def test_signing_key_setup_keeps_the_key_and_answers_cloudformation(stack: Any, response_url: str) -> None:
    from shop.config import settings
    from shop.services.signing_keys import KeyRing

    before = client_secret(settings().signing_key_secret)
    created = _run_setup(stack, "setup/signing_key_create.json", response_url)
    deleted = _run_setup(stack, "setup/signing_key_delete.json", response_url)
    assert created["Status"] == deleted["Status"] == "SUCCESS"
    assert set(created) == {
        "Status",
        "Reason",
        "PhysicalResourceId",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "Data",
    }
    assert created["Data"]["ActiveKid"] in {key.kid for key in KeyRing.from_json(before).keys}
    assert client_secret(settings().signing_key_secret) == before  # an existing key is kept
    published = json.loads(client_secret(settings().verification_keys_secret))
    assert {key["kid"] for key in published["keys"]} == {key.kid for key in KeyRing.from_json(before).keys}
    assert all(set(key) == {"kty", "crv", "x", "y", "kid", "alg", "use"} for key in published["keys"])


def test_a_new_generation_rotates_with_an_overlap(stack: Any, response_url: str) -> None:
    """Tokens of the old key keep working through the authorizer; the new key is published at once."""
    from shop.config import settings
    from shop.services.signing_keys import KeyRing

    session = register(stack, f"rot-{uuid.uuid4().hex[:8]}@example.com")
    old_kids = {key.kid for key in KeyRing.from_json(client_secret(settings().signing_key_secret)).keys}
    answer = _run_setup(stack, "setup/signing_key_rotate.json", response_url)
    assert answer["Status"] == "SUCCESS"
    ring = KeyRing.from_json(client_secret(settings().signing_key_secret))
    new_kids = {key.kid for key in ring.keys} - old_kids
    assert len(new_kids) == 1
    published = {key["kid"] for key in json.loads(client_secret(settings().verification_keys_secret))["keys"]}
    assert published == {key.kid for key in ring.keys}  # the new key is known to verifiers before it signs
    assert answer["Data"]["ActiveKid"] in old_kids  # it signs only after PUBLISH_AHEAD_SECONDS
    authorizer = load_function(stack, "AuthorizerFunction")
    request = event("auth/authorizer_token.json")
    request["authorizationToken"] = f"Bearer {session['access_token']}"
    assert authorizer(request, LambdaContext("AuthorizerFunction"))["principalId"] == session["user"]["id"]


def test_verifiers_never_read_the_private_signing_key(stack: Any) -> None:
    """The authorizer and the JWKS route work from the published public keys alone: with the
    private secret unreadable they still verify and publish; the template grants them only that."""
    from shop.config import settings
    from shop_local.provisioning.template import load_template

    session = register(stack, f"pub-{uuid.uuid4().hex[:8]}@example.com")
    resources = load_template()["Resources"]
    for function_id in ("AuthorizerFunction", "JwksFunction"):
        policies = json.dumps(resources[function_id]["Properties"]["Policies"])
        assert "SigningKeySecret" not in policies and "VerificationKeysSecret" in policies
    readers = resources["SigningKeySecretPolicy"]["Properties"]["ResourcePolicy"]["Statement"][0]
    allowed = {ref["Fn::GetAtt"][0] for ref in readers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]}
    assert allowed == {
        "GuestTokenFunctionRole", "RegisterFunctionRole", "LoginFunctionRole", "RefreshFunctionRole",
        "SigningKeySetupFunctionRole",
    }  # fmt: skip
    from shop.adapters.aws import client

    secrets = client("secretsmanager")
    private = client_secret(settings().signing_key_secret)
    secrets.put_secret_value(SecretId=settings().signing_key_secret, SecretString="not a key ring")
    try:
        authorizer = load_function(stack, "AuthorizerFunction")
        request = event("auth/authorizer_token.json")
        request["authorizationToken"] = f"Bearer {session['access_token']}"
        assert (
            authorizer(request, LambdaContext("AuthorizerFunction"))["principalId"] == session["user"]["id"]
        )
        status, jwks = call(stack, "JwksFunction", event("auth/jwks.json"))
        assert status == 200 and jwks["keys"] and all("d" not in key for key in jwks["keys"])
    finally:
        secrets.put_secret_value(SecretId=settings().signing_key_secret, SecretString=private)


def client_secret(secret_id: str) -> str:
    from shop.adapters.aws import client

    return str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


def test_signing_key_setup_reports_failure(stack: Any, response_url: str) -> None:
    setup = load_function(stack, "SigningKeySetupFunction")
    request = json.loads((EVENTS / "setup/signing_key_create.json").read_text())
    request["ResponseURL"] = response_url
    request["ResourceProperties"]["SecretId"] = "no-such-secret-" + uuid.uuid4().hex
    setup(request, LambdaContext("SigningKeySetupFunction"))
    assert _Recorder.received[0][2]["Status"] == "FAILED"


def test_the_authorizer_stays_light_at_cold_start(stack: Any) -> None:
    """A fresh interpreter loads the authorizer as Lambda would; pydantic and pynamodb stay out."""
    import os
    import subprocess
    import sys

    probe = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('authorizer', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted({'pydantic', 'pynamodb'} & {name.split('.')[0] for name in sys.modules}))\n"
    )
    path = Path(__file__).resolve().parents[2] / "functions" / "auth" / "authorizer.py"
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_role_change_or_disable_makes_the_authorizer_refuse_older_tokens(stack: Any) -> None:
    """Refused from the first authorizer call that is not cached (API Gateway's cache and the
    authorizer's own bound it to 60 s); a refresh then carries the new role, or is refused."""
    from shop.bootstrap import build_token_admission, build_user_admin
    from shop.domain.callers import Caller

    session = register(stack, f"ver-{uuid.uuid4().hex[:8]}@example.com")
    user_id, admin = session["user"]["id"], Caller("u_some_admin", "admin", "req-ver")

    def authorize(token: str) -> dict[str, Any]:
        build_token_admission.cache_clear()  # a container whose access-state cache has turned over
        request = event("auth/authorizer_token.json")
        request["authorizationToken"] = f"Bearer {token}"
        return dict(load_function(stack, "AuthorizerFunction")(request, LambdaContext("AuthorizerFunction")))

    assert authorize(session["access_token"])["context"]["role"] == "customer"
    build_user_admin().change_access(admin, user_id, role="admin")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(session["access_token"])
    status, refreshed = call(
        stack, "RefreshFunction", event("auth/refresh.json", {"refresh_token": session["refresh_token"]})
    )
    assert status == 200, refreshed
    assert authorize(refreshed["access_token"])["context"]["role"] == "admin"
    build_user_admin().change_access(admin, user_id, disabled=True)
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(refreshed["access_token"])


def test_answers_that_carry_tokens_are_never_stored_by_a_cache(stack: Any) -> None:
    email = f"ns-{uuid.uuid4().hex[:8]}@example.com"
    requests = {
        "GuestTokenFunction": event("auth/guest.json"),
        "RegisterFunction": event("auth/register.json", {"email": email, "password": PASSWORD, "name": "N"}),
        "LoginFunction": event("auth/login.json", {"email": email, "password": PASSWORD}),
    }
    for logical_id, request in requests.items():
        answer = load_function(stack, logical_id)(request, LambdaContext(logical_id))
        assert answer["statusCode"] in (200, 201), answer
        assert answer["multiValueHeaders"]["Cache-Control"] == ["no-store"], logical_id
    refresh_token = json.loads(
        load_function(stack, "LoginFunction")(requests["LoginFunction"], LambdaContext("LoginFunction"))[
            "body"
        ]
    )["refresh_token"]
    refresh = load_function(stack, "RefreshFunction")(
        event("auth/refresh.json", {"refresh_token": refresh_token}), LambdaContext("RefreshFunction")
    )
    assert refresh["statusCode"] == 200 and refresh["multiValueHeaders"]["Cache-Control"] == ["no-store"]
