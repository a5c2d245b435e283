"""Throttling and transaction conflicts on every write path, through the real handlers.

For each path, the fault hits the DynamoDB call that carries the path's write (matched by table):
- twice, then it clears: the request succeeds (botocore's retries or the service's own) and its
  effect is there exactly once;
- on every attempt: the answer is a clean contract error (409 CONFLICT or 500 INTERNAL, the
  contract's error body) and nothing of the request is written.
`observe` reads the state a path changes; `expect` is that state after exactly one success.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class WritePath:
    name: str
    operation: str  # the DynamoDB operation carrying the write
    table: str  # the logical id of the table it writes (the fault matches it)
    arrange: Callable[[Any], dict[str, Any]]
    act: Callable[[Any, dict[str, Any]], tuple[int, Any]]
    observe: Callable[[Any, dict[str, Any]], Any]
    expect: Callable[[dict[str, Any]], Any]


# ------------------------------------------------------------------ helpers
def register(shop, email: str | None = None, guest_token: str | None = None) -> tuple[int, Any]:
    body = {"email": email or f"f-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "name": "Fay"}
    if guest_token:
        body["guest_token"] = guest_token
    return shop.call("POST", "/auth/register", role="anonymous", body=body)


def login(shop, email: str, guest_token: str | None = None) -> tuple[int, Any]:
    body = {"email": email, "password": PASSWORD} | ({"guest_token": guest_token} if guest_token else {})
    return shop.call("POST", "/auth/login", role="anonymous", body=body)


def email_index(email: str) -> str:
    from shop.adapters.secrets import SecretEmailIndex
    from shop.bootstrap import build_secret_store
    from shop.config import settings

    return SecretEmailIndex(build_secret_store(), settings().blind_index_secret).of(email)


def user_by_email(email: str) -> Any:
    from shop.bootstrap import build_users

    return build_users().find_by_email_index(email_index(email))


def families(shop, user_id: str) -> int:
    from shop.adapters.aws import client
    from shop.adapters.users.refresh_tokens_dynamo import DynamoRefreshTokens

    return len(
        DynamoRefreshTokens(client("dynamodb"), shop.stack.physical_id("UsersTable")).live_families(user_id)
    )


def refresh_status(shop, presented: str) -> str | None:
    from shop.adapters.aws import client
    from shop.adapters.users.refresh_tokens_dynamo import DynamoRefreshTokens
    from shop.domain.tokens import hash_refresh_token

    store = DynamoRefreshTokens(client("dynamodb"), shop.stack.physical_id("UsersTable"))
    found = store.find(hash_refresh_token(presented))
    return found.status if found else None


def new_user(shop) -> dict[str, Any]:
    email = f"f-{uuid.uuid4().hex[:10]}@example.com"
    status, session = register(shop, email)
    assert status == 201, session
    return {"email": email, "user": session["user"]["id"], "refresh": session["refresh_token"]}


def guest_token(shop) -> tuple[str, str]:
    status, issued = shop.call("POST", "/auth/guest", role="anonymous")
    assert status == 201
    from shop.bootstrap import build_access_tokens

    return issued["access_token"], build_access_tokens().verify(issued["access_token"]).subject


def pending_order(shop, quantity: int = 2) -> dict[str, Any]:
    product = shop.product(stock=5)
    user = shop.buyer((product, quantity))
    status, order = shop.checkout(user)
    assert status == 201, order
    return {"product": product, "user": user, "order": order["id"]}


def paid_order(shop) -> dict[str, Any]:
    ctx = pending_order(shop)
    status, paid = shop.pay(ctx["user"], ctx["order"])
    assert status == 200 and paid["order"]["status"] == "PAID", paid
    return ctx


def order_state(shop, ctx: dict[str, Any]) -> tuple[Any, ...]:
    history = shop.order_history(ctx["order"])
    payments = tuple(p.status for p in history.payments)
    return (history.order.status, len(history.events), payments, shop.levels(ctx["product"]))


def product_item(shop, product_id: str) -> tuple[Any, ...]:
    item = shop.item("CatalogTable", f"PRODUCT#{product_id}", "PRODUCT") or {}
    return item.get("name"), item.get("status")


def category_item(shop, category_id: str) -> Any:
    item = shop.item("CatalogTable", f"CATEGORY#{category_id}", "CATEGORY")
    return item and item.get("name")


def expire(shop, ctx: dict[str, Any]) -> tuple[int, Any]:
    """The reservation sweep's cancel of one order, an hour after its reservation ended."""
    from shop.api.errors import status_of
    from shop.bootstrap import build_audit_trail, build_order_store
    from shop.errors import ShopError
    from shop.services.orders_cancel import CancelService

    later = datetime.now(UTC) + timedelta(days=1)
    cancels = CancelService(build_order_store(), build_audit_trail(), clock=lambda: later)
    try:
        return (200, None) if cancels.expire(ctx["order"]) else (409, None)
    except ShopError as exc:
        return status_of(exc), {"error": {"code": exc.code, "message": exc.message}}
    except Exception:
        return 500, {"error": {"code": "INTERNAL", "message": "failed"}}


