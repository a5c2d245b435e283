"""OWASP API1:2023 Broken Object Level Authorization: every id-bearing route with someone else's id.

API.md: "A resource that exists but belongs to someone else is a 404, never a 403, so that ids
cannot be probed." So another user's order answers exactly like an order that does not exist (same
status, code and message), shows none of its data, and changes nothing. Admin routes with ids are
function-level (API5: 403 for a non-admin) and must answer alike for a real and a made-up id.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest

pytestmark = pytest.mark.e2e

# (method, path template, body) of every route that takes an order id and belongs to its owner.
OWNER_ROUTES = [
    ("GET", "/orders/{id}", None),
    ("GET", "/orders/{id}/events", None),
    ("GET", "/orders/{id}/payments", None),
    ("GET", "/orders/{id}/shipment", None),
    ("POST", "/orders/{id}/payments", "card"),
    ("POST", "/orders/{id}/cancel", None),
]


def attempt(api, token, method, template, order_id, body):
    kwargs = {"json": api.card, "key": uuid.uuid4().hex} if body == "card" else {}
    return api.call(method, template.format(id=order_id), token, **kwargs)


@pytest.mark.parametrize(
    ("method", "template", "body"), OWNER_ROUTES, ids=[f"{m} {p}" for m, p, _ in OWNER_ROUTES]
)
@pytest.mark.parametrize("order", ["pending_order", "shipped_order"])
@pytest.mark.parametrize("intruder", ["bob", "guest"])
def test_another_users_order_is_a_404_like_a_missing_one(api, world, method, template, body, order, intruder):
    token = world.guest if intruder == "guest" else world.bob.access
    target = getattr(world, order)
    theirs = attempt(api, token, method, template, target["id"], body)
    missing = attempt(api, token, method, template, f"o_{uuid.uuid4().hex}", body)
    assert api.error(theirs) == (404, "NOT_FOUND"), theirs.text
    assert theirs.json() == missing.json()  # nothing tells an existing id from a made-up one
    for secret in (target["user_id"], world.alice.email, api.address["line1"]):
        assert secret not in theirs.text


def test_intruders_changed_nothing_and_the_owner_and_admin_still_see_everything(api, world):
    """Runs after the attempts above (same module): the owner's orders are exactly as they were."""
    alice, pending, shipped = world.alice.access, world.pending_order, world.shipped_order
    now_pending = api.call("GET", f"/orders/{pending['id']}", alice)
    assert now_pending.status_code == 200 and now_pending.json()["status"] == "PENDING_PAYMENT"
    assert [
        p["status"] for p in api.call("GET", f"/orders/{pending['id']}/payments", alice).json()["items"]
    ] == []
    events = api.call("GET", f"/orders/{shipped['id']}/events", alice).json()["items"]
    assert [e["type"] for e in events] == ["order_created", "payment_succeeded", "shipment_created"]
    for path in (
        f"/orders/{shipped['id']}",
        f"/orders/{shipped['id']}/shipment",
        f"/orders/{shipped['id']}/payments",
    ):
        assert api.call("GET", path, world.admin).status_code == 200, path  # the check can fail
        assert api.call("GET", path, alice).status_code == 200, path


def test_my_orders_list_only_mine(api, world):
    bobs = api.call("GET", "/orders?limit=100", world.bob.access).json()["items"]
    assert {o["id"] for o in bobs} == {o["id"] for o in world.bob_orders}
    assert {o["user_id"] for o in bobs} == {world.bob.id}


def _cursor(value):
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


def _encode(payload):
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_never_reaches_another_users_orders(api, world):
    """Cursors are client-held: Alice's cursor, or Bob's cursor re-aimed at Alice's keys, show Bob nothing of hers."""
    alices = api.call("GET", "/orders?limit=1", world.alice.access).json()["next_cursor"]
    bobs = api.call("GET", "/orders?limit=1", world.bob.access).json()["next_cursor"]
    assert alices and bobs
    stolen = api.call("GET", f"/orders?limit=1&cursor={alices}", world.bob.access)
    assert api.error(stolen) == (400, "VALIDATION_ERROR")
    aimed = _cursor(bobs)
    aimed["k"] = {
        name: value.replace(world.bob.id, world.alice.id) if isinstance(value, str) else value
        for name, value in _cursor(alices)["k"].items()
    }
    answer = api.call("GET", f"/orders?limit=100&cursor={_encode(aimed)}", world.bob.access)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        assert {o["user_id"] for o in answer.json()["items"]} <= {world.bob.id}
    assert world.alice.id not in answer.text


