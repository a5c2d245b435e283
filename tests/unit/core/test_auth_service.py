"""The auth use cases end to end against in-memory fakes of every port (no network).

The fakes keep the same promises as the DynamoDB adapters (conditional create, atomic rotation,
throttle slots); the adapters themselves are exercised in tests/integration.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from shop.domain import passwords
from shop.domain.rate_limits import ClientLimitPolicy, Limit
from shop.domain.users import EmailIndex
from shop.errors import (
    AccountDisabled,
    Contention,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    RateLimited,
    TokenReused,
    ValidationFailed,
)
from shop.services.auth import AuthService
from shop.services.auth_sessions import Sessions
from shop.services.client_limits import ClientLimits
from tests.fakes import (
    FakeUsers,
    MemoryRateLimiter,
    MemoryRefreshTokens,
    RecordingAudit,
    RecordingCartMerges,
    memory_access_tokens,
)

PASSWORD = "correct horse battery"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


class Clock:
    """Starts at the real time: pyjwt also checks `exp` against the wall clock."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class World:
    def __init__(self, policy: ClientLimitPolicy | None = None) -> None:
        self.clock = Clock()
        self.tokens = memory_access_tokens(self.clock)
        self.users, self.refresh_tokens = FakeUsers(), MemoryRefreshTokens()
        self.limiter, self.audit, self.carts = MemoryRateLimiter(), RecordingAudit(), RecordingCartMerges()
        self.limits = limits = ClientLimits(self.limiter, policy, clock=self.clock)
        self.index = EmailIndex(b"k" * 32)
        sessions = Sessions(self.refresh_tokens, self.tokens, self.users, self.audit, 3600, clock=self.clock)
        self.auth = AuthService(
            self.users,
            sessions,
            self.tokens,
            self.index,
            limits,
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


def test_a_disable_ends_every_session_before_it_without_touching_their_families(world: World) -> None:
    first = world.auth.register("ann@example.com", PASSWORD, "Ann")
    second = world.auth.login("ann@example.com", PASSWORD)
    world.users.update_access(first.user.id, disabled=True)
    assert not any(world.refresh_tokens.revoked.values())  # the admin's disable wrote no family
    world.users.update_access(first.user.id, disabled=False)
    for session in (first, second):  # never refreshed while disabled, and still over
        with pytest.raises(InvalidToken):
            world.auth.refresh(session.refresh_token)
    assert all(world.refresh_tokens.revoked.values())  # each refresh that found one revoked it
    after = world.auth.login("ann@example.com", PASSWORD)
    assert world.auth.refresh(after.refresh_token).user.id == first.user.id


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
    for _ in range(6):  # the right password is no guess: it keeps its answer, never 429
        with pytest.raises(AccountDisabled):
            world.auth.login("ann@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "wrong password!")  # no hint for a guesser
    with pytest.raises(AccountDisabled):
        world.auth.me(user.id)


def test_five_failures_lock_the_email_from_that_address_for_the_rest_of_the_window(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    world.auth.register("bob@example.com", PASSWORD, "Bob")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            world.auth.login("ann@example.com", "wrong password!", source_ip=ATTACKER)
    world.clock.now += 60
    with pytest.raises(RateLimited) as limited:
        world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)  # even the right password waits
    assert limited.value.retry_after_seconds == 900 - 60
    assert world.auth.login("bob@example.com", PASSWORD, source_ip=ATTACKER).user.email == "bob@example.com"
    world.clock.now += 900
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER).user.email == "ann@example.com"


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


def test_attempts_still_being_checked_hold_their_slots(world: World) -> None:
    """Guesses sent all at once: each holds a slot before its password is checked, so the ones
    still in flight count, and only a success gives its slot back."""
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    index = world.index.of("ann@example.com")
    for _ in range(5):  # five guesses whose passwords are being checked right now
        world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER))
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)
    given_back = world.limits.login_succeeded(index, ATTACKER)
    given_back["apply"]()  # one of them was the owner, after all
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER).user.email == "ann@example.com"
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)  # takes the slot for good
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)


