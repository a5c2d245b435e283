"""A user as the API shows them: to themselves (GET /auth/me, a session) and, with more, to admins.
Its own module so that the routes showing a user do not load the auth routes' request models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from shop.api.models import ResponseModel
from shop.domain.users import User


class UserResponse(ResponseModel):
    id: str
    email: str
    name: str
    role: Literal["customer", "admin"]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls(id=user.id, email=user.email, name=user.name, role=user.role, created_at=user.created_at)
