"""Shared by every test folder: the no-oversell sale run over HTTP (tests/e2e on the moto server,
tests/dynamodb_local on DynamoDB Local), and `sample_event`, which re-addresses a sample event."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

EVENTS = Path(__file__).resolve().parent.parent / "events"

TIMEOUT = 60
ADDRESS = {"name": "Ada", "line1": "1 Hot Street", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"}


@dataclass(frozen=True)
class Buyer:
    email: str
    token: str
    user_id: str


@dataclass
class HotSale:
    """One product, many customers with it in their carts, and every checkout at the same moment."""

    url: str
    admin: str

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def levels(self, product_id: str) -> tuple[int, int, int]:
        answer = self.call("GET", f"/admin/inventory/{product_id}", self.admin)
        assert answer.status_code == 200, answer.text
        levels = answer.json()
        return levels["available"], levels["reserved"], levels["sold"]

    def product(self, stock: int) -> str:
        tag = uuid.uuid4().hex[:8]
        category = self.call("POST", "/categories", self.admin, json={"name": "Hot", "slug": f"hot-{tag}"})
        assert category.status_code == 201, category.text
        body = {"sku": f"HOT-{tag}", "name": "Hot item", "price_cents": 1500, "status": "ACTIVE"}
        made = self.call("POST", "/products", self.admin, json=body | {"category_id": category.json()["id"]})
        assert made.status_code == 201, made.text
        product_id = str(made.json()["id"])
        path, adjustment = f"/admin/inventory/{product_id}/adjustments", {"delta": stock, "reason": "hot"}
        assert self.call("POST", path, self.admin, json=adjustment).status_code == 200
        return product_id

    def buyers(self, product_id: str, count: int) -> list[Buyer]:
        """`count` registered customers (Argon2 makes this the slow part), each with one unit of
        the product in the cart."""

        def buyer(_: int) -> Buyer:
            email = f"hot-{uuid.uuid4().hex[:12]}@example.com"
            body = {"email": email, "password": "a hot product buyer", "name": "Buyer"}
            registered = self.call("POST", "/auth/register", json=body)
            assert registered.status_code == 201, registered.text
            session = registered.json()
            line = {"product_id": product_id, "quantity": 1}
            assert self.call("POST", "/cart/items", session["access_token"], json=line).status_code == 200
            return Buyer(email, session["access_token"], session["user"]["id"])

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(buyer, range(count)))

    def checkout(self, token: str) -> requests.Response:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return self.call("POST", "/checkout", token, headers=key, json={"shipping_address": ADDRESS})

    def warm_checkout(self, containers: int = 16) -> None:
        """Loads checkout's containers (the admin's cart is empty) so that cold starts are not timed."""
        with ThreadPoolExecutor(containers) as pool:
            assert set(pool.map(lambda _: self.checkout(self.admin).status_code, range(containers))) == {409}

    def all_at_once(self, buyers: list[Buyer]) -> tuple[list[requests.Response], float]:
        """Every buyer's checkout, released together; the answers in order and the seconds taken."""
        start = threading.Barrier(len(buyers))

        def buy(buyer: Buyer) -> requests.Response:
            start.wait()
            return self.checkout(buyer.token)

        began = time.monotonic()
        with ThreadPoolExecutor(len(buyers)) as pool:
            answers = list(pool.map(buy, buyers))
        return answers, time.monotonic() - began

    def assert_sold_exactly(
        self, product_id: str, stock: int, buyers: list[Buyer], answers: list[requests.Response]
    ) -> None:
        """`stock` orders, each its buyer's; a clean 409 OUT_OF_STOCK with its details for every
        other buyer; the stock all reserved: available + reserved + sold unchanged."""
        sold = [(b, a.json()) for b, a in zip(buyers, answers, strict=True) if a.status_code == 201]
        orders = [order for _, order in sold]
        assert len(orders) == stock and len({o["id"] for o in orders}) == stock
        assert all(order["user_id"] == buyer.user_id for buyer, order in sold)
        lines = {(o["status"], o["items"][0]["product_id"], o["items"][0]["quantity"]) for o in orders}
        assert lines == {("PENDING_PAYMENT", product_id, 1)}
        refused = [a for a in answers if a.status_code != 201]
        assert {a.status_code for a in refused} == {409} and len(refused) == len(answers) - stock
        errors = [a.json()["error"] for a in refused]
        assert all(e["code"] == "OUT_OF_STOCK" for e in errors), {e["code"] for e in errors}
        assert all(
            e["details"] == [{"product_id": product_id, "requested": 1, "available": 0}] for e in errors
        )
        assert self.levels(product_id) == (0, stock, 0)


@pytest.fixture(scope="session")
def hot_sale() -> Callable[[str, str], HotSale]:
    return HotSale


KEEP: Any = object()  # api_event(query=KEEP) leaves the sample's query string as it is


def api_event(
    sample: str,
    *,
    user: str,
    role: str | None,
    body: Any = None,
    key: str | None = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = KEEP,
) -> dict[str, Any]:
    """A sample API Gateway event from events/, re-addressed to a caller, a body and path/query values
    (role None: no authorizer context, as on a request without a token)."""
    event: dict[str, Any] = json.loads((EVENTS / sample).read_text())
    if role is None:
        event["requestContext"]["authorizer"] = {}
    else:
        event["requestContext"]["authorizer"].update(user_id=user, role=role, principalId=user)
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if body is not None:
        headers["Content-Type"] = "application/json"
    event["headers"], event["multiValueHeaders"] = headers, {k: [v] for k, v in headers.items()}
    event["body"] = json.dumps(body) if body is not None else None
    if path:
        event["pathParameters"] = path
        event["path"] = event["resource"]
        for name, value in path.items():
            event["path"] = event["path"].replace("{" + name + "}", value)
    if query is not KEEP:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    return event


@pytest.fixture(scope="session")
def sample_event() -> Callable[..., dict[str, Any]]:
    return api_event
