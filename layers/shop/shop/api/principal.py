"""Who is calling: the user id and role that the authorizer put into the request context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from shop.errors import Forbidden, Unauthorized


class Role(StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def optional_principal(app: BaseRouter) -> Principal | None:
    """The caller, or None on a route whose authorizer let an anonymous request through."""
    request_context = app.current_event.get("requestContext") or {}
    context = request_context.get("authorizer") or {}
    user_id, role = context.get("user_id"), context.get("role")
    if not user_id or role not in {r.value for r in Role}:
        return None
    return Principal(user_id=str(user_id), role=Role(str(role)))


def current_principal(app: BaseRouter) -> Principal:
    principal = optional_principal(app)
    if principal is None:
        raise Unauthorized()
    return principal


def require_role(app: BaseRouter, roles: Iterable[Role]) -> Principal:
    principal = current_principal(app)
    if principal.role not in set(roles):
        raise Forbidden()
    return principal
