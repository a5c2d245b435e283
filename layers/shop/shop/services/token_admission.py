"""The authorizer's decision: a valid signature is not enough for a user's token, the user must
still hold the role and access version the token was issued with and must not be disabled.

Guest tokens name nobody stored, so they are only verified. A role change or a disable bumps the
user's access version; tokens issued before are then refused (401) once the caches below have
turned over, so a client refreshes and gets a token with the new role (or, disabled, nothing).
"""

from __future__ import annotations

from typing import Protocol

from shop.domain.tokens import AccessClaims, AccessState
from shop.errors import InvalidToken


class TokenVerifier(Protocol):
    def verify(self, token: str) -> AccessClaims:
        """InvalidToken unless the token is a valid, current access token of ours."""
        ...


class AccessStates(Protocol):
    def current(self, user_id: str) -> AccessState | None:
        """The user's access state (possibly a few seconds old), or None for no such user."""
        ...


class TokenAdmission:
    def __init__(self, verifier: TokenVerifier, states: AccessStates) -> None:
        self._verifier, self._states = verifier, states

    def admit(self, token: str) -> AccessClaims:
        claims = self._verifier.verify(token)
        if claims.role == "guest":
            return claims
        state = self._states.current(claims.subject)
        if state is None or not state.admits(claims):
            raise InvalidToken()
        return claims
