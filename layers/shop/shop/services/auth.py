"""The auth use cases: guest tokens, registration, login, sessions, the current user, and the
first admin.

Login never tells a wrong email from a wrong password, in its answer or in its timing (an unknown
email still costs one password verification), and every attempt takes a throttle slot before the
password is checked. Audit entries name users by id, never by email.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from shop.domain import passwords
from shop.domain.tokens import IssuedAccessToken, new_guest_id
from shop.domain.users import User, check_new_password, clean_name, new_user_id, normalise_email
from shop.errors import AccountDisabled, InvalidCredentials, NotFound, ShopError, ValidationFailed
from shop.services.auth_ports import (
    AccessTokens,
    AuditRecorder,
    EmailIndexer,
    GuestCartMerger,
    LoginAttempts,
    UserRepository,
)
from shop.services.auth_sessions import Session, Sessions


def _field(name: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed(details=[{"field": f"body.{name}", "message": str(exc)}]) from exc


def issue_guest_token(tokens: AccessTokens) -> IssuedAccessToken:
    """A guest is nobody in particular: a fresh random id, no stored account, no refresh token."""
    return tokens.issue(new_guest_id(), "guest")


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        sessions: Sessions,
        tokens: AccessTokens,
        email_index: EmailIndexer,
        attempts: LoginAttempts,
        audit: AuditRecorder,
        carts: GuestCartMerger,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._users, self._sessions, self._tokens = users, sessions, tokens
        self._index, self._attempts, self._audit, self._carts = email_index, attempts, audit, carts
        self._clock = clock

    def guest(self) -> IssuedAccessToken:
        return issue_guest_token(self._tokens)

    def register(self, email: str, password: str, name: str, guest_token: str | None = None) -> Session:
        email = _field("email", normalise_email, email)
        password = _field("password", check_new_password, password)
        name = _field("name", clean_name, name)
        guest_id = self._guest_id(guest_token)
        user = self._new_user(email, password, name, "customer")
        self._merge(guest_id, user)
        return self._sessions.start(user)

    def login(
        self, email: str, password: str, guest_token: str | None = None, request_id: str = ""
    ) -> Session:
        email = _field("email", normalise_email, email)
        guest_id = self._guest_id(guest_token)
        index = self._index.of(email)
        ticket = self._attempts.reserve_attempt(index, int(self._clock()))
        user = self._users.find_by_email_index(index)
        if user is None or not passwords.verify_password(password, user.password_hash):
            if user is None:
                passwords.spend_verification_time(password)
            self._audit_login(user, "auth.login_failed", request_id, {"reason": "invalid_credentials"})
            raise InvalidCredentials()
        self._attempts.release_attempt(index, ticket)
        if user.disabled:
            self._audit_login(user, "auth.login_failed", request_id, {"reason": "account_disabled"})
            raise AccountDisabled()
        if passwords.needs_rehash(user.password_hash):
            self._users.set_password_hash(user.id, passwords.hash_password(password))
        self._merge(guest_id, user)
        self._audit_login(user, "auth.login_succeeded", request_id, {})
        return self._sessions.start(user)

    def refresh(self, refresh_token: str, request_id: str = "") -> Session:
        return self._sessions.refresh(refresh_token, request_id)

    def logout(self, refresh_token: str) -> None:
        self._sessions.end(refresh_token)

    def me(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise NotFound()
        if user.disabled:
            raise AccountDisabled()
        return user

    def create_or_promote_admin(self, email: str, password: str, name: str = "Administrator") -> User:
        """The documented way to get the first admin (`make admin`). An existing user is promoted
        and keeps their password; otherwise a new admin is created with this password."""
        email = _field("email", normalise_email, email)
        existing = self._users.find_by_email_index(self._index.of(email))
        if existing is not None and existing.role == "admin":
            return existing
        if existing is not None:
            promoted = self._users.update_access(existing.id, role="admin")
            self._audit.record(
                actor_id="system", actor_role="system", action="user.role_changed", target_type="user",
                target_id=existing.id, details={"from": existing.role, "to": "admin"},
            )  # fmt: skip
            return promoted
        password = _field("password", check_new_password, password)
        user = self._new_user(email, password, _field("name", clean_name, name), "admin")
        self._audit.record(
            actor_id="system", actor_role="system", action="user.created", target_type="user",
            target_id=user.id, details={"role": "admin"},
        )  # fmt: skip
        return user

    def _new_user(self, email: str, password: str, name: str, role: str) -> User:
        user = User(
            id=new_user_id(),
            email=email,
            name=name,
            role="admin" if role == "admin" else "customer",
            disabled=False,
            created_at=datetime.fromtimestamp(self._clock(), UTC),
            password_hash=passwords.hash_password(password),
        )
        self._users.create(user, self._index.of(email))
        return user

    def _guest_id(self, guest_token: str | None) -> str | None:
        if guest_token is None:
            return None
        try:
            claims = self._tokens.verify(guest_token)
        except ShopError:
            claims = None
        if claims is None or claims.role != "guest":
            raise ValidationFailed(
                details=[{"field": "body.guest_token", "message": "is not a valid guest token"}]
            )
        return claims.subject

    def _merge(self, guest_id: str | None, user: User) -> None:
        if guest_id is not None:
            self._carts.merge_guest_cart(guest_id, user.id)

    def _audit_login(self, user: User | None, action: str, request_id: str, details: dict[str, str]) -> None:
        self._audit.record(
            actor_id=user.id if user else "anonymous",
            actor_role=user.role if user else "anonymous",
            action=action,
            target_type="user",
            target_id=user.id if user else "",
            request_id=request_id,
            details=details,
        )
