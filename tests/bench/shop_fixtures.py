"""The people and things the route benchmarks need, made through the API (an admin through the
project's own admin use case): a catalog with plenty of stock, customers, and orders in each state.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from local_shop import Answer, LocalShop

from shop.domain.orders import MAX_OPEN_ORDERS

PASSWORD = "a bench password, long enough"
ADDRESS = {"name": "Ada Bench", "line1": "1 Road", "city": "London", "postal_code": "N1 1AA", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
TOKEN_REFRESH_SECONDS = 600  # access tokens live 900 s; a long run logs in again before that


class SetupFailed(RuntimeError):
    """A request that prepares a benchmark did not answer as the contract says."""


def expect(answer: Answer, status: int, what: str) -> Any:
    if answer.status != status:
        raise SetupFailed(f"{what}: expected {status}, got {answer.status}: {answer.body[:300]!r}")
    return answer.json()


@dataclass
class Person:
    email: str
    user_id: str
    token: str
    refresh_token: str
    issued: float = field(default_factory=time.monotonic)


class ShopFixtures:
    def __init__(self, shop: LocalShop) -> None:
        self.shop = shop
        self._people: dict[str, Person] = {}
        self.pending_orders: dict[str, list[str]] = {}
        self.paid_orders: dict[str, list[str]] = {}
        self._admin_email = f"bench-admin-{uuid.uuid4().hex[:8]}@example.com"
        from shop_tools.admin import create_admin

        create_admin(self._admin_email, PASSWORD)
        self.category_id = self.new_category()
        self.products = [self.new_product(stock=1_000_000) for _ in range(2)]

    # ------------------------------------------------------------- people
    def person(self, name: str) -> Person:
        """A customer (or, for "admin", the admin), logged in, with a fresh enough access token."""
        known = self._people.get(name)
        if known is not None and time.monotonic() - known.issued < TOKEN_REFRESH_SECONDS:
            return known
        if known is None and name != "admin":
            email = f"bench-{name}-{uuid.uuid4().hex[:8]}@example.com"
            body = {"email": email, "password": PASSWORD, "name": f"Bench {name}"}
            session = expect(self.shop.request("POST", "/auth/register", body), 201, "register")
        else:
            email = self._admin_email if known is None else known.email
            session = self.login(email)
        person = Person(email, session["user"]["id"], session["access_token"], session["refresh_token"])
        self._people[name] = person
        return person

    def token(self, name: str) -> str:
        return self.person(name).token

    def login(self, email: str) -> dict[str, Any]:
        answer = self.shop.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
        return dict(expect(answer, 200, "login"))

    # ------------------------------------------------------------- catalog
    def new_category(self) -> str:
        slug = f"bench-{uuid.uuid4().hex[:10]}"
        body = {"name": f"Bench {slug}", "slug": slug}
        answer = self.shop.request("POST", "/categories", body, self.token("admin"))
        return str(expect(answer, 201, "create category")["id"])

    def new_product(self, stock: int = 0) -> str:
        sku = f"BENCH-{uuid.uuid4().hex[:10].upper()}"
        body = {
            "sku": sku,
            "name": f"Bench product {sku}",
            "description": "A product the benchmarks buy.",
            "price_cents": 1999,
            "category_id": self.category_id,
            "status": "ACTIVE",
        }
        answer = self.shop.request("POST", "/products", body, self.token("admin"))
        product_id = str(expect(answer, 201, "create product")["id"])
        if stock:
            adjustment = {"delta": stock, "reason": "bench opening stock"}
            path = f"/admin/inventory/{product_id}/adjustments"
            expect(self.shop.request("POST", path, adjustment, self.token("admin")), 200, "adjust stock")
        return product_id

    # ------------------------------------------------------------- cart and orders
    def add_to_cart(self, name: str, product: int = 0, quantity: int = 1) -> None:
        body = {"product_id": self.products[product], "quantity": quantity}
        expect(self.shop.request("POST", "/cart/items", body, self.token(name)), 200, "add to cart")

    def checkout(self, name: str) -> str:
        """A new PENDING_PAYMENT order of two lines."""
        self.add_to_cart(name, 0)
        self.add_to_cart(name, 1)
        answer = self.shop.request(
            "POST", "/checkout", {"shipping_address": ADDRESS}, self.token(name), idempotency()
        )
        return str(expect(answer, 201, "checkout")["id"])

    def pay(self, name: str, order_id: str) -> None:
        path = f"/orders/{order_id}/payments"
        expect(self.shop.request("POST", path, CARD, self.token(name), idempotency()), 200, "pay")

    def make_room(self, name: str) -> None:
        """A customer holds at most MAX_OPEN_ORDERS unpaid orders: before another checkout, pay the
        oldest kept ones (they join the paid pool, which the shipping routes draw on)."""
        pool = self.pending_orders.setdefault(name, [])
        while len(pool) >= MAX_OPEN_ORDERS:
            order_id = pool.pop(0)
            self.pay(name, order_id)
            self.paid_orders.setdefault(name, []).append(order_id)

    def take_pending(self, name: str) -> str:
        pool = self.pending_orders.setdefault(name, [])
        return pool.pop() if pool else self.checkout(name)

    def take_paid(self, name: str) -> str:
        pool = self.paid_orders.setdefault(name, [])
        if pool:
            return pool.pop()
        order_id = self.checkout(name)
        self.pay(name, order_id)
        return order_id

    def ship(self, order_id: str) -> str:
        path = f"/admin/orders/{order_id}/shipments"
        answer = self.shop.request("POST", path, {"carrier": "UPS"}, self.token("admin"))
        return str(expect(answer, 201, "create shipment")["id"])


def idempotency() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}