def _cart(api, token):
    return {i["product_id"]: i["quantity"] for i in api.call("GET", "/cart", token).json()["items"]}


def test_a_token_reaches_only_its_own_cart(api, world):
    """There is no cart id: every cart route acts on the token's own cart, whatever the body names."""
    bob, guest, product = world.bob.access, world.guest, world.product_id
    before = {"bob": _cart(api, bob), "guest": _cart(api, guest)}
    assert before == {"bob": {product: 2}, "guest": {product: 1}}
    intruder = api.register("carol").access
    assert _cart(api, intruder) == {}
    assert api.call("PUT", f"/cart/items/{product}", intruder, json={"quantity": 7}).status_code == 200
    assert api.call("DELETE", f"/cart/items/{product}", intruder).status_code == 200
    assert api.call("DELETE", "/cart", intruder).status_code == 204
    for owner_field in ({"user_id": world.bob.id}, {"cart_id": world.bob.id}, {"owner": world.bob.id}):
        smuggled = api.call(
            "POST", "/cart/items", intruder, json={"product_id": product, "quantity": 1, **owner_field}
        )
        assert api.error(smuggled) == (400, "VALIDATION_ERROR")
    assert {"bob": _cart(api, bob), "guest": _cart(api, guest)} == before


def test_drafts_are_404_to_everyone_but_admins(api, world):
    missing = f"p_{uuid.uuid4().hex}"
    for token in (None, world.guest, world.bob.access):
        draft = api.call("GET", f"/products/{world.draft_id}", token)
        assert api.error(draft) == (404, "NOT_FOUND")
        assert draft.json() == api.call("GET", f"/products/{missing}", token).json()
        listed = api.call("GET", f"/products?category_id={world.category_id}&limit=100", token).json()[
            "items"
        ]
        assert world.draft_id not in {p["id"] for p in listed}
    assert api.call("GET", f"/products/{world.draft_id}", world.admin).status_code == 200


ADMIN_ID_ROUTES = [
    ("GET", "/admin/inventory/{product}", None),
    ("POST", "/admin/inventory/{product}/adjustments", {"delta": 5, "reason": "mine now"}),
    ("PATCH", "/admin/users/{alice}", {"role": "admin"}),
    ("PATCH", "/admin/users/{alice}", {"disabled": True}),
    ("POST", "/admin/orders/{order}/shipments", {"carrier": "UPS"}),
    ("POST", "/admin/shipments/{shipment}/tracking", {"status": "IN_TRANSIT"}),
    ("PATCH", "/products/{product}", {"price_cents": 1}),
    ("DELETE", "/products/{product}", None),
    ("PATCH", "/categories/{category}", {"name": "Pwned"}),
    ("DELETE", "/categories/{category}", None),
]


@pytest.mark.parametrize(
    ("method", "template", "body"), ADMIN_ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ID_ROUTES]
)
def test_admin_routes_with_real_ids_refuse_non_admins_exactly_like_made_up_ids(
    api, world, method, template, body
):
    """Function level first (API.md: 403 for a role that may not): a real id and a fake one answer alike."""
    real = {
        "product": world.product_id, "alice": world.alice.id, "order": world.pending_order["id"],
        "shipment": world.shipment_id, "category": world.category_id,
    }  # fmt: skip
    fake = {name: f"x_{uuid.uuid4().hex}" for name in real}
    kwargs = {} if body is None else {"json": body}
    for token in (world.guest, world.bob.access, world.alice.access):
        on_real = api.call(method, template.format(**real), token, **kwargs)
        on_fake = api.call(method, template.format(**fake), token, **kwargs)
        assert api.error(on_real) == (403, "FORBIDDEN"), on_real.text
        assert on_real.json() == on_fake.json()


def test_refused_admin_writes_changed_nothing(api, world):
    levels = api.call("GET", f"/admin/inventory/{world.product_id}", world.admin).json()
    product = api.call("GET", f"/products/{world.product_id}", world.admin).json()
    alice = api.call("GET", "/auth/me", world.alice.access).json()
    assert (product["status"], product["price_cents"], alice["role"]) == ("ACTIVE", 1500, "customer")
    assert levels["available"] + levels["reserved"] + levels["sold"] == 500
    assert (
        api.call("GET", f"/orders/{world.pending_order['id']}", world.alice.access).json()["status"]
        == "PENDING_PAYMENT"
    )
    shipment = api.call("GET", f"/orders/{world.shipped_order['id']}/shipment", world.alice.access).json()
    assert shipment["status"] == "LABEL_CREATED"
