"""One repeatable, successful request for every API route of the template, and its measurement.

A case prepares its request (set-up requests, e.g. filling a cart before a checkout, are made
there and not measured), then the request goes through the local gateway. What is measured is
the route's own function only: its AWS calls (by thread) and its invocation's time split.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_counter import Call
from handler_timing import Invocation
from local_shop import Answer, LocalShop
from shop_fixtures import ADDRESS, CARD, PASSWORD, ShopFixtures, idempotency

from shop_local.api_gateway.routes import Route, template_routes


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None
    token: str | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class RouteCase:
    function: str
    method: str
    route: str
    status: int
    prepare: Callable[[int], Request]
    kind: str = "read"  # read | write | checkout | payment | password
    heavy: bool = False  # its unmeasured set-up is slow (a login, a whole order): fewer repeats
    after: Callable[[Answer], None] | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"


@dataclass(frozen=True)
class Sample:
    calls: list[Call]
    invocation: Invocation


class RouteFailed(RuntimeError):
    """A measured request did not answer what the case expects."""


def measure(shop: LocalShop, case: RouteCase, iteration: int) -> Sample:
    request = case.prepare(iteration)
    calls_mark, invocations_mark = shop.calls.mark(), shop.invocations.mark()
    answer = shop.request(request.method, request.path, request.body, request.token, request.headers)
    if answer.status != case.status:
        raise RouteFailed(f"{case.name}: expected {case.status}, got {answer.status}: {answer.body[:300]!r}")
    invocations = shop.invocations.since(invocations_mark, case.function)
    if len(invocations) != 1:
        raise RouteFailed(f"{case.name}: {len(invocations)} invocations of {case.function}")
    if case.after is not None:
        case.after(answer)
    return Sample(shop.calls.since(calls_mark, case.function), invocations[0])


def uncovered_routes(shop: LocalShop, cases: list[RouteCase]) -> list[Route]:
    """Routes of the template that no case drives (a new route shows up in the report)."""
    covered = {(c.method, c.route) for c in cases}
    return [r for r in template_routes(shop.stack.template) if (r.method, r.path) not in covered]


def route_cases(fx: ShopFixtures) -> list[RouteCase]:
    """Every route's case, in an order where each finds what it needs (checkout feeds payment...)."""
    shop, p0, p1 = fx.shop, fx.products[0], fx.products[1]
    state: dict[str, Any] = {"refresh": None, "shipment": None}

    def admin() -> str:
        return fx.token("admin")

    def as_admin(method: str, path: str, body: Any = None) -> Callable[[int], Request]:
        return lambda i: Request(method, path, body, admin())

    def as_(name: str, method: str, path: str, body: Any = None) -> Callable[[int], Request]:
        return lambda i: Request(method, path, body, fx.token(name))

    # ---------------------------------------------------------------- auth
    def register(i: int) -> Request:
        body = {
            "email": f"bench-new-{uuid.uuid4().hex[:12]}@example.com",
            "password": "x" * 12,
            "name": "New",
        }
        return Request("POST", "/auth/register", body)

    def refresh(i: int) -> Request:
        if state["refresh"] is None:
            state["refresh"] = fx.login(fx.person("refresher").email)["refresh_token"]
        return Request("POST", "/auth/refresh", {"refresh_token": state["refresh"]})

    def keep_refresh(answer: Answer) -> None:
        state["refresh"] = answer.json()["refresh_token"]

    def logout(i: int) -> Request:
        refresh_token = fx.login(fx.person("leaver").email)["refresh_token"]
        return Request("POST", "/auth/logout", {"refresh_token": refresh_token})

    def login(i: int) -> Request:
        return Request("POST", "/auth/login", {"email": fx.person("returning").email, "password": PASSWORD})

    # ---------------------------------------------------------------- catalog
    renamed_category = fx.new_category()
    renamed_product = fx.new_product()

    def create_category(i: int) -> Request:
        slug = f"bench-{uuid.uuid4().hex[:10]}"
        return Request("POST", "/categories", {"name": "Bench", "slug": slug}, admin())

    def create_product(i: int) -> Request:
        body = {"sku": f"BENCH-{uuid.uuid4().hex[:10]}", "name": "Bench", "price_cents": 999}
        return Request("POST", "/products", body | {"category_id": fx.category_id}, admin())

    def delete_category(i: int) -> Request:
        return Request("DELETE", f"/categories/{fx.new_category()}", None, admin())

    def archive_product(i: int) -> Request:
        return Request("DELETE", f"/products/{fx.new_product()}", None, admin())

    # ---------------------------------------------------------------- cart
    fx.add_to_cart("browser", 0)
    fx.add_to_cart("browser", 1)
    fx.add_to_cart("setter", 0)

    def add_item(i: int) -> Request:
        if i % 40 == 0:
            shop.request("DELETE", "/cart", None, fx.token("adder"))
        return Request(
            "POST", "/cart/items", {"product_id": fx.products[i % 2], "quantity": 1}, fx.token("adder")
        )

    def remove_item(i: int) -> Request:
        fx.add_to_cart("remover", 0)
        return Request("DELETE", f"/cart/items/{p0}", None, fx.token("remover"))

    def empty_cart(i: int) -> Request:
        fx.add_to_cart("emptier", 0)
        return Request("DELETE", "/cart", None, fx.token("emptier"))

    # ---------------------------------------------------------------- orders
    def checkout(i: int) -> Request:
        fx.make_room("buyer")
        fx.add_to_cart("buyer", 0)
        fx.add_to_cart("buyer", 1)
        return Request("POST", "/checkout", {"shipping_address": ADDRESS}, fx.token("buyer"), idempotency())

    def keep_pending(answer: Answer) -> None:
        fx.pending_orders.setdefault("buyer", []).append(answer.json()["id"])

    def pay(i: int) -> Request:
        order_id = fx.take_pending("buyer")
        return Request("POST", f"/orders/{order_id}/payments", CARD, fx.token("buyer"), idempotency())

    def keep_paid(answer: Answer) -> None:
        fx.paid_orders.setdefault("buyer", []).append(answer.json()["order"]["id"])

    def cancel(i: int) -> Request:
        return Request("POST", f"/orders/{fx.take_pending('canceller')}/cancel", None, fx.token("canceller"))

    def ship(i: int) -> Request:
        order_id = fx.take_paid("buyer")
        return Request("POST", f"/admin/orders/{order_id}/shipments", {"carrier": "UPS"}, admin())

    def track(i: int) -> Request:
        if i % 10 == 0 or state["shipment"] is None:
            state["shipment"] = fx.ship(fx.take_paid("buyer"))
        status = "IN_TRANSIT" if i % 10 % 2 == 0 else "EXCEPTION"
        body = {"status": status, "location": "Hub 7", "note": "bench"}
        return Request("POST", f"/admin/shipments/{state['shipment']}/tracking", body, admin())

    paid = fx.take_paid("buyer")
    shipped = fx.take_paid("buyer")
    fx.ship(shipped)
    victim = fx.person("victim").user_id

    return [
        RouteCase("GuestTokenFunction", "POST", "/auth/guest", 201, lambda i: Request("POST", "/auth/guest")),
        RouteCase("RegisterFunction", "POST", "/auth/register", 201, register, "password"),
        RouteCase("LoginFunction", "POST", "/auth/login", 200, login, "password"),
        RouteCase("RefreshFunction", "POST", "/auth/refresh", 200, refresh, "write", after=keep_refresh),
        RouteCase("LogoutFunction", "POST", "/auth/logout", 204, logout, "write", heavy=True),
        RouteCase("MeFunction", "GET", "/auth/me", 200, as_("browser", "GET", "/auth/me")),
        RouteCase(
            "JwksFunction",
            "GET",
            "/.well-known/jwks.json",
            200,
            as_("browser", "GET", "/.well-known/jwks.json"),
        ),
        RouteCase("ListCategoriesFunction", "GET", "/categories", 200, as_("browser", "GET", "/categories")),
        RouteCase("CreateCategoryFunction", "POST", "/categories", 201, create_category, "write"),
        RouteCase(
            "UpdateCategoryFunction",
            "PATCH",
            "/categories/{id}",
            200,
            lambda i: Request("PATCH", f"/categories/{renamed_category}", {"name": f"Renamed {i}"}, admin()),
            "write",
        ),
        RouteCase("DeleteCategoryFunction", "DELETE", "/categories/{id}", 204, delete_category, "write"),
        RouteCase(
            "ListProductsFunction", "GET", "/products", 200, as_("browser", "GET", "/products?limit=20")
        ),
        RouteCase(
            "GetProductFunction", "GET", "/products/{id}", 200, as_("browser", "GET", f"/products/{p0}")
        ),
        RouteCase("CreateProductFunction", "POST", "/products", 201, create_product, "write"),
        RouteCase(
            "UpdateProductFunction",
            "PATCH",
            "/products/{id}",
            200,
            lambda i: Request("PATCH", f"/products/{renamed_product}", {"name": f"Renamed {i}"}, admin()),
            "write",
        ),
        RouteCase("ArchiveProductFunction", "DELETE", "/products/{id}", 204, archive_product, "write"),
        RouteCase(
            "GetStockLevelsFunction",
            "GET",
            "/admin/inventory/{product_id}",
            200,
            as_admin("GET", f"/admin/inventory/{p0}"),
        ),
        RouteCase(
            "AdjustStockFunction",
            "POST",
            "/admin/inventory/{product_id}/adjustments",
            200,
            as_admin("POST", f"/admin/inventory/{p1}/adjustments", {"delta": 1, "reason": "bench"}),
            "write",
        ),
        RouteCase(
            "ListLowStockFunction",
            "GET",
            "/admin/inventory",
            200,
            as_admin("GET", "/admin/inventory?below=50"),
        ),
        RouteCase("GetCartFunction", "GET", "/cart", 200, as_("browser", "GET", "/cart")),
        RouteCase("AddCartItemFunction", "POST", "/cart/items", 200, add_item, "write"),
        RouteCase(
            "SetCartItemQuantityFunction",
            "PUT",
            "/cart/items/{product_id}",
            200,
            lambda i: Request("PUT", f"/cart/items/{p0}", {"quantity": 1 + i % 5}, fx.token("setter")),
            "write",
        ),
        RouteCase("RemoveCartItemFunction", "DELETE", "/cart/items/{product_id}", 200, remove_item, "write"),
        RouteCase("EmptyCartFunction", "DELETE", "/cart", 204, empty_cart, "write"),
        RouteCase("CheckoutFunction", "POST", "/checkout", 201, checkout, "checkout", after=keep_pending),
        RouteCase("PayOrderFunction", "POST", "/orders/{id}/payments", 200, pay, "payment", after=keep_paid),
        RouteCase(
            "ListOrderPaymentsFunction",
            "GET",
            "/orders/{id}/payments",
            200,
            as_("buyer", "GET", f"/orders/{paid}/payments"),
        ),
        RouteCase("ListMyOrdersFunction", "GET", "/orders", 200, as_("buyer", "GET", "/orders?limit=20")),
        RouteCase("GetOrderFunction", "GET", "/orders/{id}", 200, as_("buyer", "GET", f"/orders/{paid}")),
        RouteCase(
            "ListOrderEventsFunction",
            "GET",
            "/orders/{id}/events",
            200,
            as_("buyer", "GET", f"/orders/{paid}/events"),
        ),
        RouteCase("CancelOrderFunction", "POST", "/orders/{id}/cancel", 200, cancel, "write", heavy=True),
        RouteCase(
            "CreateShipmentFunction", "POST", "/admin/orders/{id}/shipments", 201, ship, "write", heavy=True
        ),
        RouteCase(
            "AddTrackingUpdateFunction",
            "POST",
            "/admin/shipments/{id}/tracking",
            200,
            track,
            "write",
            heavy=True,
        ),
        RouteCase(
            "GetOrderShipmentFunction",
            "GET",
            "/orders/{id}/shipment",
            200,
            as_("buyer", "GET", f"/orders/{shipped}/shipment"),
        ),
        RouteCase("ListUsersFunction", "GET", "/admin/users", 200, as_admin("GET", "/admin/users?limit=20")),
        RouteCase(
            "PatchUserFunction",
            "PATCH",
            "/admin/users/{id}",
            200,
            lambda i: Request("PATCH", f"/admin/users/{victim}", {"disabled": i % 2 == 0}, admin()),
            "write",
        ),
        RouteCase(
            "ListAllOrdersFunction", "GET", "/admin/orders", 200, as_admin("GET", "/admin/orders?limit=20")
        ),
        RouteCase(
            "GetSalesStatsFunction", "GET", "/admin/stats/sales", 200, as_admin("GET", "/admin/stats/sales")
        ),
        RouteCase("ListAuditFunction", "GET", "/admin/audit", 200, as_admin("GET", "/admin/audit?limit=20")),
    ]
