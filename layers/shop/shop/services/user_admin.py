"""Admins managing users: the user list, role changes and disabling.

A role change or a disable bumps the user's access version (in the same write), which the
authorizer checks: every access token issued before is refused within 60 seconds, so a demoted or
disabled admin cannot use the minutes left on a token to undo the decision. Disabling also bumps
the user's session epoch, which ends every refresh-token family of the user (a refresh finds its
login older and revokes it), without writing the families: they stay the user's sessions' items. An admin's change of their own role or disabled flag is
refused whatever its value: the shop must never be left with nobody able to undo it, and a
stolen admin token must not be able to re-promote or re-enable its own account. Every change made
is put on the audit trail, naming users by id only, from the state it changed; a request for what
already holds changes nothing and records nothing.
"""

from __future__ import annotations

from typing import Protocol

from shop.domain.audit_chain import AuditDraft
from shop.domain.callers import Caller
from shop.domain.paging import Page
from shop.domain.users import User, UserRole
from shop.errors import SelfLockout, ValidationFailed
from shop.services.auth_ports import UserRepository
from shop.services.catalog_audit import AuditPort, with_client_request_id

ROLES: frozenset[str] = frozenset({"customer", "admin"})


class UserDirectory(Protocol):
    def newest_users(self, limit: int, cursor: str | None) -> Page[User]:
        """Users newest first, decrypted; ValidationFailed for a cursor not made by this listing."""
        ...


class UserAdmin:
    def __init__(
        self,
        users: UserRepository,
        directory: UserDirectory,
        audit: AuditPort,
    ) -> None:
        self._users, self._directory, self._audit = users, directory, audit

    def list_users(self, limit: int, cursor: str | None) -> Page[User]:
        return self._directory.newest_users(limit, cursor)

    def change_access(
        self, actor: Caller, user_id: str, *, role: str | None = None, disabled: bool | None = None
    ) -> User:
        """Set the role and/or the disabled flag; NotFound, SelfLockout or ValidationFailed."""
        new_role = _checked_role(role)
        if new_role is None and disabled is None:
            raise ValidationFailed(details=[{"field": "body", "message": "send role or disabled"}])
        if user_id == actor.id:
            raise SelfLockout()

        def entries(before: User) -> list[AuditDraft]:
            made = []
            if new_role is not None and new_role != before.role:
                made.append(self._entry(actor, "user.role_changed", user_id, before.role, new_role))
            if disabled is not None and disabled != before.disabled:
                action = "user.disabled" if disabled else "user.enabled"
                made.append(self._entry(actor, action, user_id, before.disabled, disabled))
            return made

        return self._users.update_access(user_id, role=new_role, disabled=disabled, audit=entries)

    def _entry(self, actor: Caller, action: str, user_id: str, was: object, now: object) -> AuditDraft:
        return self._audit.draft(
            actor_id=actor.id,
            actor_role=actor.role,
            action=action,
            target_type="user",
            target_id=user_id,
            request_id=actor.request_id,
            details=with_client_request_id({"from": was, "to": now}, actor),
        )


def _checked_role(role: str | None) -> UserRole | None:
    """Only roles a stored user can hold: a guest is nobody in particular and is never stored."""
    if role is None:
        return None
    if role not in ROLES:
        raise ValidationFailed(details=[{"field": "body.role", "message": "must be 'customer' or 'admin'"}])
    return "admin" if role == "admin" else "customer"
