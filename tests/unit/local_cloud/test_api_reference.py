"""The generated half of docs/API.md: what each operation shows, the same text whatever the order
of the document, and the hand-written half left alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shop.api.access import ADMIN, ANYONE, MEMBERS, OWNER
from shop_tools.api_reference import BEGIN, END, render, splice

ERROR = {
    "description": "x",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def document() -> dict[str, Any]:
    limit = {"type": "integer", "minimum": 1.0, "maximum": 100.0, "default": 20, "description": "Page size"}
    return {
        "openapi": "3.1.0",
        "paths": {
            "/orders": {
                "post": {
                    "summary": "Place an order",
                    "tags": ["orders"],
                    "parameters": [
                        {
                            "in": "header",
                            "name": "idempotency-key",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": _json("NewOrder"),
                    "responses": {
                        "201": {"description": "The order", **_json("Order")},
                        "403": {**ERROR, "description": "LOGIN_REQUIRED: guests must log in"},
                        "429": {**ERROR, "description": "RATE_LIMITED", "headers": {"Retry-After": {}}},
                    },
                    **MEMBERS,
                },
                "get": {
                    "summary": "My orders",
                    "tags": ["orders"],
                    "parameters": [{"in": "query", "name": "limit", "schema": limit}],
                    "responses": {"200": {"description": "A page", **_json("Order")}},
                    **OWNER,
                },
            },
            "/products": {
                "get": {
                    "summary": "Browse",
                    "tags": ["catalog"],
                    "responses": {"200": {"description": "ok"}},
                    **ANYONE,
                },
                "delete": {
                    "summary": "Wipe",
                    "tags": ["catalog"],
                    "responses": {"204": {"description": "gone"}},
                    **ADMIN,
                },
            },
        },
        "components": {
            "schemas": {
                "NewOrder": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["address", "lines"],
                    "properties": {
                        "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                        "address": {"$ref": "#/components/schemas/Address"},
                        "note": {"anyOf": [{"type": "string", "maxLength": 500}, {"type": "null"}]},
                    },
                },
                "Line": {
                    "type": "object",
                    "required": ["quantity"],
                    "properties": {"quantity": {"type": "integer", "minimum": 1, "maximum": 99}},
                },
                "Address": {
                    "type": "object",
                    "required": ["city"],
                    "properties": {
                        "city": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"}
                    },
                },
                "Order": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                "Error": {"type": "object"},
            }
        },
    }


def test_each_operation_shows_who_what_it_takes_and_what_it_answers():
    text = render(document())
    assert "#### `POST /orders`\n\nPlace an order." in text
    assert (
        "Who may call: customer, admin (no token: 401 `UNAUTHORIZED`; a guest: 403 `LOGIN_REQUIRED`)" in text
    )
    assert "Who may call: owner (anyone else: 404 `NOT_FOUND`" in text
    assert "Who may call: anyone, with or without a token." in text
    assert "a guest: 403 `FORBIDDEN`; a customer: 403 `FORBIDDEN`" in text
    assert "Request body `NewOrder` (JSON, unknown fields are refused):" in text
    assert "| `lines[].quantity` | integer 1-99 | yes |" in text
    assert "| `address.city` | string, 1-100 characters, not blank | yes |" in text
    assert "| `note` | string, at most 500 characters, or null | no |" in text
    assert "| `idempotency-key` | header | string | yes |" in text
    assert "| `limit` | query | integer 1-100 | no | Page size. Default `20`. |" in text
    assert "| 201 | `Order` | The order |" in text
    assert "| 429 | `Error` | RATE_LIMITED. Headers: `Retry-After`. |" in text
    assert "| 204 | none | gone |" in text
    assert "#### `Order`\n\n| field | type | always there | description |" in text
    assert "| DELETE | `/products` | admin | Wipe |" in text


def test_the_text_does_not_depend_on_the_documents_order():
    shuffled = copy.deepcopy(document())
    shuffled["paths"] = dict(reversed(list(shuffled["paths"].items())))
    for item in shuffled["paths"].values():
        for method in list(item)[::-1]:
            item[method] = item.pop(method)
    order = shuffled["components"]["schemas"]["NewOrder"]
    order["properties"] = dict(reversed(list(order["properties"].items())))
    text = render(shuffled)
    assert text == render(document())
    headings = [line for line in text.splitlines() if line.startswith("#### `")]
    assert headings[:4] == [
        "#### `GET /products`",
        "#### `DELETE /products`",
        "#### `GET /orders`",
        "#### `POST /orders`",
    ]


def test_splice_replaces_only_the_part_between_the_markers():
    page = f"# Hand-written\n\nRules.\n\n{BEGIN}\nold table\n{END}\n\nMore by hand.\n"
    spliced = splice(page, "new table\n")
    assert spliced == f"# Hand-written\n\nRules.\n\n{BEGIN}\n\nnew table\n\n{END}\n\nMore by hand.\n"
    assert splice(spliced, "new table\n") == spliced


@pytest.mark.parametrize("page", ["no markers", f"{END}\n{BEGIN}\n", f"{BEGIN} only"])
def test_a_page_without_both_markers_in_order_is_refused(page):
    with pytest.raises(ValueError, match="markers"):
        splice(page, "x")
