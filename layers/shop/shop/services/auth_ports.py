"""The ports the auth use cases talk to. Adapters implement them on DynamoDB, KMS and Secrets
Manager; unit tests implement them in memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from shop.domain.audit_chain import AuditDraft
from shop.domain.rate_limits import Bucket, Limit, Slot
from shop.domain.tokens import AccessClaims, IssuedAccessToken, RefreshToken, TokenRole
from shop.domain.users import User, UserRole

if TYPE_CHECKING:  # a type only: the order ports' imports stay out of the auth functions
    from shop.services.order_ports import TxItem

AccessEntries = Callable[[User], Sequence[AuditDraft]]
"""The audit entries recording an access change, made from the user as it was before it."""


def no_entries(before: User) -> Sequence[AuditDraft]:
    return ()


class ReadAlong(Protocol):
    """An item of another store that a store reads in the same request as its own: `request`
    says which (table and key), `found` receives it (None: there is none)."""

    def request(self) -> tuple[str, dict[str, Any]]: ...

    def found(self, item: dict[str, Any] | None) -> None: ...


class Room(ReadAlong, Protocol):
    def wait(self) -> int:
        """Seconds until the bucket has room (0: it has room now); read on its own if no store read it."""
        ...


class UserRepository(Protocol):
    def create(self, user: User, email_index: str, audit: Sequence[AuditDraft] = ()) -> None:
        """Store a new user (with the entries recording it); EmailTaken if the email index is taken."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def find_by_email_index(self, email_index: str) -> User | None: ...

    def update_access(
        self,
        user_id: str,
        *,
        role: UserRole | None = None,
        disabled: bool | None = None,
        audit: AccessEntries = no_entries,
    ) -> User:
        """NotFound if there is no such user. The entries `audit` makes from the user as the write
        found it are written in the change's transaction, so that their "from" is what was changed.
        A change to what already holds (`changes_access` false) writes nothing and answers the user."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...


@dataclass(frozen=True)
class StoredCredentials:
    """What a login needs before it trusts the caller, with the personal data still sealed:
    `unseal` decrypts it (a KMS call at most), once the password has matched."""

    user_id: str
    role: UserRole
    disabled: bool
    password_hash: str
    unseal: Callable[[], User]


class UserAccounts(UserRepository, Protocol):
    def find_credentials(self, email_index: str, along: Sequence[ReadAlong] = ()) -> StoredCredentials | None:
        """The credentials of the user with this email index, decrypting nothing; the items `along`
        are read in the same request as the email's."""
        ...


class RefreshTokenStore(Protocol):
    def start_family(
        self, token: RefreshToken, audit: Sequence[AuditDraft] = (), along: Sequence[TxItem] = ()
    ) -> None:
        """The new family and its first token, with the entries recording the login and any
        elements of other tables (`along`) in the same transaction."""
        ...

    def find(self, token_hash: str) -> RefreshToken | None: ...

    def rotate(self, spent_hash: str, successor: RefreshToken, now: int) -> bool:
        """Atomically spend an active, unexpired token of a live family and store its successor;
        False (and nothing written) otherwise."""
        ...

    def revoke_family(self, family_id: str, audit: Sequence[AuditDraft] = ()) -> None: ...


class RateLimiter(Protocol):
    def take(self, bucket: str, limit: Limit, now: int) -> Slot:
        """Admit one attempt before doing the work it asks for; RateLimited when the bucket is full."""
        ...

    def hold(self, bucket: str, limit: Limit, now: int) -> Bucket:
        """Hold a slot for an attempt whose outcome is not known yet, atomically (parallel attempts
        get no more than the slots there are), and return the bucket as this hold left it;
        RateLimited when the bucket is full. Holding the last slot starts no lockout: `lock_if_full`
        does, once the attempt proved to be abuse."""
        ...

    def room(self, bucket: str, limit: Limit, now: int) -> Room:
        """Whether the bucket has room, to be read along with another store's read."""
        ...

    def release_element(self, bucket: str, now: int) -> TxItem:
        """The transaction element that gives a held slot back (the attempt was no abuse); it has no
        condition, so it never fails the transaction that carries it."""
        ...

    def release(self, bucket: str, now: int) -> None:
        """The same as `release_element`, on its own, and never below zero."""
        ...

    def lock_if_full(self, bucket: str, held: Bucket, limit: Limit, now: int) -> None:
        """A held attempt was abuse: its slot stays taken, and if it held the last slot (`held`,
        as `hold` returned it, is full) the lockout starts, unless the bucket changed since (a slot
        given back by a success: this attempt's was not the last after all)."""
        ...


class AccessTokens(Protocol):
    def issue(self, subject: str, role: TokenRole, version: int = 0) -> IssuedAccessToken: ...

    def verify(self, token: str) -> AccessClaims:
        """InvalidToken unless the token is a valid, current access token of ours."""
        ...


class EmailIndexer(Protocol):
    def of(self, email: str) -> str:
        """The blind index of an email (a keyed hash of its normal form)."""
        ...


class GuestCartMerger(Protocol):
    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        """Move the guest's cart lines into the user's cart and empty the guest's; idempotent."""
        ...
