"""Request and response bodies of the admin user routes (the audit route's are `shop.api.audit_models`).

An admin sees a user as everyone does ({id, email, name, role, created_at}, decrypted) plus
`disabled`; never the password hash, ciphertexts or blind index.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, model_validator

from shop.api.models import RequestModel, ResponseModel, document_patch
from shop.api.user_models import UserResponse
from shop.domain.users import User

UserRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]


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
