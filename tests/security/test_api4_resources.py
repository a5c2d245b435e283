"""OWASP API4:2023 Unrestricted Resource Consumption: every size a client controls has a bound.

API.md: lists take `limit` 1..100 (outside is a 400), quantities are integers 1..99 per line,
Idempotency-Key is 1..255 characters, a customer holds at most 5 unpaid orders (so nobody can
hold a shop's stock hostage), and "no input, however malformed, gives a 5xx". Bodies
over 64 KiB are refused with 413 PAYLOAD_TOO_LARGE before any handler parses them. Every answer
here also goes through conftest.leaks (so a 5xx, a stack trace or a missing request id fails).
"""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.e2e
LIST_ROUTES = [
    ("none", "/products"),
    ("customer", "/orders"),
    ("admin", "/admin/users"),
    ("admin", "/admin/orders"),
    ("admin", "/admin/audit"),
    ("admin", "/admin/inventory?below=10"),
]
BAD_LIMITS = ["0", "101", "-1", "x", str(10**9), str(10**40), "1.5", "", "1e2", "%00", "0x10"]


def token_of(world, who):
    return {"none": None, "guest": world.guest, "customer": world.bob.access, "admin": world.admin}[who]


def _join(path, query):
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize(("who", "path"), LIST_ROUTES, ids=[p for _, p in LIST_ROUTES])
def test_page_sizes_outside_1_to_100_are_400(api, world, who, path):
    token = token_of(world, who)
    assert api.call("GET", _join(path, "limit=100"), token).status_code == 200
    assert api.call("GET", _join(path, "limit=1"), token).status_code == 200
    for limit in BAD_LIMITS:
        answer = api.call("GET", _join(path, f"limit={limit}"), token)
        assert api.error(answer) == (400, "VALIDATION_ERROR"), (limit, answer.text)
        assert "query.limit" in api.fields(answer)


@pytest.mark.parametrize(("who", "path"), LIST_ROUTES, ids=[p for _, p in LIST_ROUTES])
def test_garbage_cursors_are_400(api, world, who, path):
    for cursor in ("x", "e30", "%7B%7D", "A" * 3000, "eyJ2IjoxfQ", "bnVsbA", "W10"):
        answer = api.call("GET", _join(path, f"cursor={cursor}"), token_of(world, who))
        assert api.error(answer) == (400, "VALIDATION_ERROR"), (cursor, answer.text)


def test_other_numeric_query_parameters_are_bounded(api, world):
    for query in ("below=-1", "below=x", f"below={10**40}", "below=1.5"):
        answer = api.call("GET", f"/admin/inventory?{query}", world.admin)
        assert answer.status_code in (200, 400), query
    for query in (
        "from=x",
        "from=2024-13-01",
        "to=9999-99-99",
        "from=2026-01-02&to=2026-01-01",
        "from=0001-01-01",
    ):
        answer = api.call("GET", f"/admin/stats/sales?{query}", world.admin)
        assert answer.status_code in (200, 400), query
    answer = api.call("GET", "/admin/stats/sales?from=1900-01-01&to=2100-12-31", world.admin)
    assert answer.status_code in (200, 400) and len(answer.content) < 1_000_000  # no century of days


BAD_QUANTITIES = [0, -1, 100, 10**9, 10**40, "1", 1.5, 1.0, True, None, [1], {"n": 1}]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES, ids=repr)
def test_quantities_outside_1_to_99_or_not_integers_are_400(api, world, quantity):
    adding = api.call(
        "POST", "/cart/items", world.guest, json={"product_id": world.product_id, "quantity": quantity}
    )
    assert api.error(adding) == (400, "VALIDATION_ERROR") and "body.quantity" in api.fields(adding)
    if quantity != 0:  # PUT with 0 removes the line (API.md)
        path = f"/cart/items/{world.product_id}"
        setting = api.call("PUT", path, world.guest, json={"quantity": quantity})
        assert api.error(setting) == (400, "VALIDATION_ERROR") and "body.quantity" in api.fields(setting)


@pytest.mark.parametrize("value", [10**40, -(10**40), 2**63, 1.5, "5"], ids=repr)
def test_money_and_stock_numbers_are_bounded(api, world, value):
    adjust = api.call(
        "POST",
        f"/admin/inventory/{world.product_id}/adjustments",
        world.admin,
        json={"delta": value, "reason": "x"},
    )
    assert adjust.status_code in (400, 409), adjust.text
    price = api.call("PATCH", f"/products/{world.product_id}", world.admin, json={"price_cents": value})
    assert api.error(price) == (400, "VALIDATION_ERROR"), price.text


def raw(api, method, path, token, data, content_type="application/json", **headers):
    return api.call(method, path, token, data=data, headers={"Content-Type": content_type, **headers})


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [("none", "POST", "/auth/register"), ("none", "POST", "/auth/login"), ("guest", "POST", "/cart/items"),
     ("customer", "POST", "/checkout"), ("admin", "POST", "/products")],
)  # fmt: skip
def test_bodies_over_64_kib_are_413(api, world, who, method, path):
    token = token_of(world, who)
    padding = json.dumps({"name": "x" * (64 * 1024)})
    answer = raw(api, method, path, token, padding, **{"Idempotency-Key": uuid.uuid4().hex})
    assert api.error(answer) == (413, "PAYLOAD_TOO_LARGE")
    just_under = json.dumps({"name": "x" * (60 * 1024)})
    assert raw(api, method, path, token, just_under, **{"Idempotency-Key": "k"}).status_code == 400


