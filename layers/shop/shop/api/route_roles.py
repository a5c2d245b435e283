"""Function-level authorization decided before a route reads its input (API.md's Roles section).

"admin: everything, plus the /admin/... routes and catalog writes"; checkout, my orders and my
profile are for customers and admins. Deciding this before validation means a guest or customer
calling an admin route learns nothing of its input (no 400 naming fields, no 413, no 415) and
costs no parse. Handlers keep their own role checks (defence in depth); ownership (404 for
someone else's order) stays in the services, which are the only ones that know the owner.
"""

from __future__ import annotations

from typing import Any

from shop.api.principal import Role
from shop.errors import Forbidden, LoginRequired, ShopError, Unauthorized

CATALOG = frozenset({"categories", "products"})
MEMBERS_ONLY: dict[tuple[str, str], type[Forbidden]] = {
    ("POST", "/checkout"): LoginRequired,
    ("GET", "/orders"): LoginRequired,
    ("GET", "/auth/me"): Forbidden,
}


def admin_only(method: str, resource: str) -> bool:
    top = resource.strip("/").split("/")[0]
    return top == "admin" or (top in CATALOG and method != "GET")


def refusal(event: dict[str, Any]) -> ShopError | None:
    """Why the caller may not call this route at all, or None (then the route decides the rest)."""
    method, resource = str(event.get("httpMethod") or "").upper(), str(event.get("resource") or "")
    members_only = MEMBERS_ONLY.get((method, resource))
    if not admin_only(method, resource) and members_only is None:
        return None
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    role = context.get("role") if context.get("user_id") else None
    if role not in {r.value for r in Role}:
        return Unauthorized()
    if role == Role.ADMIN.value:
        return None
    if members_only is not None and role == Role.CUSTOMER.value:
        return None
    return members_only() if members_only is not None else Forbidden()
