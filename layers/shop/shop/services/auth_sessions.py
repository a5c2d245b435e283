"""Sessions: an access token plus a rotating refresh token, one family per login.

Refresh re-reads the user, so the new access token carries the user's current role and access
version (the authorizer refuses tokens of an older version), and a family whose login came before
the user's last disable (an older session epoch) is revoked by the refresh that finds it, so that an
admin's disable writes no item of the user's sessions. A spent token presented again means that someone else holds a copy: the whole family is
revoked and the event is audited.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shop.domain.tokens import RefreshToken, hash_refresh_token, new_family_id, new_refresh_token
from shop.domain.users import User
from shop.errors import AccountDisabled, InvalidToken, TokenReused
from shop.observability import count
from shop.services.auth_ports import AccessTokens, RefreshTokenStore, UserRepository
from shop.services.catalog_audit import AuditPort

if TYPE_CHECKING:  # a type only: the order ports' imports stay out of the auth functions
    from shop.services.order_ports import TxItem

MAX_REFRESH_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class Session:
    user: User
    access_token: str
    expires_in: int
    refresh_token: str


class Logouts:
    """POST /auth/logout: the refresh-token store alone (no signer, no user store, no cipher)."""

    def __init__(self, store: RefreshTokenStore) -> None:
        self._store = store

    def end(self, presented: str) -> None:
        """Revoke the token's family. An unknown token is not an error (nothing to end)."""
        if not presented or len(presented) > MAX_REFRESH_TOKEN_LENGTH:
            return
        found = self._store.find(hash_refresh_token(presented))
        if found is not None:
            self._store.revoke_family(found.family_id)


class Sessions:
    def __init__(
        self,
        store: RefreshTokenStore,
        tokens: AccessTokens,
        users: UserRepository,
        audit: AuditPort,
        refresh_ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._tokens, self._users, self._audit = store, tokens, users, audit
        self._ttl, self._clock = refresh_ttl_seconds, clock

    def start(
        self, user: User, login: Mapping[str, Any] | None = None, along: Sequence[TxItem] = ()
    ) -> Session:
        """A new session: a new family whose lifetime bounds every token rotated from it. A login's
        entry (`login`: the fields of AuditPort.draft) opens the session's own audit chain, in the
        family's transaction: it needs no read of any chain's head. `along`: elements of other
        tables that the family's transaction carries too."""
        presented = new_refresh_token()
        first = RefreshToken(
            token_hash=hash_refresh_token(presented),
            family_id=new_family_id(),
            user_id=user.id,
            status="active",
            expires_at=int(self._clock()) + self._ttl,
            session_epoch=user.session_epoch,
        )
        entries = [self._audit.draft(**login, opens_chain=f"session#{first.family_id}")] if login else []
        self._store.start_family(first, entries, along)
        return self._session(user, presented)

    def refresh(self, presented: str, request_id: str = "") -> Session:
        now = int(self._clock())
        current = self._find(presented)
        if current.status == "spent":
            self._reused(current, request_id)
        if current.expires_at <= now:
            raise InvalidToken()
        user = self._users.get(current.user_id)
        if user is None:
            self._store.revoke_family(current.family_id)
            raise InvalidToken()
        if user.disabled:
            self._store.revoke_family(current.family_id)
            raise AccountDisabled()
        if current.session_epoch != user.session_epoch:  # a disable ended the sessions before it
            self._store.revoke_family(current.family_id)
            raise InvalidToken()
        successor_token = new_refresh_token()
        successor = RefreshToken(
            token_hash=hash_refresh_token(successor_token),
            family_id=current.family_id,
            user_id=user.id,
            status="active",
            expires_at=current.expires_at,
            session_epoch=current.session_epoch,
        )
        if not self._store.rotate(current.token_hash, successor, now):
            again = self._store.find(current.token_hash)
            if again is not None and again.status == "spent":
                self._reused(again, request_id)  # lost a race with another use of the same token
            raise InvalidToken()  # family revoked (logout, reuse) or token just expired
        return self._session(user, successor_token)

    def end(self, presented: str) -> None:
        """Logout (see Logouts)."""
        Logouts(self._store).end(presented)

    def _find(self, presented: str) -> RefreshToken:
        if not presented or len(presented) > MAX_REFRESH_TOKEN_LENGTH:
            raise InvalidToken()
        found = self._store.find(hash_refresh_token(presented))
        if found is None:
            raise InvalidToken()
        return found

    def _reused(self, token: RefreshToken, request_id: str) -> None:
        entry = self._audit.draft(
            actor_id="anonymous",
            actor_role="anonymous",
            action="auth.refresh_token_reused",
            target_type="user",
            target_id=token.user_id,
            request_id=request_id,
            details={"family_id": token.family_id, "family_revoked": True},
        )
        self._store.revoke_family(token.family_id, [entry])
        count("TokenReuseDetected")
        raise TokenReused()

    def _session(self, user: User, refresh_token: str) -> Session:
        access = self._tokens.issue(user.id, user.role, user.access_version)
        return Session(user, access.token, access.expires_in, refresh_token)