def test_a_body_over_the_gateways_10_mib_is_413_from_the_gateway(api):
    answer = raw(api, "POST", "/auth/login", None, b"{" + b" " * (10 * 1024 * 1024 + 16) + b"}")
    assert api.error(answer) == (413, "PAYLOAD_TOO_LARGE")


LONG = "n" * 10_000


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("none", "POST", "/auth/register", {"email": "long@example.com", "password": "sekrit-canary-x", "name": LONG}),
        ("none", "POST", "/auth/register", {"email": LONG + "@example.com", "password": "sekrit-canary-x", "name": "L"}),
        ("none", "POST", "/auth/register", {"email": "long2@example.com", "password": "sekrit-canary-" + LONG * 5, "name": "L"}),
        ("none", "POST", "/auth/login", {"email": "long@example.com", "password": "sekrit-canary-" + LONG * 5}),
        ("none", "POST", "/auth/refresh", {"refresh_token": LONG}),
        ("guest", "POST", "/cart/items", {"product_id": LONG, "quantity": 1}),
        ("admin", "POST", "/categories", {"name": LONG, "slug": "long"}),
        ("admin", "POST", "/categories", {"name": "Long", "slug": "l" * 10_000}),
        ("admin", "PATCH", "/products/{product}", {"description": LONG * 5}),
        ("admin", "PATCH", "/products/{product}", {"sku": LONG}),
        ("admin", "POST", "/admin/inventory/{product}/adjustments", {"delta": 1, "reason": LONG}),
        ("admin", "POST", "/admin/orders/{order}/shipments", {"carrier": LONG}),
        ("customer", "POST", "/checkout", {"shipping_address": {"name": LONG, "line1": "1", "city": "c", "postal_code": "1", "country": "GB"}}),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 60 else None,
)  # fmt: skip
def test_ten_thousand_character_strings_are_400(api, world, who, method, path, body):
    filled = path.format(product=world.product_id, order=world.pending_order["id"])
    answer = api.call(method, filled, token_of(world, who), json=body, key=uuid.uuid4().hex)
    assert api.error(answer) == (400, "VALIDATION_ERROR"), answer.text[:300]


@pytest.mark.parametrize("depth", [64, 500, 990, 5000, 20_000])
@pytest.mark.parametrize("shape", ["array", "object", "inside-a-field"])
def test_deeply_nested_json_is_a_4xx_never_a_5xx(api, world, depth, shape):
    nested = {"array": "[" * depth + "]" * depth, "object": '{"a":' * depth + "1" + "}" * depth}
    body = nested.get(shape) or '{"product_id": "p", "quantity": ' + "[" * depth + "]" * depth + "}"
    for path, token in (("/cart/items", world.guest), ("/auth/login", None)):
        answer = raw(api, "POST", path, token, body)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)


@pytest.mark.parametrize("size", [10_000, 20_000, 100_000])
def test_huge_arrays_are_a_4xx(api, world, size):
    """Up to the 64 KiB bound a huge array is a 400; past it, a 413."""
    for body in (
        [0] * size,
        {"product_id": "p", "quantity": 1, "x": [0] * size},
        {"product_id": ["p"] * size, "quantity": 1},
    ):
        answer = api.call("POST", "/cart/items", world.guest, json=body)
        expected = (
            (400, "VALIDATION_ERROR")
            if len(answer.request.body or b"") <= 64 * 1024
            else (413, "PAYLOAD_TOO_LARGE")
        )
        assert api.error(answer) == expected
    many_keys = {f"k{i}": i for i in range(size // 4)}
    assert api.call("POST", "/auth/login", json=many_keys).status_code in (400, 413)


@pytest.mark.parametrize(
    ("key", "status"),
    [("k" * 256, 400), ("k" * 10_000, 400), ("", 400), ("k" * 255, 201)],
    ids=["256", "10k", "empty", "255"],
)
def test_idempotency_key_length_is_1_to_255(api, world, key, status):
    buyer = api.register("idem")
    api.call("POST", "/cart/items", buyer.access, json={"product_id": world.product_id, "quantity": 1})
    answer = api.call(
        "POST",
        "/checkout",
        buyer.access,
        headers={"Idempotency-Key": key},
        json={"shipping_address": api.address},
    )
    assert answer.status_code == status, answer.text
    if status == 400:
        assert "header.idempotency-key" in [f.lower() for f in api.fields(answer)]


def test_a_customer_cannot_hold_more_than_five_unpaid_orders_of_stock(api, world):
    hoarder = api.register("hoarder")
    for _ in range(5):
        api.buy(hoarder.access, world.product_id)
    stock = f"/admin/inventory/{world.product_id}"
    before = api.call("GET", stock, world.admin).json()
    added = api.call(
        "POST", "/cart/items", hoarder.access, json={"product_id": world.product_id, "quantity": 9}
    )
    assert added.status_code == 200, added.text
    sixth = api.call(
        "POST", "/checkout", hoarder.access, key=uuid.uuid4().hex, json={"shipping_address": api.address}
    )
    assert api.error(sixth) == (409, "TOO_MANY_OPEN_ORDERS")
    assert api.call("GET", stock, world.admin).json() == before, "the refused checkout reserved stock"
