"""Who may call each route is declared once, on the route, and read from there by everything."""

from __future__ import annotations

import pytest

from shop.api.access import ACCOUNT_HOLDERS, ADMIN, ANYONE, MEMBERS, OWNER, OWNER_OR_ADMIN, USERS, Access
from shop.errors import Forbidden, LoginRequired, Unauthorized
from shop_tools.access_table import access_table, markdown_table


def refusal(declaration: dict[str, object], role: str) -> type | None:
    declared = Access.of(declaration)
    assert declared is not None
    found = declared.refusal(role)
    return None if found is None else type(found)


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        (ANYONE, {"anonymous": None, "guest": None, "customer": None, "admin": None}),
        (USERS, {"anonymous": Unauthorized, "guest": None, "customer": None, "admin": None}),
        (MEMBERS, {"anonymous": Unauthorized, "guest": LoginRequired, "customer": None, "admin": None}),
        (ACCOUNT_HOLDERS, {"anonymous": Unauthorized, "guest": Forbidden, "customer": None, "admin": None}),
        (ADMIN, {"anonymous": Unauthorized, "guest": Forbidden, "customer": Forbidden, "admin": None}),
        (OWNER, {"anonymous": Unauthorized, "guest": None, "customer": None, "admin": None}),
        (OWNER_OR_ADMIN, {"anonymous": Unauthorized, "guest": None, "customer": None, "admin": None}),
    ],
    ids=["anyone", "users", "members", "account-holders", "admin", "owner", "owner-or-admin"],
)
def test_each_declaration_refuses_exactly_the_roles_it_does_not_list(
    declaration: dict[str, object], expected: dict[str, type | None]
) -> None:
    assert {role: refusal(declaration, role) for role in expected} == expected


def test_every_template_route_declares_its_access_and_admin_routes_are_the_admin_paths_and_catalog_writes() -> (
    None
):
    """API.md's Roles: admin has "the /admin/... routes and catalog writes" to itself."""
    table = access_table()
    admin_only = {route for route, declared in table.items() if declared.roles == frozenset({"admin"})}
    catalog_writes = {
        (m, p) for m, p in table if m != "GET" and p.split("/")[1] in ("categories", "products")
    }
    assert admin_only == {r for r in table if r[1].startswith("/admin/")} | catalog_writes
    assert len(catalog_writes) == 6 and len(table) == 39


def test_the_published_role_table_is_the_one_in_security_md() -> None:
    from shop_local.provisioning.template import find_template

    security = (find_template().parent / "SECURITY.md").read_text()
    assert markdown_table(access_table()) in security, "run: python -m shop_tools.access_table"
