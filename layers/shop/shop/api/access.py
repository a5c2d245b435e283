"""Who may call a route: declared on the route itself, enforced here, in one place, before the
route reads its input.

A route says `openapi_extensions=ADMIN` (or another declaration below); `make_app` indexes the
declarations and `lambda_entry` refuses a caller whose role is not listed before the body is
parsed, so a guest or customer calling an admin route learns nothing of its input (no 400 naming
fields, no 413, no 415) and costs no parse. The same declaration is published in the OpenAPI
document (`x-shop-access`), where the security suite and SECURITY.md read the role table from.
Ownership (404 for someone else's order) stays in the services, the only ones that know the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shop.domain.callers import ANONYMOUS, Role
from shop.errors import Forbidden, LoginRequired, ShopError, Unauthorized

EXTENSION = "x-shop-access"
OWNER_ONLY, OWNER_OR_ADMIN_ONLY = "owner", "owner, admin"


def declare(*roles: str, guests_must_log_in: bool = False, owner: str | None = None) -> dict[str, Any]:
    """A route's access declaration, in the form of an OpenAPI extension."""
    return {
        EXTENSION: {
            "roles": sorted(roles),
            "guest_refusal": "LOGIN_REQUIRED" if guests_must_log_in else "FORBIDDEN",
            "owner": owner,
        }
    }


_USERS = (Role.GUEST, Role.CUSTOMER, Role.ADMIN)
ANYONE = declare(ANONYMOUS, *_USERS)
USERS = declare(*_USERS)  # any token: guests keep carts too
MEMBERS = declare(Role.CUSTOMER, Role.ADMIN, guests_must_log_in=True)  # buying: a guest must log in
ACCOUNT_HOLDERS = declare(Role.CUSTOMER, Role.ADMIN)  # a guest has no account (nor orders) to show
ADMIN = declare(Role.ADMIN)
OWNER = declare(*_USERS, owner=OWNER_ONLY)  # the service answers 404 to anyone but the owner
OWNER_OR_ADMIN = declare(*_USERS, owner=OWNER_OR_ADMIN_ONLY)


@dataclass(frozen=True)
class Access:
    roles: frozenset[str]
    guest_refusal: str
    owner: str | None

    @classmethod
    def of(cls, extensions: dict[str, Any] | None) -> Access | None:
        declared = (extensions or {}).get(EXTENSION)
        if not declared:
            return None
        return cls(frozenset(declared["roles"]), declared["guest_refusal"], declared["owner"])

    def refusal(self, role: str) -> ShopError | None:
        """Why a caller of this role may not call the route at all, or None."""
        if role in self.roles:
            return None
        if role == ANONYMOUS:
            return Unauthorized()
        if role == Role.GUEST and self.guest_refusal == "LOGIN_REQUIRED":
            return LoginRequired()
        return Forbidden()


def caller_role(event: dict[str, Any]) -> str:
    """The role the authorizer vouched for, or "anonymous" (no token, or not a role we know)."""
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    role = context.get("role") if context.get("user_id") else None
    return str(role) if role in {r.value for r in Role} else ANONYMOUS


def access_index(routes: list[Any]) -> dict[tuple[str, str], Access]:
    """(method, API Gateway resource path) -> the route's declaration. A route without one stops
    the function at cold start: access is never open by omission."""
    index = {}
    for route in routes:
        access = Access.of(route.openapi_extensions)
        if access is None:
            raise TypeError(f"route {route.method} {route.path} does not declare who may call it")
        index[(route.method.upper(), route.openapi_path)] = access
    return index


def refusal(index: dict[tuple[str, str], Access], event: dict[str, Any]) -> ShopError | None:
    """Why the caller may not call the event's route, or None (then the route decides the rest;
    a path the function does not serve is the resolver's 404)."""
    access = index.get((str(event.get("httpMethod") or "").upper(), str(event.get("resource") or "")))
    return None if access is None else access.refusal(caller_role(event))
