"""Admin user management against in-memory fakes: self-lockout, roles, sessions ended on disable, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shop.api.admin_models import UserAccessChanges
from shop.bootstrap import build_user_admin
from shop.domain.callers import Caller
from shop.domain.users import User, UserRole
from shop.errors import NotFound, SelfLockout, ValidationFailed
from shop.services.user_admin import UserAdmin
from tests.fakes import FakeUsers, RecordingAudit

ADMIN = Caller(id="u_admin", role="admin", request_id="req-1")


def a_user(user_id: str, role: UserRole = "customer", disabled: bool = False) -> User:
    return User(
        id=user_id, email=f"{user_id}@example.com", name="Ann", role=role, disabled=disabled,
        created_at=datetime(2025, 3, 1, tzinfo=UTC), password_hash="$argon2id$x",
    )  # fmt: skip


def epochs(users: FakeUsers) -> dict[str, int]:
    """Each user's session epoch: a disable starts a new one, which ends every session before it."""
    return {user_id: user.session_epoch for user_id, user in users.by_id.items() if user.session_epoch}


@pytest.fixture
def world() -> tuple[UserAdmin, FakeUsers, RecordingAudit]:
    users = FakeUsers(a_user("u_admin", "admin"), a_user("u_ann"), a_user("u_bob"))
    audit = RecordingAudit()
    return build_user_admin(users=users, directory=users, audit=audit), users, audit


def test_promotion_changes_the_role_and_is_audited(world) -> None:
    admin, users, audit = world
    user = admin.change_access(ADMIN, "u_ann", role="admin")
    assert user.role == "admin" and users.by_id["u_ann"].role == "admin"
    assert epochs(users) == {}  # a role change reaches tokens at the next refresh, ending no session
    assert audit.entries == [
        {
            "actor_id": "u_admin", "actor_role": "admin", "action": "user.role_changed",
            "target_type": "user", "target_id": "u_ann", "request_id": "req-1",
            "details": {"from": "customer", "to": "admin"},
        }
    ]  # fmt: skip


def test_disabling_ends_the_sessions_of_that_user_only(world) -> None:
    admin, users, audit = world
    user = admin.change_access(ADMIN, "u_ann", disabled=True)
    assert user.disabled and users.by_id["u_ann"].disabled
    assert user.session_epoch == 1 and epochs(users) == {"u_ann": 1}
    assert [(e["action"], e["details"]) for e in audit.entries] == [
        ("user.disabled", {"from": False, "to": True})
    ]


def test_enabling_is_audited_and_revokes_nothing(world) -> None:
    admin, users, audit = world
    users.by_id["u_bob"] = replace(users.by_id["u_bob"], disabled=True)
    assert not admin.change_access(ADMIN, "u_bob", disabled=False).disabled
    assert epochs(users) == {}
    assert [(e["action"], e["details"]) for e in audit.entries] == [
        ("user.enabled", {"from": True, "to": False})
    ]


def test_role_and_disabled_together_give_two_entries(world) -> None:
    admin, users, audit = world
    admin.change_access(ADMIN, "u_bob", role="admin", disabled=True)
    assert [e["action"] for e in audit.entries] == ["user.role_changed", "user.disabled"]
    assert epochs(users) == {"u_bob": 1}


@pytest.mark.parametrize(
    "change",
    [{"role": "customer"}, {"disabled": False}, {"role": "customer", "disabled": False}],
)
def test_asking_for_what_already_holds_changes_and_records_nothing(world, change: dict[str, Any]) -> None:
    """API.md: never an entry for a change that did not happen (and no token is revoked for it)."""
    admin, users, audit = world
    before = users.by_id["u_ann"]
    assert admin.change_access(ADMIN, "u_ann", **change) == before
    assert users.by_id["u_ann"] == before and users.writes == 0 and audit.entries == []


def test_only_what_changes_is_recorded_from_the_state_the_write_found(world) -> None:
    admin, users, audit = world
    users.by_id["u_bob"] = replace(users.by_id["u_bob"], disabled=True)  # another admin got in first
    user = admin.change_access(ADMIN, "u_bob", role="admin", disabled=True)
    assert (user.role, user.disabled) == ("admin", True)
    assert [(e["action"], e["details"]) for e in audit.entries] == [
        ("user.role_changed", {"from": "customer", "to": "admin"})
    ]
    assert epochs(users) == {}  # not disabled again: its sessions were ended by the first disable


@pytest.mark.parametrize(
    "change",
    [
        {"role": "customer"},
        {"disabled": True},
        {"role": "customer", "disabled": False},
        {"role": "admin"},  # harmless values too: a stolen token must not re-promote or re-enable
        {"disabled": False},
        {"role": "admin", "disabled": False},
    ],
)
def test_an_admin_cannot_change_their_own_access(world, change: dict[str, Any]) -> None:
    admin, users, audit = world
    with pytest.raises(SelfLockout):
        admin.change_access(ADMIN, "u_admin", **change)
    assert users.writes == 0 and epochs(users) == {} and audit.entries == []
    assert users.by_id["u_admin"].role == "admin" and not users.by_id["u_admin"].disabled


def test_another_admin_may_be_demoted(world) -> None:
    admin, users, _ = world
    users.by_id["u_eve"] = a_user("u_eve", "admin")
    assert admin.change_access(ADMIN, "u_eve", role="customer").role == "customer"


@pytest.mark.parametrize(("role", "disabled"), [("guest", None), ("root", None), (None, None)])
def test_bad_changes_are_refused_before_any_write(world, role: str | None, disabled: bool | None) -> None:
    admin, users, audit = world
    with pytest.raises(ValidationFailed):
        admin.change_access(ADMIN, "u_ann", role=role, disabled=disabled)
    assert users.writes == 0 and audit.entries == []


def test_an_unknown_user_is_not_found_and_nothing_is_audited(world) -> None:
    admin, users, audit = world
    with pytest.raises(NotFound):
        admin.change_access(ADMIN, "u_nobody", disabled=True)
    assert epochs(users) == {} and audit.entries == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"role": "guest"},
        {"role": None},
        {"disabled": None},
        {"disabled": "true"},
        {"role": "admin", "email": "x"},
    ],
)
def test_the_request_body_refuses_what_the_contract_does_not_allow(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UserAccessChanges.model_validate(body)


def test_the_request_body_takes_either_field() -> None:
    assert UserAccessChanges.model_validate({"role": "admin"}).role == "admin"
    assert UserAccessChanges.model_validate({"disabled": False}).disabled is False
