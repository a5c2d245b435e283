"""The auth use cases end to end against in-memory fakes of every port (no network).

The fakes keep the same promises as the DynamoDB adapters (conditional create, atomic rotation,
throttle slots); the adapters themselves are exercised in tests/integration.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from shop.adapters.token_signer import JwtAccessTokens
from shop.domain.tokens import RefreshToken
from shop.domain.users import EmailIndex, User, UserRole
from shop.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    RateLimited,
    TokenReused,
    ValidationFailed,
)
from shop.services.auth import AuthService
from shop.services.auth_sessions import Sessions
from shop.services.signing_keys import CachedKeyRing, first_key_ring

PASSWORD = "correct horse battery"


class Clock:
    """Starts at the real time: pyjwt also checks `exp` against the wall clock."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class FakeUsers:
    def __init__(self) -> None:
        self.by_id: dict[str, User] = {}
        self.by_index: dict[str, str] = {}

    def create(self, user: User, email_index: str) -> None:
        if email_index in self.by_index:
            raise EmailTaken()
        self.by_id[user.id], self.by_index[email_index] = user, user.id

    def get(self, user_id: str) -> User | None:
        return self.by_id.get(user_id)

    def find_by_email_index(self, email_index: str) -> User | None:
        user_id = self.by_index.get(email_index)
        return self.by_id.get(user_id) if user_id else None

    def update_access(
        self, user_id: str, *, role: UserRole | None = None, disabled: bool | None = None
    ) -> User:
        if user_id not in self.by_id:
            raise NotFound()
        user = self.by_id[user_id]
        user = replace(user, role=role or user.role, disabled=user.disabled if disabled is None else disabled)
        self.by_id[user_id] = user
        return user

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.by_id[user_id] = replace(self.by_id[user_id], password_hash=password_hash)


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, RefreshToken] = {}
        self.revoked: dict[str, bool] = {}

    def start_family(self, token: RefreshToken) -> None:
        self.revoked[token.family_id] = False
        self.tokens[token.token_hash] = token

    def find(self, token_hash: str) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    def rotate(self, spent_hash: str, successor: RefreshToken, now: int) -> bool:
        old = self.tokens.get(spent_hash)
        if old is None or old.status != "active" or old.expires_at <= now or self.revoked[old.family_id]:
            return False
        self.tokens[spent_hash] = replace(old, status="spent")
        self.tokens[successor.token_hash] = successor
        return True

    def revoke_family(self, family_id: str) -> None:
        self.revoked[family_id] = True


class FakeAttempts:
    def __init__(self, clock: Clock, limit: int = 5, window: int = 900) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.windows: dict[str, list[int]] = {}  # index -> [attempts, window_ends]

    def reserve_attempt(self, email_index: str, now: int) -> int:
        current = self.windows.get(email_index)
        if current is None or current[1] <= now:
            self.windows[email_index] = current = [0, now + self.window]
        if current[0] >= self.limit:
            raise RateLimited(retry_after_seconds=current[1] - now)
        current[0] += 1
        return current[1]

    def release_attempt(self, email_index: str, window_ends: int) -> None:
        current = self.windows.get(email_index)
        if current and current[1] == window_ends and current[0] > 0:
            current[0] -= 1


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[dict[str, object]] = []

    def record(self, **entry: object) -> None:
        self.entries.append(entry)

    def actions(self) -> list[object]:
        return [entry["action"] for entry in self.entries]


