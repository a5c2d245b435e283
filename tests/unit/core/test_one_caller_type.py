"""One type stands for "who is calling": `shop.domain.callers.Caller`. Services take it and keep
only their ownership checks; which roles may call a route is declared on the route (shop.api.access)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import shop

CALLER_LIKE = re.compile(r"(Actor|Principal|Caller|Buyer|Viewer|Requester)$")
PACKAGE = Path(shop.__file__).parent


def test_the_core_defines_exactly_one_caller_type():
    found = {
        f"{path.relative_to(PACKAGE.parent).with_suffix('')}.{node.name}".replace("/", ".")
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and CALLER_LIKE.search(node.name)
    }
    # EventActor is not a caller but what an order event records of one (id and role, stored forever)
    assert found == {"shop.domain.callers.Caller", "shop.domain.orders.EventActor"}


def test_no_route_role_tables_remain_outside_the_route_declarations():
    assert not (PACKAGE / "api" / "route_roles.py").exists()
    assert not (PACKAGE / "api" / "principal.py").exists()
