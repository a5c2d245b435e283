"""Auth on the emulator: the whole flow through the real adapters, concurrent refreshes of one
token, the login throttle, and the audit chain under concurrent writers (the rate limiter itself
under a burst: test_rate_limits_dynamo.py)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shop.adapters.aws import client
from shop.config import settings
from shop.errors import InvalidCredentials, InvalidToken, RateLimited, ShopError, TokenReused
from shop.services.audit import AuditTrail, verify_trail
from shop.services.auth import AuthService

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"


@pytest.fixture
def auth(stack: Any) -> AuthService:
    from shop.bootstrap import build_auth_service

    return build_auth_service()


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.net"


def test_register_login_refresh_reuse_logout(auth: AuthService) -> None:
    email = unique_email()
    registered = auth.register(email.upper(), PASSWORD, "Ann")
    session = auth.login(email, PASSWORD)
    assert session.user.id == registered.user.id and session.user.email == email
    refreshed = auth.refresh(session.refresh_token)
    with pytest.raises(TokenReused):
        auth.refresh(session.refresh_token)
    with pytest.raises(InvalidToken):
        auth.refresh(refreshed.refresh_token)  # the family went down with the reuse
    other = auth.login(email, PASSWORD)
    auth.logout(other.refresh_token)
    auth.logout(other.refresh_token)  # idempotent
    with pytest.raises(InvalidToken):
        auth.refresh(other.refresh_token)


def test_concurrent_refreshes_of_one_token_let_exactly_one_through(auth: AuthService) -> None:
    session = auth.register(unique_email(), PASSWORD, "Ann")

    def refresh(_: int) -> str:
        try:
            auth.refresh(session.refresh_token)
        except (TokenReused, InvalidToken) as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(refresh, range(6)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"TOKEN_REUSED", "UNAUTHORIZED"}


def test_refresh_tokens_are_stored_hashed(auth: AuthService) -> None:
    session = auth.register(unique_email(), PASSWORD, "Ann")
    import hashlib

    token_hash = hashlib.sha256(session.refresh_token.encode()).hexdigest()
    item = client("dynamodb").get_item(
        TableName=settings().users_table, Key={"pk": {"S": f"REFRESH#{token_hash}"}, "sk": {"S": "REFRESH"}}
    )["Item"]
    assert session.refresh_token not in repr(item)
    assert int(item["expires_at"]["N"]) > time.time()  # DynamoDB TTL removes it with its family


def test_login_failures_reach_429_through_the_service(auth: AuthService) -> None:
    email = unique_email()
    auth.register(email, PASSWORD, "Ann")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            auth.login(email, "not the password")
    with pytest.raises(RateLimited):
        auth.login(email, PASSWORD)


def test_the_audit_chain_holds_under_concurrent_writers(stack: Any) -> None:
    from shop.bootstrap import build_audit_trail

    trail: AuditTrail = build_audit_trail()

    def write(i: int) -> int:
        return trail.record(
            actor_id=f"u_{i}",
            actor_role="admin",
            action="test.concurrent",
            target_type="test",
            target_id=str(i),
        ).seq

    with ThreadPoolExecutor(max_workers=6) as pool:
        seqs = list(pool.map(write, [i % 2 for i in range(12)]))  # two admins, six entries each
    assert sorted(seqs) == sorted([*range(1, 7)] * 2) or len(set(seqs)) == 6
    assert _broken() is None


def test_verify_finds_an_edited_entry(stack: Any) -> None:
    from shop.bootstrap import build_audit_trail

    entry = build_audit_trail().record(
        actor_id="u_x", actor_role="admin", action="test.tamper", target_type="test", target_id="t"
    )
    key = {"pk": {"S": f"CHAIN#{entry.chain}"}, "sk": {"S": f"SEQ#{entry.seq:012d}"}}
    table = settings().audit_table
    original = client("dynamodb").get_item(TableName=table, Key=key)["Item"]
    client("dynamodb").put_item(TableName=table, Item={**original, "actor_id": {"S": "u_someone_else"}})
    try:
        broken = _broken()
        assert broken is not None and (broken.chain, broken.seq) == (entry.chain, entry.seq)
    finally:
        client("dynamodb").put_item(TableName=table, Item=original)
    assert _broken() is None


def _store() -> Any:
    from shop.bootstrap import build_audit_store

    return build_audit_store()


def _broken() -> Any:
    from shop.bootstrap import build_checkpoint_signer

    return verify_trail(_store(), build_checkpoint_signer())


def test_login_is_audited_without_the_email(auth: AuthService) -> None:
    email = unique_email()
    user = auth.register(email, PASSWORD, "Ann").user
    with pytest.raises(ShopError):
        auth.login(email, "wrong password")
    auth.login(email, PASSWORD, request_id="req-123")
    recent = [entry for entry in _store().entries() if entry.target_id == user.id]
    assert [entry.action for entry in recent] == ["auth.login_failed", "auth.login_succeeded"]
    assert recent[-1].request_id == "req-123"
    assert email not in repr(recent)


def test_a_wrong_password_decrypts_nothing(auth: AuthService, monkeypatch: pytest.MonkeyPatch) -> None:
    from shop.adapters.pii_crypto import EnvelopeCipher

    email = unique_email()
    auth.register(email, PASSWORD, "Ann")
    opened: list[str] = []
    real_open = EnvelopeCipher.open

    def counted_open(self: EnvelopeCipher, *args: Any, **kwargs: Any) -> dict[str, str]:
        opened.append(args[1])
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(EnvelopeCipher, "open", counted_open)
    with pytest.raises(InvalidCredentials):
        auth.login(email, "not the password")
    assert opened == []  # neither a KMS call nor anyone's email in memory for a guess
    assert auth.login(email, PASSWORD).user.email == email
    assert len(opened) == 1