class FakeCarts:
    def __init__(self) -> None:
        self.merged: list[tuple[str, str]] = []

    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        self.merged.append((guest_id, user_id))


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        ring = first_key_ring(0)
        keys = CachedKeyRing(lambda: ring, lambda ring, kid: ring.key(kid) is not None)
        self.tokens = JwtAccessTokens(keys, "iss", "aud", 900, clock=self.clock)
        self.users, self.refresh_tokens = FakeUsers(), FakeRefreshTokens()
        self.attempts, self.audit, self.carts = FakeAttempts(self.clock), FakeAudit(), FakeCarts()
        self.index = EmailIndex(b"k" * 32)
        sessions = Sessions(self.refresh_tokens, self.tokens, self.users, self.audit, 3600, clock=self.clock)
        self.auth = AuthService(
            self.users,
            sessions,
            self.tokens,
            self.index,
            self.attempts,
            self.audit,
            self.carts,
            clock=self.clock,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_register_then_login_then_me(world: World) -> None:
    session = world.auth.register(" Ann@Example.COM ", PASSWORD, " Ann ")
    assert (session.user.email, session.user.name, session.user.role) == (
        "ann@example.com",
        "Ann",
        "customer",
    )
    claims = world.tokens.verify(session.access_token)
    assert (claims.subject, claims.role) == (session.user.id, "customer")
    login = world.auth.login("ANN@example.com", PASSWORD)
    assert login.user.id == session.user.id
    assert world.auth.me(session.user.id).email == "ann@example.com"
    assert world.audit.actions() == ["auth.login_succeeded"]


def test_register_rejects_a_taken_email_in_any_case(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    with pytest.raises(EmailTaken):
        world.auth.register("  ANN@EXAMPLE.COM", PASSWORD, "Other Ann")


@pytest.mark.parametrize(
    ("email", "password", "name", "field"),
    [
        ("not-an-email", PASSWORD, "Ann", "body.email"),
        ("ann@example.com", "short", "Ann", "body.password"),
        ("ann@example.com", PASSWORD, "   ", "body.name"),
    ],
)
def test_register_validates_each_field(
    world: World, email: str, password: str, name: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        world.auth.register(email, password, name)
    assert caught.value.details[0]["field"] == field


def test_wrong_email_and_wrong_password_fail_alike(world: World) -> None:
    user = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    with pytest.raises(InvalidCredentials) as wrong_password:
        world.auth.login("ann@example.com", "wrong password!")
    with pytest.raises(InvalidCredentials) as wrong_email:
        world.auth.login("bob@example.com", PASSWORD)
    assert (wrong_password.value.code, wrong_password.value.message) == (
        wrong_email.value.code,
        wrong_email.value.message,
    )
    failures = [e for e in world.audit.entries if e["action"] == "auth.login_failed"]
    assert [f["target_id"] for f in failures] == [user.id, ""]
    assert "example.com" not in repr(world.audit.entries)  # no email in the trail


def test_refresh_rotates_and_reuse_revokes_the_family(world: World) -> None:
    first = world.auth.register("ann@example.com", PASSWORD, "Ann")
    second = world.auth.refresh(first.refresh_token)
    third = world.auth.refresh(second.refresh_token)
    assert len({first.refresh_token, second.refresh_token, third.refresh_token}) == 3
    with pytest.raises(TokenReused):
        world.auth.refresh(first.refresh_token)  # a thief replays a spent token
    with pytest.raises(InvalidToken):
        world.auth.refresh(third.refresh_token)  # ...and the legitimate holder is logged out too
    assert world.audit.actions()[-1] == "auth.refresh_token_reused"
    assert world.audit.entries[-1]["target_id"] == first.user.id


def test_refresh_tokens_are_stored_only_as_hashes(world: World) -> None:
    session = world.auth.register("ann@example.com", PASSWORD, "Ann")
    assert session.refresh_token not in repr(world.refresh_tokens.tokens)


def test_refresh_sees_role_changes_and_disabling(world: World) -> None:
    session = world.auth.register("ann@example.com", PASSWORD, "Ann")
    world.users.update_access(session.user.id, role="admin")
    promoted = world.auth.refresh(session.refresh_token)
    assert world.tokens.verify(promoted.access_token).role == "admin"
    world.users.update_access(session.user.id, disabled=True)
    with pytest.raises(AccountDisabled):
        world.auth.refresh(promoted.refresh_token)
    world.users.update_access(session.user.id, disabled=False)
    with pytest.raises(InvalidToken):
        world.auth.refresh(promoted.refresh_token)  # disabling ended the session for good


def test_refresh_token_expires_with_its_family(world: World) -> None:
    session = world.auth.register("ann@example.com", PASSWORD, "Ann")
    world.clock.now += 3600
    with pytest.raises(InvalidToken):
        world.auth.refresh(session.refresh_token)


@pytest.mark.parametrize("token", ["", "x" * 300, "unknown-token"])
def test_refresh_refuses_unknown_tokens(world: World, token: str) -> None:
    with pytest.raises(InvalidToken):
        world.auth.refresh(token)


def test_logout_revokes_the_family_and_ignores_unknown_tokens(world: World) -> None:
    session = world.auth.register("ann@example.com", PASSWORD, "Ann")
    world.auth.logout("never-issued")
    world.auth.logout(session.refresh_token)
    with pytest.raises(InvalidToken):
        world.auth.refresh(session.refresh_token)


def test_disabled_user_cannot_log_in_even_with_the_right_password(world: World) -> None:
    user = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    world.users.update_access(user.id, disabled=True)
    with pytest.raises(AccountDisabled):
        world.auth.login("ann@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "wrong password!")  # no hint for a guesser
    with pytest.raises(AccountDisabled):
        world.auth.me(user.id)


def test_five_failures_lock_the_email_for_the_rest_of_the_window(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    world.auth.register("bob@example.com", PASSWORD, "Bob")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            world.auth.login("ann@example.com", "wrong password!")
    world.clock.now += 60
    with pytest.raises(RateLimited) as limited:
        world.auth.login("ann@example.com", PASSWORD)  # even the right password waits
    assert limited.value.retry_after_seconds == 900 - 60
    assert world.auth.login("bob@example.com", PASSWORD).user.email == "bob@example.com"
    world.clock.now += 900
    assert world.auth.login("ann@example.com", PASSWORD).user.email == "ann@example.com"


def test_a_successful_login_does_not_wipe_earlier_failures(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            world.auth.login("ann@example.com", "wrong password!")
    world.auth.login("ann@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "wrong password!")
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", "wrong password!")


def test_unknown_emails_are_throttled_too(world: World) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            world.auth.login("nobody@example.com", "whatever password")
    with pytest.raises(RateLimited):
        world.auth.login("NOBODY@example.com ", "whatever password")


def test_guest_token_merges_the_cart_on_register_and_login(world: World) -> None:
    guest = world.auth.guest()
    guest_claims = world.tokens.verify(guest.token)
    assert guest_claims.role == "guest" and guest_claims.subject.startswith("g_")
    user = world.auth.register("ann@example.com", PASSWORD, "Ann", guest_token=guest.token).user
    other_guest = world.auth.guest()
    world.auth.login("ann@example.com", PASSWORD, guest_token=other_guest.token)
    assert world.carts.merged == [
        (guest_claims.subject, user.id),
        (world.tokens.verify(other_guest.token).subject, user.id),
    ]


def test_guest_token_must_be_a_valid_guest_token(world: World) -> None:
    customer = world.auth.register("ann@example.com", PASSWORD, "Ann")
    for bad in ["garbage", customer.access_token, customer.refresh_token]:
        with pytest.raises(ValidationFailed) as caught:
            world.auth.register("bob@example.com", PASSWORD, "Bob", guest_token=bad)
        assert caught.value.details == [
            {"field": "body.guest_token", "message": "is not a valid guest token"}
        ]
    assert world.users.find_by_email_index(world.index.of("bob@example.com")) is None
    assert world.carts.merged == []


def test_create_or_promote_admin(world: World) -> None:
    admin = world.auth.create_or_promote_admin("Root@Example.com", "an admin password")
    assert admin.role == "admin"
    assert world.auth.login("root@example.com", "an admin password").user.role == "admin"
    customer = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    promoted = world.auth.create_or_promote_admin("ann@example.com", "ignored for existing users")
    assert (promoted.id, promoted.role) == (customer.id, "admin")
    assert world.auth.login("ann@example.com", PASSWORD).user.role == "admin"  # password kept
    assert world.auth.create_or_promote_admin("ann@example.com", "whatever").role == "admin"  # idempotent
    system_entries = [e for e in world.audit.entries if e["actor_id"] == "system"]
    assert [(e["action"], e["target_id"]) for e in system_entries] == [
        ("user.created", admin.id),
        ("user.role_changed", customer.id),
    ]


def test_login_rehashes_a_weak_stored_hash(world: World) -> None:
    from shop.domain import passwords

    user = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    weak = passwords.hash_password(PASSWORD, passwords.Argon2Params(memory_cost_kib=8192, iterations=1))
    world.users.set_password_hash(user.id, weak)
    world.auth.login("ann@example.com", PASSWORD)
    stored = world.users.by_id[user.id].password_hash
    assert stored != weak and not passwords.needs_rehash(stored)