def shipment_ctx(shop) -> dict[str, Any]:
    ctx = paid_order(shop)
    status, shipment = shop.call(
        "POST", "/admin/orders/{id}/shipments", path={"id": ctx["order"]}, body={"carrier": "UPS"}
    )
    assert status == 201, shipment
    return ctx | {"shipment": shipment["id"]}


def cart_ctx(shop, *lines: int) -> dict[str, Any]:
    products = [shop.product(stock=20) for _ in lines]
    user = shop.buyer(*zip(products, lines, strict=True))
    return {"user": user, "products": products}


def cart_call(shop, ctx: dict[str, Any], method: str, resource: str, body: Any = None) -> tuple[int, Any]:
    path = {"product_id": ctx["products"][0]} if "{product_id}" in resource else None
    return shop.call(method, resource, user=ctx["user"], role="customer", body=body, path=path)


def merge_ctx(shop) -> dict[str, Any]:
    account = new_user(shop)
    product = shop.product(stock=20)
    token, guest = guest_token(shop)
    status, _ = shop.call(
        "POST", "/cart/items", user=guest, role="guest", body={"product_id": product, "quantity": 2}
    )
    assert status == 200
    return account | {"token": token, "guest": guest, "product": product}


# ------------------------------------------------------------------ the paths
PATHS = [
    WritePath(
        "register",
        "TransactWriteItems",
        "UsersTable",
        lambda shop: {"email": f"f-{uuid.uuid4().hex[:10]}@example.com"},
        lambda shop, ctx: register(shop, ctx["email"]),
        lambda shop, ctx: (lambda u: u and (u.role, families(shop, u.id)))(user_by_email(ctx["email"])),
        lambda ctx: ("customer", 1),
    ),
    *(  # a login's two calls on its rate limits: its session is made only if both go through
        WritePath(
            name,
            operation,
            "RateLimitsTable",
            lambda shop: new_user(shop),
            lambda shop, ctx: login(shop, ctx["email"]),
            lambda shop, ctx: families(shop, ctx["user"]),
            lambda ctx: 2,
        )
        for name, operation in (("login limits read", "BatchGetItem"), ("login slot hold", "UpdateItem"))
    ),
    WritePath(
        "refresh rotation",
        "TransactWriteItems",
        "UsersTable",
        lambda shop: new_user(shop),
        lambda shop, ctx: shop.call(
            "POST", "/auth/refresh", role="anonymous", body={"refresh_token": ctx["refresh"]}
        ),
        lambda shop, ctx: refresh_status(shop, ctx["refresh"]),
        lambda ctx: "spent",
    ),
    WritePath(
        "cart add",
        "UpdateItem",
        "CartsTable",
        lambda shop: cart_ctx(shop, 1),
        lambda shop, ctx: cart_call(
            shop, ctx, "POST", "/cart/items", {"product_id": ctx["products"][0], "quantity": 2}
        ),
        lambda shop, ctx: shop.cart_lines(ctx["user"]),
        lambda ctx: {ctx["products"][0]: 3},
    ),
    WritePath(
        "cart set",
        "UpdateItem",
        "CartsTable",
        lambda shop: cart_ctx(shop, 1),
        lambda shop, ctx: cart_call(shop, ctx, "PUT", "/cart/items/{product_id}", {"quantity": 7}),
        lambda shop, ctx: shop.cart_lines(ctx["user"]),
        lambda ctx: {ctx["products"][0]: 7},
    ),
    WritePath(
        "cart remove",
        "UpdateItem",
        "CartsTable",
        lambda shop: cart_ctx(shop, 1, 4),
        lambda shop, ctx: cart_call(shop, ctx, "DELETE", "/cart/items/{product_id}"),
        lambda shop, ctx: shop.cart_lines(ctx["user"]),
        lambda ctx: {ctx["products"][1]: 4},
    ),
    WritePath(
        "cart empty",
        "DeleteItem",
        "CartsTable",
        lambda shop: cart_ctx(shop, 1),
        lambda shop, ctx: cart_call(shop, ctx, "DELETE", "/cart"),
        lambda shop, ctx: shop.cart_lines(ctx["user"]),
        lambda ctx: {},
    ),
    WritePath(
        "guest cart merge (login)",
        "TransactWriteItems",
        "CartsTable",
        merge_ctx,
        lambda shop, ctx: login(shop, ctx["email"], ctx["token"]),
        lambda shop, ctx: (shop.cart_lines(ctx["user"]), shop.cart_lines(ctx["guest"])),
        lambda ctx: ({ctx["product"]: 2}, {}),
    ),
    WritePath(
        "checkout",
        "TransactWriteItems",
        "OrdersTable",
        lambda shop: (lambda p: {"product": p, "user": shop.buyer((p, 2)), "key": uuid.uuid4().hex})(
            shop.product(stock=5)
        ),
        lambda shop, ctx: shop.checkout(ctx["user"], ctx["key"]),
        lambda shop, ctx: (
            [(o.status, o.items[0].quantity) for o in shop.orders_of(ctx["user"])],
            shop.levels(ctx["product"]),
            shop.cart_lines(ctx["user"]),
        ),
        lambda ctx: ([("PENDING_PAYMENT", 2)], (3, 2, 0), {}),
    ),
    WritePath(
        "payment",
        "TransactWriteItems",
        "OrdersTable",
        pending_order,
        lambda shop, ctx: shop.pay(ctx["user"], ctx["order"]),
        order_state,
        lambda ctx: ("PAID", 2, ("SUCCEEDED",), (3, 0, 2)),
    ),
    WritePath(
        "cancel (paid: restock, refund owed)",
        "TransactWriteItems",
        "OrdersTable",
        paid_order,
        lambda shop, ctx: shop.call(
            "POST", "/orders/{id}/cancel", user=ctx["user"], role="customer", path={"id": ctx["order"]}
        ),
        order_state,
        lambda ctx: ("CANCELLED", 3, ("REFUND_PENDING",), (5, 0, 0)),
    ),
    WritePath(
        "reservation expiry",
        "TransactWriteItems",
        "OrdersTable",
        pending_order,
        expire,
        order_state,
        lambda ctx: ("CANCELLED", 2, (), (5, 0, 0)),
    ),
    WritePath(
        "inventory adjust",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"product": shop.product(stock=5)},
        lambda shop, ctx: shop.call(
            "POST",
            "/admin/inventory/{product_id}/adjustments",
            path={"product_id": ctx["product"]},
            body={"delta": 3, "reason": "restock"},
        ),
        lambda shop, ctx: (shop.levels(ctx["product"]), shop.audit_count("inventory.adjust", ctx["product"])),
        lambda ctx: ((8, 0, 0), 2),
    ),
    WritePath(
        "product create",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"category": shop.new_category(), "sku": f"F-{uuid.uuid4().hex[:12]}"},
        lambda shop, ctx: shop.call(
            "POST",
            "/products",
            body={"sku": ctx["sku"], "name": "Pot", "price_cents": 900, "category_id": ctx["category"]},
        ),
        lambda shop, ctx: (
            shop.item("CatalogTable", f"SKU#{ctx['sku'].upper()}", "GUARD") is not None,
            (shop.item("CatalogTable", f"CATEGORY#{ctx['category']}", "CATEGORY") or {}).get("product_count"),
        ),
        lambda ctx: (True, 1),
    ),
    WritePath(
        "product update",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"product": shop.product(stock=0)},
        lambda shop, ctx: shop.call(
            "PATCH", "/products/{id}", path={"id": ctx["product"]}, body={"name": "Urn"}
        ),
        lambda shop, ctx: product_item(shop, ctx["product"]),
        lambda ctx: ("Urn", "ACTIVE"),
    ),
    WritePath(
        "product archive",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"product": shop.product(stock=0)},
        lambda shop, ctx: shop.call("DELETE", "/products/{id}", path={"id": ctx["product"]}),
        lambda shop, ctx: product_item(shop, ctx["product"]),
        lambda ctx: ("Kettle", "ARCHIVED"),
    ),
    WritePath(
        "category create",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"slug": f"f-{uuid.uuid4().hex[:12]}"},
        lambda shop, ctx: shop.call("POST", "/categories", body={"name": "Tins", "slug": ctx["slug"]}),
        lambda shop, ctx: shop.item("CatalogTable", f"SLUG#{ctx['slug']}", "GUARD") is not None,
        lambda ctx: True,
    ),
    WritePath(
        "category update",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"category": shop.new_category()},
        lambda shop, ctx: shop.call(
            "PATCH", "/categories/{id}", path={"id": ctx["category"]}, body={"name": "Jars"}
        ),
        lambda shop, ctx: category_item(shop, ctx["category"]),
        lambda ctx: "Jars",
    ),
    WritePath(
        "category delete",
        "TransactWriteItems",
        "CatalogTable",
        lambda shop: {"category": shop.new_category()},
        lambda shop, ctx: shop.call("DELETE", "/categories/{id}", path={"id": ctx["category"]}),
        lambda shop, ctx: category_item(shop, ctx["category"]),
        lambda ctx: None,
    ),
    WritePath(
        "shipment create",
        "TransactWriteItems",
        "OrdersTable",
        paid_order,
        lambda shop, ctx: shop.call(
            "POST", "/admin/orders/{id}/shipments", path={"id": ctx["order"]}, body={"carrier": "DHL"}
        ),
        lambda shop, ctx: (
            order_state(shop, ctx),
            shop.item("OrdersTable", f"ORDER#{ctx['order']}", "SHIPMENT") is not None,
        ),
        lambda ctx: (("SHIPPED", 3, ("SUCCEEDED",), (3, 0, 2)), True),
    ),
    WritePath(
        "shipment tracking",
        "TransactWriteItems",
        "OrdersTable",
        shipment_ctx,
        lambda shop, ctx: shop.call(
            "POST",
            "/admin/shipments/{id}/tracking",
            path={"id": ctx["shipment"]},
            body={"status": "IN_TRANSIT"},
        ),
        lambda shop, ctx: (
            order_state(shop, ctx)[1],
            (shop.item("OrdersTable", f"ORDER#{ctx['order']}", "SHIPMENT") or {}).get("status"),
        ),
        lambda ctx: (4, "IN_TRANSIT"),
    ),
    WritePath(
        "admin user patch",
        "TransactWriteItems",
        "UsersTable",
        lambda shop: new_user(shop),
        lambda shop, ctx: shop.call(
            "PATCH", "/admin/users/{id}", path={"id": ctx["user"]}, body={"role": "admin"}
        ),
        lambda shop, ctx: (
            user_by_email(ctx["email"]).role,
            shop.audit_count("user.role_changed", ctx["user"]),
        ),
        lambda ctx: ("admin", 1),
    ),
    WritePath(
        "audit append (category create)",
        "TransactWriteItems",
        "AuditTable",
        lambda shop: {"slug": f"f-{uuid.uuid4().hex[:12]}"},
        lambda shop, ctx: shop.call("POST", "/categories", body={"name": "Tins", "slug": ctx["slug"]}),
        lambda shop, ctx: shop.item("CatalogTable", f"SLUG#{ctx['slug']}", "GUARD") is not None,
        lambda ctx: True,
    ),
]

