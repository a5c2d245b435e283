"""Request and response bodies of the admin user and audit routes.

An admin sees a user as everyone does ({id, email, name, role, created_at}, decrypted) plus
`disabled`; never the password hash, ciphertexts or blind index. An audit entry leaves as the
contract's fields only: its sequence number and hashes stay for the verifier.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import ConfigDict, StringConstraints, model_validator

from shop.api.auth_models import UserResponse
from shop.api.catalog_models import document_patch
from shop.api.models import RequestModel, ResponseModel
from shop.domain.audit_chain import AuditEntry
from shop.domain.users import User

UserRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ActorFilter = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Only entries by this actor (user id).")
]
ActionFilter = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Only this action, e.g. user.disabled.")
]


class UserAccessChanges(RequestModel):
    """`guest` is not a role a stored user can hold, so it is refused like any unknown value."""

    model_config = ConfigDict(json_schema_extra=document_patch)
    role: Literal["customer", "admin"] | None = None
    disabled: bool | None = None

    @model_validator(mode="after")
    def _some_change(self) -> UserAccessChanges:
        if not self.model_fields_set:
            raise ValueError("send role and/or disabled")
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class AdminUserResponse(UserResponse):
    disabled: bool

    @classmethod
    def of_user(cls, user: User) -> AdminUserResponse:
        return cls(**UserResponse.of(user).model_dump(), disabled=user.disabled)


class AdminUserPage(ResponseModel):
    items: list[AdminUserResponse]
    next_cursor: str | None


class AuditEntryResponse(ResponseModel):
    id: str
    at: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    request_id: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            request_id=entry.request_id,
            details=entry.details,
        )


class AuditPage(ResponseModel):
    items: list[AuditEntryResponse]
    next_cursor: str | None
