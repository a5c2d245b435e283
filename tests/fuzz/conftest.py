"""The fuzz session's shop: the e2e suite's own `local_shop`, a small catalog, orders, and a caller per role.

The e2e conftest belongs to the e2e suite; it is loaded from its file (as shop_local loads handlers,
never through sys.path) so both suites start the shop the same way. Ids of real things (a product, a
category, orders in each state, a shipment, a user) go into the document as parameter examples, so
that every operation is also tried once against something that exists, not only against 404s; valid
bodies for adding to a cart, checking out and paying do the same for the buying journey.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN_MAX_AGE_SECONDS = 600  # well inside the shop's 15-minute access tokens, for a long `make fuzz`
PASSWORD = "a fuzzing password"
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
ADDRESS = {"name": "Fuzz", "line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"}


def _load_e2e_conftest() -> ModuleType:
    name = "fuzz_e2e_local_shop"
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "e2e" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_e2e = _load_e2e_conftest()
local_shop = _e2e.local_shop  # the fixture itself: `python -m shop_local run` on free ports


@pytest.fixture(scope="session", autouse=True)
def room_for_a_fuzzer() -> Iterator[None]:
    """Hundreds of guest tokens, registrations and failed logins from 127.0.0.1 are the fuzzer's job
    here, not abuse, so the shop it starts has room for them (autouse: set before `local_shop`
    starts). The limits themselves are tested in tests/unit and tests/integration."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("SHOP_REGISTRATIONS_PER_IP", "SHOP_GUEST_TOKENS_PER_IP", "SHOP_FAILED_LOGINS_PER_IP"):
            patch.setenv(name, "1000000")
        yield


@dataclass
class Caller:
    """A user of one role whose access token is renewed before it can expire mid-run."""

    role: str
    issue: Callable[[], str] | None
    token: str = ""
    issued_at: float = field(default=0.0)

    def headers(self) -> dict[str, str]:
        if self.issue is None:
            return {}
        if not self.token or time.monotonic() - self.issued_at > TOKEN_MAX_AGE_SECONDS:
            self.token, self.issued_at = self.issue(), time.monotonic()
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class FuzzWorld:
    shop: Any
    callers: dict[str, Caller]
    examples: dict[str, str]  # path parameter examples, by "<path>:<name>"
    bodies: dict[str, Any]  # valid request bodies, by "<method> <path>"


def _ok(answer: Any, status: int) -> Any:
    assert answer.status == status, answer.body
    return answer.json() if answer.body else None


def _seed(shop: Any, admin: dict[str, str], customer: dict[str, str]) -> dict[str, str]:
    """A category, two ACTIVE products in stock, and orders of the customer in three states."""
    tag = uuid.uuid4().hex[:8]
    category = _ok(shop.request("POST", "/categories", {"name": "Fuzz", "slug": f"fuzz-{tag}"}, admin), 201)
    product_ids = []
    for n in (1, 2):
        body = {"sku": f"FUZZ-{tag}-{n}", "name": f"Fuzz {n}", "price_cents": 1000 + n, "status": "ACTIVE"}
        product = _ok(shop.request("POST", "/products", {**body, "category_id": category["id"]}, admin), 201)
        adjustment = {"delta": 10_000, "reason": "fuzz stock"}
        _ok(shop.request("POST", f"/admin/inventory/{product['id']}/adjustments", adjustment, admin), 200)
        product_ids.append(product["id"])
    orders = []
    for _ in range(3):
        _ok(shop.request("POST", "/cart/items", {"product_id": product_ids[1], "quantity": 1}, customer), 200)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        orders.append(
            _ok(shop.request("POST", "/checkout", {"shipping_address": ADDRESS}, {**customer, **key}), 201)
        )
    paid, shipped, pending = (order["id"] for order in orders)
    for order_id in (paid, shipped):
        key = {"Idempotency-Key": uuid.uuid4().hex}
        _ok(shop.request("POST", f"/orders/{order_id}/payments", CARD, {**customer, **key}), 200)
    shipment = _ok(shop.request("POST", f"/admin/orders/{shipped}/shipments", {"carrier": "DHL"}, admin), 201)
    _ok(shop.request("POST", "/cart/items", {"product_id": product_ids[1], "quantity": 1}, customer), 200)
    bystander = shop.register(f"fuzz-bystander-{tag}@example.com", PASSWORD)["user"]["id"]
    return {
        "product": product_ids[0],
        "shop_product": product_ids[1],
        "category": category["id"],
        "pending_order": pending,
        "paid_order": paid,
        "shipped_order": shipped,
        "shipment": shipment["id"],
        "user": bystander,
    }


@pytest.fixture(scope="session")
def fuzz_world(local_shop: Any) -> FuzzWorld:
    tag = uuid.uuid4().hex[:8]
    admin_email, customer_email = f"fuzz-admin-{tag}@example.com", f"fuzz-customer-{tag}@example.com"
    done = local_shop.make_admin(admin_email, PASSWORD)
    assert done.returncode == 0, done.stderr
    local_shop.register(customer_email, PASSWORD)

    def login(email: str) -> Callable[[], str]:
        return lambda: str(local_shop.login(email, PASSWORD)["access_token"])

    def guest() -> str:
        return str(_ok(local_shop.request("POST", "/auth/guest"), 201)["access_token"])

    callers = {
        "anonymous": Caller("anonymous", None),
        "guest": Caller("guest", guest),
        "customer": Caller("customer", login(customer_email)),
        "admin": Caller("admin", login(admin_email)),
    }
    ids = _seed(local_shop, callers["admin"].headers(), callers["customer"].headers())
    examples = {
        "/products/{id}:id": ids["product"],
        "/admin/inventory/{product_id}:product_id": ids["product"],
        "/admin/inventory/{product_id}/adjustments:product_id": ids["product"],
        "/cart/items/{product_id}:product_id": ids["product"],
        "/categories/{id}:id": ids["category"],
        "/orders/{id}:id": ids["paid_order"],
        "/orders/{id}/events:id": ids["paid_order"],
        "/orders/{id}/payments:id": ids["pending_order"],
        "/orders/{id}/cancel:id": ids["pending_order"],
        "/orders/{id}/shipment:id": ids["shipped_order"],
        "/admin/orders/{id}/shipments:id": ids["paid_order"],
        "/admin/shipments/{id}/tracking:id": ids["shipment"],
        "/admin/users/{id}:id": ids["user"],
    }
    bodies = {
        "post /cart/items": {"product_id": ids["shop_product"], "quantity": 1},
        "post /checkout": {"shipping_address": ADDRESS},
        "post /orders/{id}/payments": CARD,
    }
    return FuzzWorld(local_shop, callers, examples, bodies)
