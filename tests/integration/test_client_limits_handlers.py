"""The per-client limits as Lambda runs the auth functions: loaded from template.yaml, fed sample
events whose requestContext.identity.sourceIp is the client's address, as API Gateway writes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"
PASSWORD = "correct horse battery"


def an_address() -> str:
    return f"198.18.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 254 + 1}"


def call(stack: Any, function: str, sample: str, source_ip: str, body: dict[str, Any] | None = None) -> Any:
    event = json.loads((EVENTS / sample).read_text())
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    event["headers"]["X-Forwarded-For"] = "10.0.0.1"  # the client's to write: never the key
    event["body"] = json.dumps(body) if body is not None else None
    return load_function(stack, function)(event, LambdaContext(function))


def register(stack: Any, source_ip: str, email: str | None = None) -> Any:
    body = {"email": email or f"lim-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "name": "Ann"}
    return call(stack, "RegisterFunction", "auth/register.json", source_ip, body)


def login(stack: Any, email: str, password: str, source_ip: str) -> Any:
    return call(stack, "LoginFunction", "auth/login.json", source_ip, {"email": email, "password": password})


def refused(answer: dict[str, Any]) -> bool:
    retry_after = int(answer["multiValueHeaders"]["Retry-After"][0])
    code = json.loads(answer["body"])["error"]["code"]
    return answer["statusCode"] == 429 and code == "RATE_LIMITED" and retry_after > 0


def test_an_attackers_lockout_does_not_lock_out_the_owner_from_another_address(stack: Any) -> None:
    email, attacker, owner = f"owner-{uuid.uuid4().hex[:10]}@example.com", an_address(), an_address()
    assert register(stack, owner, email)["statusCode"] == 201
    for _ in range(5):
        assert login(stack, email, "a guess at it", attacker)["statusCode"] == 401
    assert refused(login(stack, email, PASSWORD, attacker))  # even the right password, from there
    assert login(stack, email, PASSWORD, owner)["statusCode"] == 200


@pytest.fixture
def tight_limits(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The functions' settings as a deployment with low thresholds would set them (cold starts)."""
    from shop import bootstrap
    from shop.config import settings

    builders = (bootstrap.build_client_limits, bootstrap.build_auth_service, bootstrap.build_guest_tokens)
    for name, value in {
        "REGISTRATIONS_PER_IP": "2",
        "GUEST_TOKENS_PER_IP": "3",
        "FAILED_LOGINS_PER_IP": "3",
    }.items():
        monkeypatch.setenv(name, value)
    for cached in (settings, *builders):
        cached.cache_clear()
    yield
    monkeypatch.undo()
    for cached in (settings, *builders):
        cached.cache_clear()


@pytest.mark.usefixtures("tight_limits")
def test_guest_tokens_are_limited_per_address(stack: Any) -> None:
    client, other = an_address(), an_address()
    assert [call(stack, "GuestTokenFunction", "auth/guest.json", client)["statusCode"] for _ in range(3)] == [
        201
    ] * 3
    assert refused(call(stack, "GuestTokenFunction", "auth/guest.json", client))
    assert call(stack, "GuestTokenFunction", "auth/guest.json", other)["statusCode"] == 201


@pytest.mark.usefixtures("tight_limits")
def test_registrations_are_limited_per_address(stack: Any) -> None:
    client, other = an_address(), an_address()
    assert [register(stack, client)["statusCode"] for _ in range(2)] == [201, 201]
    assert refused(register(stack, client))
    assert register(stack, other)["statusCode"] == 201


@pytest.mark.usefixtures("tight_limits")
def test_failed_logins_are_limited_per_address_whatever_the_emails(stack: Any) -> None:
    client, other, email = an_address(), an_address(), f"x-{uuid.uuid4().hex[:10]}@example.com"
    assert register(stack, other, email)["statusCode"] == 201
    for n in range(3):
        assert (
            login(stack, f"nobody-{n}-{uuid.uuid4().hex[:6]}@example.com", PASSWORD, client)["statusCode"]
            == 401
        )
    assert refused(login(stack, email, PASSWORD, client))
    assert login(stack, email, PASSWORD, other)["statusCode"] == 200
