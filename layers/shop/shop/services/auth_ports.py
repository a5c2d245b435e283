"""The ports the auth use cases talk to. Adapters implement them on DynamoDB, KMS and Secrets
Manager; unit tests implement them in memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shop.domain.tokens import AccessClaims, IssuedAccessToken, RefreshToken, TokenRole
from shop.domain.users import User, UserRole


class UserRepository(Protocol):
    def create(self, user: User, email_index: str) -> None:
        """Store a new user; EmailTaken if a user with this email index exists."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def find_by_email_index(self, email_index: str) -> User | None: ...

    def update_access(
        self, user_id: str, *, role: UserRole | None = None, disabled: bool | None = None
    ) -> User:
        """NotFound if there is no such user."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...


class RefreshTokenStore(Protocol):
    def start_family(self, token: RefreshToken) -> None: ...

    def find(self, token_hash: str) -> RefreshToken | None: ...

    def rotate(self, spent_hash: str, successor: RefreshToken, now: int) -> bool:
        """Atomically spend an active, unexpired token of a live family and store its successor;
        False (and nothing written) otherwise."""
        ...

    def revoke_family(self, family_id: str) -> None: ...


class LoginAttempts(Protocol):
    def reserve_attempt(self, email_index: str, now: int) -> int:
        """Take an attempt slot before checking a password; RateLimited when none is left.
        Returns a ticket for release_attempt."""
        ...

    def release_attempt(self, email_index: str, window_ends: int) -> None: ...


class AccessTokens(Protocol):
    def issue(self, subject: str, role: TokenRole) -> IssuedAccessToken: ...

    def verify(self, token: str) -> AccessClaims:
        """InvalidToken unless the token is a valid, current access token of ours."""
        ...


class AuditRecorder(Protocol):
    def record(
        self,
        *,
        actor_id: str,
        actor_role: str,
        action: str,
        target_type: str,
        target_id: str,
        request_id: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> object: ...


class EmailIndexer(Protocol):
    def of(self, email: str) -> str:
        """The blind index of an email (a keyed hash of its normal form)."""
        ...


class GuestCartMerger(Protocol):
    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        """Move the guest's cart lines into the user's cart and empty the guest's; idempotent."""
        ...
