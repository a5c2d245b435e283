"""The API's role table, read from the routes' own access declarations.

Each route declares who may call it on its decorator (`openapi_extensions=ADMIN`, from
shop.api.access). This reads that declaration from the handler's source, without importing the
handler (which would build its services), and pairs it with the template's routes: the security
suite tests every route against it, and SECURITY.md publishes it (`python -m shop_tools.access_table`).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

from shop.api import access
from shop.api.access import Access
from shop_local.api_gateway.routes import template_routes
from shop_local.provisioning.template import find_template, load_template

_METHODS = {"get", "post", "put", "patch", "delete"}


def declared_access(handler_file: Path) -> Access:
    """The access declared on the one route of a handler module."""
    tree = ast.parse(handler_file.read_text(), str(handler_file))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
            for keyword in node.keywords:
                if keyword.arg == "openapi_extensions" and isinstance(keyword.value, ast.Name):
                    declared = Access.of(getattr(access, keyword.value.id))
                    if declared is not None:
                        return declared
    raise LookupError(f"{handler_file} declares no access on its route")


def _handler_file(root: Path, resource: dict[str, Any]) -> Path:
    properties = resource.get("Properties") or {}
    module = str(properties["Handler"]).rsplit(".", 1)[0]
    return root / str(properties["CodeUri"]) / f"{module}.py"


def access_table(
    template: dict[str, Any] | None = None, root: Path | None = None
) -> dict[tuple[str, str], Access]:
    """(method, path) -> the declared access, for every route of the template."""
    template = load_template() if template is None else template
    root = find_template().parent if root is None else root
    resources = template.get("Resources") or {}
    return {
        (route.method, route.path): declared_access(_handler_file(root, resources[route.function_id]))
        for route in template_routes(template)
    }


def who(declared: Access) -> str:
    """The table's words for a declaration: who may call, and who else is refused how."""
    if declared.owner is not None:
        return declared.owner
    if "anonymous" in declared.roles:
        return "anyone"
    names = [role for role in ("guest", "customer", "admin") if role in declared.roles]
    return ", ".join(names)


def markdown_table(table: dict[tuple[str, str], Access]) -> str:
    lines = ["| method | path | who may call | a guest refused gets |", "|---|---|---|---|"]
    for (method, path), declared in sorted(table.items(), key=lambda item: (item[0][1], item[0][0])):
        refused = "" if "guest" in declared.roles else declared.guest_refusal
        lines.append(f"| {method} | `{path}` | {who(declared)} | {refused} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table(access_table()) + "\n")
