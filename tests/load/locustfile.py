"""The shop's Locust users: started by `make load` (tests/load/run.py), one scenario at a time.

The runner stocks the catalog and passes it in a JSON plan (SHOP_LOAD_PLAN); admins sign in with
SHOP_LOAD_ADMIN_EMAIL / SHOP_LOAD_ADMIN_PASSWORD. Every request is named by its route template
(tests/load/scenarios.py). Answers the contract gives under load (a 409 OUT_OF_STOCK once the hot
product is sold out, a 401 for a wrong password) count as successes; anything else is a failure.
What the users changed in stock (units checked out with a 201, adjustments that succeeded or lost
their answer) is written to SHOP_LOAD_RESULT when Locust quits, for the runner's oversell check,
with the run's figures.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from gevent.event import Event
from gevent.lock import BoundedSemaphore
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import RescheduleTask
from locust.stats import StatsEntry

from tests.load.oversell import Ledger

PLAN: dict[str, Any] = json.loads(Path(os.environ["SHOP_LOAD_PLAN"]).read_text())
PRODUCTS: list[str] = PLAN["products"]
HOT_PRODUCT: str = PLAN["hot_product"]
PASSWORD = "a load test password"
ADDRESS = {
    "name": "Ada Load",
    "line1": "1 Busy Road",
    "city": "Leeds",
    "postal_code": "LS1 1AA",
    "country": "GB",
}
GOOD_CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
DECLINED_CARD = GOOD_CARD | {"card_number": "4000000000000002"}
SIGN_IN_AGAIN_SECONDS = 600  # access tokens live 15 minutes

ledger = Ledger()


class SaleGate:
    """The flash sale opens once every buyer is up with the hot product in the cart, so that they
    all check out at the same moment (a buyer that could not get ready counts as ready)."""

    def __init__(self) -> None:
        self.ready = 0
        self.spawned = False
        self.environment: Environment | None = None
        self.opened = Event()

    def buyer_ready(self) -> None:
        self.ready += 1
        self._open_if_all_ready()

    def spawning_done(self) -> None:
        self.spawned = True
        self._open_if_all_ready()

    def _open_if_all_ready(self) -> None:
        runner = self.environment.runner if self.environment is not None else None
        buyers = runner.user_classes_count.get("FlashBuyer", 0) if runner is not None else 0
        if self.spawned and self.ready >= buyers:
            self.opened.set()


sale = SaleGate()


@events.init.add_listener
def _keep_environment(environment: Environment, **_: Any) -> None:
    sale.environment = environment


@events.spawning_complete.add_listener
def _spawning_done(user_count: int, **_: Any) -> None:
    sale.spawning_done()


@events.quitting.add_listener
def _write_result(environment: Environment, **_: Any) -> None:
    """The ledger and the final figures (Locust's CSV files are rewritten once a second, so their
    last requests may be missing)."""
    stats = environment.stats
    result = {
        "ledger": vars(ledger),
        "total": _figures(stats.total),
        "routes": {f"{entry.method} {entry.name}": _figures(entry) for entry in stats.entries.values()},
        "failures": [
            [f"{e.method} {e.name}", e.to_name().removeprefix(f"{e.method} {e.name}: "), e.occurrences]
            for e in stats.errors.values()
        ],
    }
    Path(os.environ["SHOP_LOAD_RESULT"]).write_text(json.dumps(result))


def _figures(entry: StatsEntry) -> dict[str, float]:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "per_second": entry.total_rps,
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
    }


def _units(order: dict[str, Any], into: Counter[str]) -> None:
    for line in order["items"]:
        into[line["product_id"]] += line["quantity"]


class ShopUser(HttpUser):
    abstract = True
    wait_time = between(0.1, 0.5)
    token: str | None = None
    signed_in_at = 0.0

    def sign_in(self) -> None:
        raise NotImplementedError

    def on_start(self) -> None:
        self.sign_in()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        route: str | None = None,
        expect: tuple[int, ...] = (200,),
        key: bool = False,
        token: bool = True,
    ) -> tuple[int, Any]:
        """The status and JSON body; a status outside `expect` is recorded as a failure."""
        if token and (self.token is None or time.monotonic() - self.signed_in_at > SIGN_IN_AGAIN_SECONDS):
            self.sign_in()
            if self.token is None:
                raise RescheduleTask  # not signed in (the failure is recorded): try again at the next task
        headers = {"Authorization": f"Bearer {self.token}"} if token and self.token else {}
        if key:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        with self.client.request(
            method, path, json=body, headers=headers, name=route or path, catch_response=True
        ) as answer:
            try:
                data = answer.json() if answer.content else None
            except ValueError:
                data = None
            if answer.status_code in expect:
                answer.success()
            else:
                code = data.get("error", {}).get("code") if isinstance(data, dict) else None
                answer.failure(f"{answer.status_code} {code or answer.reason}")
            return answer.status_code, data

    def register(self) -> None:
        self.email = f"load-{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": self.email, "password": PASSWORD, "name": "Load Tester"}
        self._session(*self.call("POST", "/auth/register", body, expect=(201,), token=False))

    def login(self, email: str, password: str) -> None:
        body = {"email": email, "password": password}
        self._session(*self.call("POST", "/auth/login", body, token=False))

    def _session(self, status: int, session: Any) -> None:
        if status in (200, 201):
            self.token, self.refresh_token = session["access_token"], session["refresh_token"]
            self.signed_in_at = time.monotonic()

    def view_product(self, product_id: str) -> None:
        self.call("GET", f"/products/{product_id}", route="/products/{id}")

    def add_to_cart(self, product_id: str, quantity: int = 1, expect: tuple[int, ...] = (200,)) -> int:
        body = {"product_id": product_id, "quantity": quantity}
        return self.call("POST", "/cart/items", body, expect=expect)[0]

    def checkout(self, expect: tuple[int, ...] = (201,)) -> dict[str, Any] | None:
        body = {"shipping_address": ADDRESS}
        status, order = self.call("POST", "/checkout", body, expect=expect, key=True)
        if status != 201:
            return None
        _units(order, ledger.checked_out)
        return dict(order)

    def pay(self, order: dict[str, Any], card: dict[str, Any] = GOOD_CARD) -> bool:
        path = f"/orders/{order['id']}/payments"
        status, outcome = self.call("POST", path, card, route="/orders/{id}/payments", key=True)
        succeeded = status == 200 and outcome["payment"]["status"] == "SUCCEEDED"
        if succeeded:
            _units(order, ledger.paid)
        return succeeded

    def settle(self, order: dict[str, Any]) -> None:
        """Pays the order, one time in five after a declined card (the order stays payable)."""
        if random.random() < 0.2:
            self.pay(order, DECLINED_CARD)
        self.pay(order)

    def buy(self, product_id: str) -> None:
        if self.add_to_cart(product_id) == 200 and (order := self.checkout()) is not None:
            self.settle(order)


class Customer(ShopUser):
    """Registers once, and signs in again with the same account when its token gets old."""

    abstract = True

    def sign_in(self) -> None:
        if self.token is None:
            self.register()
        else:
            self.login(self.email, PASSWORD)


class CatalogBrowser(ShopUser):
    """A guest: mostly reads the catalog, sometimes keeps a cart."""

    weight = 3

    def sign_in(self) -> None:
        status, session = self.call("POST", "/auth/guest", expect=(201,), token=False)
        if status == 201:
            self.token, self.signed_in_at = session["access_token"], time.monotonic()

    def on_start(self) -> None:
        super().on_start()
        self.keep_cart()  # once, whatever the draws: a short run still reaches the cart's routes

    @task(4)
    def browse(self) -> None:
        _, categories = self.call("GET", "/categories")
        self.call("GET", "/products?limit=20", route="/products")
        if categories and categories["items"]:
            category = random.choice(categories["items"])["id"]
            self.call("GET", f"/products?category_id={category}", route="/products?category_id=")
        self.call("GET", "/products?q=item", route="/products?q=")
        for product_id in random.sample(PRODUCTS, 2):
            self.view_product(product_id)

    @task(1)
    def keep_cart(self) -> None:
        self.add_to_cart(random.choice(PRODUCTS), random.randint(1, 3))
        self.call("GET", "/cart")
        self.call("DELETE", "/cart", expect=(204,))


class Shopper(Customer):
    """A customer: browses, edits the cart, checks out and pays, looks at the orders."""

    weight = 1

    @task
    def shop(self) -> None:
        self.call("GET", "/products?limit=20", route="/products")
        first, second = random.sample(PRODUCTS, 2)
        self.view_product(first)
        self.view_product(second)
        self.add_to_cart(first, 2)
        self.call("PUT", f"/cart/items/{first}", {"quantity": 1}, route="/cart/items/{product_id}")
        self.add_to_cart(second)
        self.call("DELETE", f"/cart/items/{second}", route="/cart/items/{product_id}")
        self.call("GET", "/cart")
        order = self.checkout()
        if order is None:
            return
        self.settle(order)
        self.call("GET", f"/orders/{order['id']}", route="/orders/{id}")
        self.call("GET", "/orders")


class FlashBuyer(Customer):
    """Waits with the hot product in the cart until every buyer is, then buys again and again."""

    weight = 3
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        super().on_start()
        if self.token is not None:
            self.add_to_cart(HOT_PRODUCT, expect=(200, 409))
        sale.buyer_ready()
        sale.opened.wait(timeout=120)

    @task
    def buy_hot_product(self) -> None:
        order = self.checkout(expect=(201, 409))  # 409: sold out, or the cart was emptied by it
        if order is not None:
            self.pay(order)
        self.view_product(HOT_PRODUCT)
        self.add_to_cart(HOT_PRODUCT, expect=(200, 409))  # 409 INSUFFICIENT_STOCK once sold out


class LoginStormer(Customer):
    """Signs in again and again (now and then with a wrong password), reads itself, refreshes."""

    weight = 2
    wait_time = between(0, 0.1)

    @task
    def storm(self) -> None:
        if random.random() < 0.1:
            body = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "not the password"}
            self.call("POST", "/auth/login", body, expect=(401, 429), token=False)
        self.login(self.email, PASSWORD)
        self.call("GET", "/auth/me")
        status, session = self.call("POST", "/auth/refresh", {"refresh_token": self.refresh_token})
        self._session(status, session)


class BackOfficeAdmin(ShopUser):
    """An admin at the console: lists, looks at stock, restocks, ships what is paid."""

    weight = 2
    wait_time = between(0.2, 1.0)

    # The admins share one session: the shop lets only a few logins to one account be in flight at
    # once (their rate-limit slots are taken before the password is checked).
    shared_token: str | None = None
    shared_since = float("-inf")
    signing_in = BoundedSemaphore()

    def sign_in(self) -> None:
        with self.signing_in:
            if time.monotonic() - BackOfficeAdmin.shared_since > SIGN_IN_AGAIN_SECONDS:
                self.login(os.environ["SHOP_LOAD_ADMIN_EMAIL"], os.environ["SHOP_LOAD_ADMIN_PASSWORD"])
                if self.token is not None and self.signed_in_at > BackOfficeAdmin.shared_since:
                    BackOfficeAdmin.shared_token, BackOfficeAdmin.shared_since = self.token, self.signed_in_at
            self.token, self.signed_in_at = BackOfficeAdmin.shared_token, BackOfficeAdmin.shared_since

    @task
    def back_office(self) -> None:
        self.call("GET", "/admin/orders?limit=20", route="/admin/orders")
        self.call("GET", "/admin/inventory?below=1000000", route="/admin/inventory?below=")
        product_id = random.choice(PRODUCTS)
        self.call("GET", f"/admin/inventory/{product_id}", route="/admin/inventory/{product_id}")
        self.adjust(product_id, random.choice([5, 10, -1]))
        self.call("GET", "/admin/users?limit=20", route="/admin/users")
        self.call("GET", "/admin/stats/sales", route="/admin/stats/sales")
        self.call("GET", "/admin/audit?limit=20", route="/admin/audit")
        self.ship_a_paid_order()

    def adjust(self, product_id: str, delta: int) -> None:
        path = f"/admin/inventory/{product_id}/adjustments"
        body = {"delta": delta, "reason": "load test"}
        unanswered = ledger.unanswered.setdefault(product_id, [])
        unanswered.append(delta)  # until an answer says whether it was applied
        status, _ = self.call(
            "POST", path, body, route="/admin/inventory/{product_id}/adjustments", expect=(200, 409)
        )
        if 400 <= status < 500 or status == 200:
            unanswered.remove(delta)
        if status == 200:
            ledger.adjusted[product_id] += delta
            ledger.restocked[product_id] += max(delta, 0)

    def ship_a_paid_order(self) -> None:
        _, page = self.call("GET", "/admin/orders?status=PAID&limit=20", route="/admin/orders?status=PAID")
        if page and page["items"]:
            order_id = random.choice(page["items"])["id"]
            path = f"/admin/orders/{order_id}/shipments"
            # 409: another admin shipped it first
            self.call(
                "POST", path, {"carrier": "UPS"}, route="/admin/orders/{id}/shipments", expect=(201, 409)
            )


class OrderPlacer(Customer):
    """Keeps paid orders coming for the back office to ship."""

    weight = 1
    wait_time = between(0.5, 1.5)

    @task
    def shop(self) -> None:
        self.buy(random.choice(PRODUCTS))