def test_a_right_password_refused_for_another_reason_gives_its_slot_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A guest cart too busy to merge is a 409 the owner may retry as often as they like: only
    guesses count against the limit."""
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    guest = world.auth.guest().token

    def busy(guest_id: str, user_id: str) -> None:
        raise Contention()

    with monkeypatch.context() as patched:
        patched.setattr(world.carts, "merge_guest_cart", busy)
        for _ in range(7):
            with pytest.raises(Contention):
                world.auth.login("ann@example.com", PASSWORD, guest_token=guest, source_ip=ATTACKER)
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER).user.email == "ann@example.com"


def test_a_right_password_that_fails_for_any_reason_gives_its_slot_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB failing after the password matched (here: the session's transaction, a 500) is no
    guess either: the owner who retries is never locked out by the shop's own failures."""
    world.auth.register("ann@example.com", PASSWORD, "Ann")

    def down(*args: object, **kwargs: object) -> None:
        raise RuntimeError("DynamoDB is down")

    with monkeypatch.context() as patched:
        patched.setattr(world.refresh_tokens, "start_family", down)
        for _ in range(7):
            with pytest.raises(RuntimeError):
                world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER).user.email == "ann@example.com"
    index = world.index.of("ann@example.com")
    assert world.limiter.buckets[f"login#email#{index}#ip#{ATTACKER}"].hits == 0


def test_holding_the_last_slot_starts_no_lockout_before_the_attempt_fails(world: World) -> None:
    index = world.index.of("ann@example.com")
    holds = [world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER)) for _ in range(5)]
    world.clock.now += 600
    with pytest.raises(RateLimited) as full:
        world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER))
    assert full.value.retry_after_seconds == 300  # the window's end, no lockout yet
    world.limits.count_failed_login(index, ATTACKER, holds[-1])  # the last was a guess: the lockout starts
    with pytest.raises(RateLimited) as locked:
        world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER))
    assert locked.value.retry_after_seconds == 900


def test_a_guess_that_did_not_hold_the_last_slot_starts_no_lockout(world: World) -> None:
    """Five attempts in flight: the fourth, a guess, fails while the fifth, the owner's, is still
    being checked. The bucket is full only because of the owner's attempt, which then succeeds."""
    index = world.index.of("ann@example.com")
    holds = [world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER)) for _ in range(5)]
    world.clock.now += 600
    world.limits.count_failed_login(index, ATTACKER, holds[3])
    world.limits.login_succeeded(index, ATTACKER)["apply"]()  # the fifth was the owner's
    world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER))  # its slot came back
    with pytest.raises(RateLimited) as full:
        world.limits.hold_login(index, ATTACKER, world.limits.address_room(ATTACKER))
    assert full.value.retry_after_seconds == 300  # the window's end: no lockout started


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


def test_the_admin_command_creates_a_new_admin_and_audits_it(world: World) -> None:
    admin = world.auth.create_admin("Root@Example.com", "an admin password")
    assert admin.role == "admin"
    assert world.auth.login("root@example.com", "an admin password").user.role == "admin"
    system = [
        (e["action"], e["target_id"], e["actor_id"]) for e in world.audit.entries if e["actor_id"] == "system"
    ]
    assert system == [("user.created", admin.id, "system")]


def test_the_admin_command_will_not_take_over_an_account_someone_registered_first(world: World) -> None:
    squatter = world.auth.register("admin@example.com", PASSWORD, "Mallory").user
    with pytest.raises(EmailTaken):
        world.auth.create_admin("admin@example.com", "the operator's password")
    assert world.users.by_id[squatter.id].role == "customer"
    with pytest.raises(InvalidCredentials):
        world.auth.login("admin@example.com", "the operator's password")
    assert not [e for e in world.audit.entries if e["actor_id"] == "system"]


