"""OpenAPI links: where one response's id is the next call's parameter.

Clients and stateful fuzzers follow them (a created product is read, stocked and put in a cart; a
checkout's order is paid, cancelled and shipped). Only links between documented operations are added.
"""

from __future__ import annotations

from typing import Any

_ID = "$response.body#/id"
_CALL = tuple[str, str, dict[str, Any]]  # (target path, method, {"parameters" | "requestBody": ...})

LINKS: dict[tuple[str, str, str], dict[str, _CALL]] = {
    ("/products", "post", "201"): {
        "GetProduct": ("/products/{id}", "get", {"parameters": {"id": _ID}}),
        "StockLevels": ("/admin/inventory/{product_id}", "get", {"parameters": {"product_id": _ID}}),
        "AdjustStock": (
            "/admin/inventory/{product_id}/adjustments",
            "post",
            {"parameters": {"product_id": _ID}},
        ),
    },
    ("/products", "get", "200"): {
        "AddToCart": (
            "/cart/items",
            "post",
            {"requestBody": {"product_id": "$response.body#/items/0/id", "quantity": 1}},
        ),
    },
    ("/checkout", "post", "201"): {
        "PayOrder": ("/orders/{id}/payments", "post", {"parameters": {"id": _ID}}),
        "CancelOrder": ("/orders/{id}/cancel", "post", {"parameters": {"id": _ID}}),
        "OrderEvents": ("/orders/{id}/events", "get", {"parameters": {"id": _ID}}),
    },
    ("/orders/{id}/payments", "post", "200"): {
        "ShipOrder": (
            "/admin/orders/{id}/shipments",
            "post",
            {"parameters": {"id": "$response.body#/order/id"}},
        ),
    },
    ("/admin/orders/{id}/shipments", "post", "201"): {
        "TrackShipment": ("/admin/shipments/{id}/tracking", "post", {"parameters": {"id": _ID}}),
    },
}


def add_links(paths: dict[str, Any]) -> None:
    """A link needs both ends documented, and its target's operationId to name it."""
    for (source, method, status), links in LINKS.items():
        response = paths.get(source, {}).get(method, {}).get("responses", {}).get(status)
        for name, (target, target_method, values) in links.items():
            operation_id = paths.get(target, {}).get(target_method, {}).get("operationId")
            if response is not None and operation_id:
                response.setdefault("links", {})[name] = {"operationId": operation_id, **values}