FAULTS = ["throttled twice", "throttled throughout", "conflict twice", "conflict throughout"]
THROTTLING = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")


def inject(faults, path: WritePath, fault: str, table: str, index: int) -> Any:
    times = 2 if fault.endswith("twice") else None
    if fault.startswith("throttled"):
        code = THROTTLING[index % len(THROTTLING)]
        return faults.throttle(path.operation, times, code=code, matching=table)
    if path.operation == "TransactWriteItems":
        return faults.cancel_transactions(times, matching=table)
    return faults.error("dynamodb", path.operation, "TransactionConflictException", times, matching=table)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_a_write_path_under_a_fault_succeeds_once_or_fails_cleanly_with_nothing_written(
    shop, faults, path: WritePath, fault: str
):
    ctx = path.arrange(shop)
    before = path.observe(shop, ctx)
    injected = inject(faults, path, fault, shop.stack.physical_id(path.table), PATHS.index(path))
    status, body = path.act(shop, ctx)
    faults.clear()
    assert injected.injected >= (2 if fault.endswith("twice") else 1), "the fault never hit the path"
    after = path.observe(shop, ctx)
    if fault.endswith("twice"):
        assert status < 300, body
        assert after == path.expect(ctx)
    else:
        assert status in (409, 500), body
        assert body["error"]["code"] in {"CONFLICT", "INTERNAL"} and body["error"]["message"]
        assert after == before, "a refused request left part of its write behind"


def test_after_every_fault_no_order_is_lost_or_gapped_and_stock_is_conserved(shop):
    """Runs after the matrix: every order the suite made, every product it stocked."""
    from shop.domain.orders import fold

    assert len(shop.orders) >= 10 and len(shop.products) >= 20
    for order_id in shop.orders:
        history = shop.order_history(order_id)
        assert history is not None, f"order {order_id} was answered 201 and then lost"
        assert [e.seq for e in history.events] == list(range(1, len(history.events) + 1))
        assert history.order.version == len(history.events) and fold(history.events) == history.order
    for product_id in shop.products:
        available, reserved, sold = shop.levels(product_id)
        adjusted = sum(d["delta"] for d in shop.audit_details("inventory.adjust", product_id))
        assert min(available, reserved, sold) >= 0
        assert available + reserved + sold == adjusted, f"stock of {product_id} not conserved"