def test_promoting_needs_the_accounts_own_password(world: World) -> None:
    customer = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    with pytest.raises(InvalidCredentials):
        world.auth.promote_existing("ann@example.com", "not ann's password")
    with pytest.raises(InvalidCredentials):
        world.auth.promote_existing("nobody@example.com", PASSWORD)
    assert world.users.by_id[customer.id].role == "customer"
    promotion = world.auth.promote_existing("ANN@example.com", PASSWORD)
    assert (promotion.user.id, promotion.user.role, promotion.already_admin) == (customer.id, "admin", False)
    assert world.auth.login("ann@example.com", PASSWORD).user.role == "admin"  # password kept
    again = world.auth.promote_existing("ann@example.com", PASSWORD)
    assert (again.user.role, again.already_admin) == ("admin", True)
    system = [
        (e["action"], e["target_id"], e["details"]) for e in world.audit.entries if e["actor_id"] == "system"
    ]
    assert system == [
        ("user.promotion_refused", customer.id, {"reason": "invalid_credentials"}),
        ("user.promotion_refused", "", {"reason": "invalid_credentials"}),
        ("user.role_changed", customer.id, {"from": "customer", "to": "admin"}),
    ]


def test_a_disabled_account_is_not_promoted(world: World) -> None:
    customer = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    world.users.update_access(customer.id, disabled=True)
    with pytest.raises(AccountDisabled):
        world.auth.promote_existing("ann@example.com", PASSWORD)
    assert world.users.by_id[customer.id].role == "customer"


def test_login_rehashes_a_weak_stored_hash(world: World) -> None:
    from shop.domain import passwords

    user = world.auth.register("ann@example.com", PASSWORD, "Ann").user
    weak = passwords.hash_password(PASSWORD, passwords.Argon2Params(memory_cost_kib=8192, iterations=1))
    world.users.set_password_hash(user.id, weak)
    world.auth.login("ann@example.com", PASSWORD)
    stored = world.users.by_id[user.id].password_hash
    assert stored != weak and not passwords.needs_rehash(stored)


def test_an_attackers_lockout_does_not_lock_the_owner_out_from_elsewhere(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=OWNER).user.email == "ann@example.com"
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", "another guess", source_ip=ATTACKER)  # still locked


def test_each_further_lockout_of_the_same_pair_lasts_twice_as_long_up_to_the_cap(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    lockouts = []
    for _ in range(7):
        for _ in range(5):
            with pytest.raises(InvalidCredentials):
                world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)
        with pytest.raises(RateLimited) as limited:
            world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)
        lockouts.append(limited.value.retry_after_seconds)
        world.clock.now += limited.value.retry_after_seconds  # wait it out, then guess again
    assert lockouts == [900, 1800, 3600, 7200, 14400, 21600, 21600]
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=OWNER).user.email == "ann@example.com"


def test_a_pairs_lockouts_are_forgotten_after_a_quiet_spell(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    for wait in (0, 900, 6 * 3600 + 1800 + 1):  # the last: past the longest lockout after the window
        world.clock.now += wait
        for _ in range(5):
            with pytest.raises(InvalidCredentials):
                world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)
        with pytest.raises(RateLimited) as limited:
            world.auth.login("ann@example.com", "a guess", source_ip=ATTACKER)
    assert limited.value.retry_after_seconds == 900


def test_failed_logins_are_limited_per_address_whatever_the_emails() -> None:
    world = World(ClientLimitPolicy(failed_logins_per_ip=Limit(3, 900)))
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        with pytest.raises(InvalidCredentials):
            world.auth.login(email, "a guess", source_ip=ATTACKER)
    with pytest.raises(RateLimited) as limited:
        world.auth.login("d@example.com", "a guess", source_ip=ATTACKER)
    assert 0 < limited.value.retry_after_seconds <= 900
    with pytest.raises(RateLimited):
        world.auth.login("ann@example.com", PASSWORD, source_ip=ATTACKER)
    assert world.auth.login("ann@example.com", PASSWORD, source_ip=OWNER).user.email == "ann@example.com"


