"""Tokens of a session: short-lived signed access tokens and opaque, rotating refresh tokens.

A refresh token is random and stored only as its SHA-256 hash: a leaked table holds nothing that
can be presented. Tokens of one login share a family; reuse of a spent token revokes the family.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

TokenRole = Literal["guest", "customer", "admin"]
TOKEN_ROLES: frozenset[str] = frozenset({"guest", "customer", "admin"})
RefreshStatus = Literal["active", "spent"]


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    subject: str
    role: TokenRole
    issued_at: int
    expires_at: int
    token_id: str
    version: int = 0
    """The user's access version when the token was issued (0 for guests)."""


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int


@dataclass(frozen=True)
class RefreshToken:
    """The stored side of a refresh token (never the token itself)."""

    token_hash: str
    family_id: str
    user_id: str
    status: RefreshStatus
    expires_at: int
    session_epoch: int = 0  # the user's session_epoch at the family's login


def new_guest_id() -> str:
    return "g_" + secrets.token_hex(12)


def new_family_id() -> str:
    return "f_" + secrets.token_hex(12)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessState:
    """What a user's access tokens must still match: the role, not disabled, the access version."""

    role: str
    disabled: bool
    version: int

    def admits(self, claims: AccessClaims) -> bool:
        return not self.disabled and self.role == claims.role and self.version == claims.version
