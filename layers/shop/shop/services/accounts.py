"""GET /auth/me: a signed-in user's own account. Its own module, so that the function answering it
loads the user store and nothing of signing in (tokens, limits, password hashing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop.errors import AccountDisabled, NotFound

if TYPE_CHECKING:
    from shop.domain.users import User
    from shop.services.auth_ports import UserAccounts


class Accounts:
    """The user store alone (no signer, no limits, no password hashing)."""

    def __init__(self, users: UserAccounts) -> None:
        self._users = users

    def me(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise NotFound()
        if user.disabled:
            raise AccountDisabled()
        return user