def test_successful_logins_do_not_count_against_the_address() -> None:
    world = World(ClientLimitPolicy(failed_logins_per_ip=Limit(2, 900)))
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    for _ in range(10):
        world.auth.login("ann@example.com", PASSWORD, source_ip=OWNER)
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "a typo", source_ip=OWNER)


def test_registrations_are_limited_per_address() -> None:
    world = World(ClientLimitPolicy(registrations_per_ip=Limit(2, 900)))
    world.auth.register("a@example.com", PASSWORD, "A", source_ip=ATTACKER)
    with pytest.raises(EmailTaken):  # a taken email counts too: register must not probe emails for free
        world.auth.register("a@example.com", PASSWORD, "A", source_ip=ATTACKER)
    with pytest.raises(RateLimited) as limited:
        world.auth.register("c@example.com", PASSWORD, "C", source_ip=ATTACKER)
    assert limited.value.retry_after_seconds == 900
    assert world.users.find_by_email_index(world.index.of("c@example.com")) is None
    assert world.auth.register("c@example.com", PASSWORD, "C", source_ip=OWNER).user.email == "c@example.com"
    world.clock.now += 900
    world.auth.register("d@example.com", PASSWORD, "D", source_ip=ATTACKER)


def test_guest_tokens_are_limited_per_address() -> None:
    world = World(ClientLimitPolicy(guest_tokens_per_ip=Limit(3, 900)))
    for _ in range(3):
        world.auth.guest(ATTACKER)
    with pytest.raises(RateLimited):
        world.auth.guest(ATTACKER)
    assert world.tokens.verify(world.auth.guest(OWNER).token).role == "guest"


def test_a_wrong_password_decrypts_nothing(world: World) -> None:
    world.auth.register("ann@example.com", PASSWORD, "Ann")
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "a guess")
    assert world.users.unsealed == 0
    world.auth.login("ann@example.com", PASSWORD)
    assert world.users.unsealed == 1


def test_the_decoy_hash_is_built_with_the_service_without_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed, verified = [], []
    real_hash, real_verify = passwords.hash_password, passwords.verify_password

    def counted_hash(*args: Any) -> str:
        hashed.append(1)
        return real_hash(*args)

    def counted_verify(*args: Any) -> bool:
        verified.append(1)
        return real_verify(*args)

    monkeypatch.setattr(passwords, "hash_password", counted_hash)
    monkeypatch.setattr(passwords, "verify_password", counted_verify)
    world = World()
    assert not hashed  # the decoy is a random digest with today's parameters: no Argon2 at cold start
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            world.auth.login("nobody@example.com", "a guess")
    assert (len(hashed), len(verified)) == (0, 2)  # each unknown email: one verification, no hashing


def test_registrations_login_failures_and_token_reuse_are_counted(
    world: World, business_metrics: Any
) -> None:
    first = world.auth.register("ann@example.com", PASSWORD, "Ann")
    with pytest.raises(InvalidCredentials):
        world.auth.login("ann@example.com", "wrong password!")
    with pytest.raises(InvalidCredentials):
        world.auth.login("nobody@example.com", PASSWORD)
    world.auth.login("ann@example.com", PASSWORD)  # a success counts nothing
    world.auth.refresh(first.refresh_token)
    with pytest.raises(TokenReused):
        world.auth.refresh(first.refresh_token)
    world.users.update_access(first.user.id, disabled=True)
    with pytest.raises(AccountDisabled):
        world.auth.login("ann@example.com", PASSWORD)
    assert business_metrics() == {"UsersRegistered": 1, "LoginFailures": 3, "TokenReuseDetected": 1}
