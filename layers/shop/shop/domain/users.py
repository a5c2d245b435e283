"""Users as the shop knows them, and the rules on their email, name and password.

Emails are compared in one normal form (trimmed, lower case) so that `Ann@X.com ` and `ann@x.com`
are one account; the blind index is a keyed hash of that form, so a user can be found by email
without the email being stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

UserRole = Literal["customer", "admin"]

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # bounds the hashing work one request can ask for
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"[a-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


@dataclass(frozen=True)
class User:
    """A registered user (guests are never stored). `password_hash` never leaves the core."""

    id: str
    email: str
    name: str
    role: UserRole
    disabled: bool
    created_at: datetime
    password_hash: str
    access_version: int = 0
    """Bumped by every role change or disable: access tokens carry it, and older ones stop working."""
    session_epoch: int = 0
    """Bumped by every disable: a refresh token carries the epoch of its login, and one of an older
    epoch is refused (its family revoked), so disabling ends every session without writing any."""


def changes_access(user: User, role: UserRole | None, disabled: bool | None) -> bool:
    """Whether setting this role and/or disabled flag would change anything for `user`."""
    return (role is not None and role != user.role) or (disabled is not None and disabled != user.disabled)


def new_user_id() -> str:
    return "u_" + secrets.token_hex(12)


def normalise_email(raw: str) -> str:
    """The one form an email is stored, indexed and compared in; ValueError if it is not an email."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        raise ValueError("is not a valid email address")
    return email


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    return password


def clean_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise ValueError("must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"must be at most {MAX_NAME_LENGTH} characters long")
    return name


class EmailIndex:
    """HMAC-SHA256 of the normalised email under a secret key: equal emails, equal index; no key, no email."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the blind index key must be at least 32 bytes")
        self._key = key

    def of(self, email: str) -> str:
        return hmac.new(self._key, normalise_email(email).encode(), hashlib.sha256).hexdigest()
