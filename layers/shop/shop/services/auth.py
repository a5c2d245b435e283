"""The auth use cases: guest tokens, registration, login, sessions, the current user, and the
first admin.

Login never tells a wrong email from a wrong password, in its answer or in its timing (an unknown
email still costs one password verification, against a decoy hash built with the service), every
attempt holds a slot of its rate limits before the password is checked, which only the right
password gives back (shop.services.client_limits), and nothing is decrypted before the password has
matched. Audit entries name users by id, never by email.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shop.domain import passwords
from shop.domain.audit_chain import AuditDraft
from shop.domain.tokens import IssuedAccessToken, new_guest_id
from shop.domain.users import User, check_new_password, clean_name, new_user_id, normalise_email
from shop.errors import AccountDisabled, InvalidCredentials, ShopError, ValidationFailed
from shop.observability import count
from shop.services.accounts import Accounts
from shop.services.auth_ports import (
    AccessTokens,
    EmailIndexer,
    GuestCartMerger,
    StoredCredentials,
    UserAccounts,
)
from shop.services.auth_sessions import Session, Sessions
from shop.services.catalog_audit import AuditPort
from shop.services.client_limits import ClientLimits


def _field(name: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed(details=[{"field": f"body.{name}", "message": str(exc)}]) from exc


class GuestTokens:
    """POST /auth/guest, light on purpose (no user store, no cipher): a guest is nobody in
    particular, a fresh random id with no stored account and no refresh token; only the client's
    address is counted."""

    def __init__(self, tokens: AccessTokens, limits: ClientLimits) -> None:
        self._tokens, self._limits = tokens, limits

    def issue(self, source_ip: str = "") -> IssuedAccessToken:
        self._limits.take_guest_token(source_ip)
        return self._tokens.issue(new_guest_id(), "guest")


@dataclass(frozen=True)
class Promotion:
    user: User
    already_admin: bool


class AuthService:
    def __init__(
        self,
        users: UserAccounts,
        sessions: Sessions,
        tokens: AccessTokens,
        email_index: EmailIndexer,
        limits: ClientLimits,
        audit: AuditPort,
        carts: GuestCartMerger,
        clock: Callable[[], float] = time.time,
        decoy_hash: str | None = None,
    ) -> None:
        self._users, self._sessions, self._tokens = users, sessions, tokens
        self._index, self._limits, self._audit, self._carts = email_index, limits, audit, carts
        self._clock = clock
        self._decoy_hash = decoy_hash or passwords.new_decoy_hash()

    def guest(self, source_ip: str = "") -> IssuedAccessToken:
        return GuestTokens(self._tokens, self._limits).issue(source_ip)

    def register(
        self, email: str, password: str, name: str, guest_token: str | None = None, source_ip: str = ""
    ) -> Session:
        email = _field("email", normalise_email, email)
        password = _field("password", check_new_password, password)
        name = _field("name", clean_name, name)
        guest_id = self._guest_id(guest_token)
        self._limits.take_registration(source_ip)
        user = self._new_user(email, password, name, "customer")
        count("UsersRegistered")
        self._merge(guest_id, user)
        return self._sessions.start(user)

    def login(
        self,
        email: str,
        password: str,
        guest_token: str | None = None,
        request_id: str = "",
        source_ip: str = "",
    ) -> Session:
        email = _field("email", normalise_email, email)
        guest_id = self._guest_id(guest_token)
        index = self._index.of(email)
        address = self._limits.address_room(source_ip)
        found = self._users.find_credentials(index, along=[address])
        held = self._limits.hold_login(index, source_ip, address)
        if found is None or not passwords.verify_password(password, found.password_hash):
            if found is None:
                passwords.spend_verification_time(password, self._decoy_hash)
            self._audit_login(found, "auth.login_failed", request_id, {"reason": "invalid_credentials"})
            self._limits.count_failed_login(index, source_ip, held)
            count("LoginFailures")
            raise InvalidCredentials()
        try:
            return self._sign_in(found, password, guest_id, request_id, (index, source_ip))
        except Exception:  # the right password, refused or failed for another reason: no guess
            with contextlib.suppress(Exception):  # its slot comes back if it can; the first error stands
                self._limits.release_login(index, source_ip)
            raise

    def _sign_in(
        self,
        found: StoredCredentials,
        password: str,
        guest_id: str | None,
        request_id: str,
        pair: tuple[str, str],
    ) -> Session:
        """The password matched: a session, whose transaction gives the pair's held slot back."""
        if found.disabled:
            self._audit_login(found, "auth.login_failed", request_id, {"reason": "account_disabled"})
            count("LoginFailures")
            raise AccountDisabled()
        if passwords.needs_rehash(found.password_hash):
            self._users.set_password_hash(found.user_id, passwords.hash_password(password))
        user = found.unseal()
        self._merge(guest_id, user)
        return self._sessions.start(
            user,
            self._login_fields(found, "auth.login_succeeded", request_id, {}),
            along=[self._limits.login_succeeded(*pair)],
        )

    def refresh(self, refresh_token: str, request_id: str = "") -> Session:
        return self._sessions.refresh(refresh_token, request_id)

    def logout(self, refresh_token: str) -> None:
        self._sessions.end(refresh_token)

    def me(self, user_id: str) -> User:
        return Accounts(self._users).me(user_id)

    def create_admin(self, email: str, password: str, name: str = "Administrator") -> User:
        """`make admin`: a new admin account with this password. EmailTaken if the email has an
        account already: making that one admin is promote_existing's, for its owner only."""
        email = _field("email", normalise_email, email)
        password = _field("password", check_new_password, password)
        return self._new_user(email, password, _field("name", clean_name, name), "admin", audit=True)

    def promote_existing(self, email: str, password: str) -> Promotion:
        """`make admin --promote`: an existing account becomes admin, but only for whoever knows its
        password, so that registering the future admin's email first gains nothing.
        InvalidCredentials (and a refusal in the trail) otherwise, with the timing of a login."""
        email = _field("email", normalise_email, email)
        found = self._users.find_credentials(self._index.of(email))
        if found is None or not passwords.verify_password(password, found.password_hash):
            if found is None:
                passwords.spend_verification_time(password, self._decoy_hash)
            target = found.user_id if found else ""
            self._audit_admin("user.promotion_refused", target, {"reason": "invalid_credentials"})
            raise InvalidCredentials()
        if found.disabled:
            self._audit_admin("user.promotion_refused", found.user_id, {"reason": "account_disabled"})
            raise AccountDisabled()
        if found.role == "admin":
            return Promotion(found.unseal(), already_admin=True)
        promoted = self._users.update_access(
            found.user_id,
            role="admin",
            audit=lambda before: [
                self._admin_entry("user.role_changed", before.id, {"from": before.role, "to": "admin"})
            ],
        )
        return Promotion(promoted, already_admin=False)

    def _new_user(self, email: str, password: str, name: str, role: str, audit: bool = False) -> User:
        user = User(
            id=new_user_id(),
            email=email,
            name=name,
            role="admin" if role == "admin" else "customer",
            disabled=False,
            created_at=datetime.fromtimestamp(self._clock(), UTC),
            password_hash=passwords.hash_password(password),
        )
        entries = [self._admin_entry("user.created", user.id, {"role": "admin"})] if audit else []
        self._users.create(user, self._index.of(email), entries)
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

    def _audit_login(
        self, found: StoredCredentials | None, action: str, request_id: str, details: dict[str, str]
    ) -> None:
        """A failed attempt changes nothing else: its entry is appended on its own."""
        self._audit.record(**self._login_fields(found, action, request_id, details))

    @staticmethod
    def _login_fields(
        found: StoredCredentials | None, action: str, request_id: str, details: dict[str, str]
    ) -> dict[str, Any]:
        # A wrong password proves nothing about who is calling: such an attempt is anonymous's, on
        # a shared chain, so that a flood of them never appends to the account holder's own chain.
        proven = found is not None and details.get("reason") != "invalid_credentials"
        return dict(
            actor_id=found.user_id if found and proven else "anonymous",
            actor_role=found.role if found and proven else "anonymous",
            action=action,
            target_type="user",
            target_id=found.user_id if found else "",
            request_id=request_id,
            details=details,
        )

    def _audit_admin(self, action: str, user_id: str, details: dict[str, str]) -> None:
        """A refusal of the admin command changes nothing else: its entry is appended on its own."""
        self._audit.record(**self._admin_fields(action, user_id, details))

    def _admin_entry(self, action: str, user_id: str, details: dict[str, str]) -> AuditDraft:
        return self._audit.draft(**self._admin_fields(action, user_id, details))

    @staticmethod
    def _admin_fields(action: str, user_id: str, details: dict[str, str]) -> dict[str, Any]:
        """The admin command runs outside any request, as the system."""
        return dict(
            actor_id="system", actor_role="system", action=action, target_type="user",
            target_id=user_id, details=details,
        )  # fmt: skip
