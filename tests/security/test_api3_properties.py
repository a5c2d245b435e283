"""OWASP API3:2023 Broken Object Property Level Authorization: mass assignment and excessive exposure.

Writes: API.md rejects unknown body fields with 400 VALIDATION_ERROR "so that nobody can set role,
price_cents, status or user_id where the contract does not let them"; each case adds one field the
caller may not set to an otherwise valid body, and the details must name it (`body.<field>`).
Reads: every response of the suite passes conftest.leaks (no hashes, ciphertexts, blind indexes,
token hashes, table keys, version/entity, card data or passwords, at any depth); here, every
readable route is also swept for every role, and the exact field sets of the contract are pinned.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e
REGISTER = {"name": "Mallory", "password": "sekrit-canary-mass-assign"}
STORAGE = ["pk", "sk", "gsi1pk", "entity", "version"]


def _cases():
    """(who, method, path, valid body, forbidden fields); path placeholders come from `world`."""
    product = {"sku": "SKU-{tag}", "name": "Teapot", "price_cents": 100, "category_id": "{category}"}
    return [
        ("none", "POST", "/auth/register", REGISTER,
         ["role", "id", "user_id", "created_at", "disabled", "password_hash", "email_verified", *STORAGE]),
        ("none", "POST", "/auth/login", {"email": "x@example.com", "password": "whatever-long"}, ["role", "user_id", "mfa"]),
        ("none", "POST", "/auth/refresh", {"refresh_token": "x" * 40}, ["role", "user_id", "family_id", "expires_in"]),
        ("none", "POST", "/auth/logout", {"refresh_token": "x" * 40}, ["all", "user_id"]),
        ("customer", "POST", "/cart/items", {"product_id": "{product}", "quantity": 1},
         ["price_cents", "unit_price_cents", "line_total_cents", "subtotal_cents", "currency", "user_id", "sku", "name"]),
        ("customer", "PUT", "/cart/items/{product}", {"quantity": 1},
         ["price_cents", "unit_price_cents", "product_id", "user_id"]),
        ("customer", "POST", "/checkout", {"shipping_address": "{address}"},
         ["status", "user_id", "price_cents", "total_cents", "subtotal_cents", "shipping_cents", "currency",
          "items", "id", "created_at", "reservation_expires_at", *STORAGE]),
        ("owner", "POST", "/orders/{order}/payments", "{card}",
         ["amount_cents", "status", "currency", "order_id", "user_id", "card_brand", "failure_reason"]),
        ("admin", "POST", "/products", product,
         ["available", "reserved", "sold", "stock_available", "id", "created_at", "updated_at", *STORAGE]),
        ("admin", "PATCH", "/products/{product}", {"name": "Teapot"},
         ["available", "reserved", "sold", "stock_available", "id", "created_at", "updated_at", *STORAGE]),
        ("admin", "POST", "/categories", {"name": "Cat", "slug": "cat-{tag}"}, ["id", "created_at", *STORAGE]),
        ("admin", "PATCH", "/categories/{category}", {"name": "Security"}, ["id", *STORAGE]),
        ("admin", "POST", "/admin/inventory/{product}/adjustments", {"delta": 0, "reason": "x"},
         ["available", "reserved", "sold", "product_id", "actor_id"]),
        ("admin", "PATCH", "/admin/users/{alice}", {"disabled": False},
         ["email", "name", "password", "id", "created_at", "user_id", *STORAGE]),
        ("admin", "POST", "/admin/orders/{order}/shipments", {"carrier": "UPS"},
         ["status", "tracking_number", "order_id", "events"]),
        ("admin", "POST", "/admin/shipments/{shipment}/tracking", {"status": "IN_TRANSIT"},
         ["tracking_number", "carrier", "order_id", "occurred_at"]),
    ]  # fmt: skip


CASES = [(who, method, path, body, extra) for who, method, path, body, fields in _cases() for extra in fields]


def _fill(value, world, api, tag):
    if value == "{address}":
        return dict(api.address)
    if value == "{card}":
        return dict(api.card)
    if isinstance(value, dict):
        return {k: _fill(v, world, api, tag) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(
            tag=tag, product=world.product_id, category=world.category_id, alice=world.alice.id,
            order=world.pending_order["id"], shipment=world.shipment_id,
        )  # fmt: skip
    return value


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "extra"), CASES, ids=[f"{c[1]} {c[2]} +{c[4]}" for c in CASES]
)
def test_a_field_the_caller_may_not_set_is_a_400_naming_it(api, world, who, method, path, body, extra):
    token = {"none": None, "customer": world.bob.access, "owner": world.alice.access, "admin": world.admin}[
        who
    ]
    tag = uuid.uuid4().hex[:8]
    sent = _fill(body, world, api, tag)
    if path == "/auth/register":
        sent["email"] = f"mass-{tag}@example.com"
    value = (
        "admin" if extra == "role" else 1 if "cents" in extra or extra in ("available", "sold") else "PAID"
    )
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    answer = api.call(
        method, _fill(path, world, api, tag), token, json=sent | {extra: value}, headers=headers
    )
    assert api.error(answer) == (400, "VALIDATION_ERROR"), answer.text
    assert f"body.{extra}" in api.fields(answer)
    if path == "/auth/register":  # and nothing was created on the side
        login = api.call("POST", "/auth/login", json={"email": sent["email"], "password": sent["password"]})
        assert api.error(login) == (401, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("extra", ["user_id", "role", "status", "total_cents"])
def test_nested_objects_refuse_unknown_fields_too(api, world, extra):
    address = api.address | {extra: "admin"}
    answer = api.call(
        "POST", "/checkout", world.bob.access, key=uuid.uuid4().hex, json={"shipping_address": address}
    )
    assert api.error(answer) == (400, "VALIDATION_ERROR")
    assert f"body.shipping_address.{extra}" in api.fields(answer)


def test_query_strings_do_not_assign_properties_either(api):
    tag = uuid.uuid4().hex[:8]
    body = REGISTER | {"email": f"query-{tag}@example.com"}
    answer = api.call("POST", "/auth/register?role=admin&user_id=u_1&disabled=true", json=body)
    assert answer.status_code == 201 and answer.json()["user"]["role"] == "customer"
    assert api.call("GET", "/auth/me", answer.json()["access_token"]).json()["role"] == "customer"


def test_bodies_on_bodiless_routes_are_refused_naming_their_fields(api, world):
    """API.md: unknown fields in a request body are a 400. A route that takes no body knows no
    field at all, so anything but an empty object is refused, and nothing happens."""
    guest = api.call("POST", "/auth/guest", json={"role": "admin", "sub": world.admin_id})
    assert api.error(guest) == (400, "VALIDATION_ERROR") and api.fields(guest) == ["body.role", "body.sub"]
    order = api.buy(world.bob.access, world.product_id)
    cancel = api.call("POST", f"/orders/{order['id']}/cancel", world.bob.access, json={"status": "DELIVERED"})
    assert api.error(cancel) == (400, "VALIDATION_ERROR") and api.fields(cancel) == ["body.status"]
    assert api.call("GET", f"/orders/{order['id']}", world.bob.access).json()["status"] == "PENDING_PAYMENT"
    emptied = api.call("DELETE", "/cart", world.bob.access, json={"user_id": world.admin_id})
    assert api.error(emptied) == (400, "VALIDATION_ERROR")
    assert api.call("POST", f"/orders/{order['id']}/cancel", world.bob.access, json={}).status_code == 200


# The exact field sets API.md gives; a response with more says more than the contract lets it.
USER = {"id", "email", "name", "role", "created_at"}
ORDER = {"id", "user_id", "status", "items", "subtotal_cents", "shipping_cents", "total_cents", "currency",
         "shipping_address", "reservation_expires_at", "created_at", "updated_at"}  # fmt: skip
PAYMENT = {
    "id",
    "order_id",
    "status",
    "amount_cents",
    "currency",
    "card_brand",
    "card_last4",
    "failure_reason",
    "created_at",
}
SHIPMENT = {"id", "order_id", "carrier", "tracking_number", "status", "events", "created_at", "updated_at"}
PRODUCT = {"id", "sku", "name", "description", "price_cents", "currency", "category_id", "status", "stock_available",
           "created_at", "updated_at"}  # fmt: skip
AUDIT = {"id", "at", "actor_id", "actor_role", "action", "target_type", "target_id", "request_id", "details"}


def test_responses_carry_exactly_the_contracts_fields(api, world):
    alice, shipped = world.alice, world.shipped_order
    login = api.call("POST", "/auth/login", json={"email": alice.email, "password": alice.password}).json()
    assert set(login) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert set(login["user"]) == USER
    assert set(api.call("GET", "/auth/me", alice.access).json()) == USER
    assert set(api.call("GET", f"/orders/{shipped['id']}", alice.access).json()) == ORDER
    payments = api.call("GET", f"/orders/{shipped['id']}/payments", alice.access).json()["items"]
    assert payments and all(set(p) == PAYMENT for p in payments)
    assert payments[0]["card_last4"] == "4242"
    assert set(api.call("GET", f"/orders/{shipped['id']}/shipment", alice.access).json()) == SHIPMENT
    assert set(api.call("GET", f"/products/{world.product_id}", None).json()) == PRODUCT
    users = api.call("GET", "/admin/users?limit=100", world.admin).json()["items"]
    assert users and all(set(u) <= USER | {"disabled"} for u in users)
    audit = api.call("GET", "/admin/audit?limit=100", world.admin).json()["items"]
    assert audit and all(set(e) == AUDIT for e in audit)
    jwks = api.call("GET", "/.well-known/jwks.json").json()["keys"]
    assert jwks and all(not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(k) for k in jwks)


def test_audit_details_hold_no_secrets(api, world):
    """Logins, failed logins, payments, reuse: the trail names what happened, never the secrets."""
    text = api.call("GET", "/admin/audit?limit=100", world.admin).text
    for secret in (world.alice.refresh, world.alice.access, world.bob.refresh, "4242424242424242"):
        assert secret not in text


READABLE = [
    "/auth/me", "/.well-known/jwks.json", "/categories", "/products?limit=100", "/products/{product}", "/cart",
    "/orders?limit=100", "/orders/{order}", "/orders/{order}/events", "/orders/{order}/payments",
    "/orders/{order}/shipment", "/admin/inventory/{product}", "/admin/inventory?below=1000", "/admin/users?limit=100",
    "/admin/orders?limit=100", "/admin/stats/sales", "/admin/audit?limit=100",
]  # fmt: skip


@pytest.mark.parametrize("path", READABLE)
def test_every_readable_route_for_every_role_leaks_nothing(api, world, path):
    """api.call checks each answer with conftest.leaks; this makes sure each route's answer is seen whole."""
    filled = path.format(product=world.product_id, order=world.shipped_order["id"])
    seen = []
    for token in (None, world.guest, world.bob.access, world.alice.access, world.admin):
        seen.append(api.call("GET", filled, token).status_code)
    assert 200 in seen  # somebody reads it, so a leak would have been seen
