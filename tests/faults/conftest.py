"""Fault-injection suite: the integration `stack` (emulator + template.yaml), faults on the shop's clients.

The integration conftest's fixtures are reused as they are (loaded from its file, as pytest loads
a conftest: no sys.path change). botocore keeps its standard retry mode with two changes that only
make the suite fast and deterministic: no sleep between attempts, and no retry quota (a Lambda
container's quota is not shared by hundreds of requests in one test process). The order services'
own backoff is zeroed too: their attempts are counted, not timed.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.retries import standard

from shop_local.lambda_runtime.containers import FunctionPool
from shop_local.provisioning.provision import Stack

HERE = Path(__file__).parent
ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_integration = _load("faults_integration_conftest", HERE.parent / "integration" / "conftest.py")
injector = _load("faults_injector", HERE / "injector.py")
emulator = _integration.emulator
aws_environment = _integration.aws_environment
stack = _integration.stack


@pytest.fixture(autouse=True)
def instant_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    monkeypatch.setattr(standard.RetryQuotaChecker, "acquire_retry_quota", lambda self, context: True)
    monkeypatch.setattr("shop.backoff.backoff_delay", lambda attempt: 0.0)  # shop.backoff.retried's wait


@pytest.fixture
def faults(stack: Stack) -> Iterator[Any]:
    """A FaultInjector on the shop's cached clients; every fault is gone after the test."""
    from shop.adapters.aws import client

    injected = injector.FaultInjector(client)
    try:
        yield injected
    finally:
        injected.remove()


class Shop:
    """The shop's API functions called as API Gateway calls them (sample events, in-process pools)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._template = json.loads((Path("events") / "cart" / "add_cart_item.json").read_text())
        self._routes: dict[tuple[str, str], str] = {}
        for spec in stack.functions():
            for source in spec.events.values():
                props = source.get("Properties") or {}
                if source.get("Type") == "Api":
                    self._routes[(str(props["Method"]).upper(), str(props["Path"]))] = spec.logical_id
        self._pools: dict[str, FunctionPool] = {}
        self.admin = f"u_admin{uuid.uuid4().hex[:12]}"
        self._category: str | None = None
        self.products: list[str] = []  # every product and order the suite made, for the invariants
        self.orders: list[str] = []

    def call(
        self,
        method: str,
        resource: str,
        *,
        user: str = "",
        role: str = "admin",
        body: Any = None,
        path: dict[str, str] | None = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        function = self._routes[(method, resource)]
        pool = self._pools.get(function) or self._pools.setdefault(
            function, FunctionPool(self.stack.function(function))
        )
        event = copy.deepcopy(self._template)
        user = user or self.admin
        if role == "anonymous":
            event["requestContext"].pop("authorizer", None)
        else:
            event["requestContext"]["authorizer"] = {"user_id": user, "role": role, "principalId": user}
        headers = {k: v for k, v in event["headers"].items() if k not in {"Authorization", "Content-Type"}}
        if key is not None:
            headers["Idempotency-Key"] = key
        if body is not None:
            headers["Content-Type"] = "application/json"
        concrete = resource
        for name, value in (path or {}).items():
            concrete = concrete.replace("{" + name + "}", value)
        event |= {
            "httpMethod": method,
            "resource": resource,
            "path": concrete,
            "pathParameters": path,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "body": json.dumps(body) if body is not None else None,
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
        }
        event["requestContext"] |= {"httpMethod": method, "resourcePath": resource, "path": concrete}
        answer = pool.invoke(event)
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    # --------------------------------------------------------------- catalog and stock
    def category(self) -> str:
        if self._category is None:
            self._category = self.new_category()
        return self._category

    def new_category(self) -> str:
        body = {"name": "Faults", "slug": f"faults-{uuid.uuid4().hex[:10]}"}
        status, made = self.call("POST", "/categories", body=body)
        assert status == 201, made
        return str(made["id"])

    def product(self, stock: int = 10, price: int = 1500, category: str | None = None) -> str:
        body = {
            "sku": f"F-{uuid.uuid4().hex[:12]}",
            "name": "Kettle",
            "price_cents": price,
            "category_id": category or self.category(),
            "status": "ACTIVE",
        }
        status, made = self.call("POST", "/products", body=body)
        assert status == 201, made
        self.products.append(made["id"])
        if stock:
            self.adjust(made["id"], stock)
        return str(made["id"])

    def adjust(self, product_id: str, delta: int) -> tuple[int, Any]:
        path = {"product_id": product_id}
        answer = self.call(
            "POST",
            "/admin/inventory/{product_id}/adjustments",
            path=path,
            body={"delta": delta, "reason": "t"},
        )
        assert answer[0] in (200, 409), answer
        return answer

    def item(self, table_logical_id: str, pk: str, sk: str) -> dict[str, Any] | None:
        from shop.adapters.aws import client
        from shop.adapters.dynamo_codec import from_item

        got = client("dynamodb").get_item(
            TableName=self.stack.physical_id(table_logical_id),
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True,
        )
        return from_item(got["Item"]) if "Item" in got else None

    def levels(self, product_id: str) -> tuple[int, int, int]:
        """The product's stock summed over its shards, each shard checked for a negative level."""
        from shop.adapters.aws import client
        from shop.adapters.dynamo_codec import from_item

        assert self.item("CatalogTable", f"PRODUCT#{product_id}", "PRODUCT") is not None
        answer = client("dynamodb").query(
            TableName=self.stack.physical_id("CatalogTable"),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :stock)",
            ExpressionAttributeValues={":pk": {"S": f"PRODUCT#{product_id}"}, ":stock": {"S": "STOCK#"}},
            ConsistentRead=True,
        )
        shards = [from_item(item) for item in answer["Items"]]
        levels = [(int(s["available"]), int(s["reserved"]), int(s["sold"])) for s in shards]
        assert levels and all(min(shard) >= 0 for shard in levels), levels
        available, reserved, sold = (sum(column) for column in zip(*levels, strict=True))
        return available, reserved, sold

    # --------------------------------------------------------------- carts, orders
    def cart_lines(self, owner: str) -> dict[str, int]:
        item = self.item("CartsTable", f"CART#{owner}", "CART") or {}
        return {pid: int(item[f"qty#{pid}"]) for pid in item.get("products", set())}

    def buyer(self, *lines: tuple[str, int]) -> str:
        user = f"u_{uuid.uuid4().hex}"
        for product_id, quantity in lines:
            body = {"product_id": product_id, "quantity": quantity}
            status, cart = self.call("POST", "/cart/items", user=user, role="customer", body=body)
            assert status == 200, cart
        return user

    def checkout(self, user: str, key: str | None = None) -> tuple[int, Any]:
        status, body = self.call(
            "POST",
            "/checkout",
            user=user,
            role="customer",
            key=key or uuid.uuid4().hex,
            body={"shipping_address": ADDRESS},
        )
        if status == 201:
            self.orders.append(body["id"])
        return status, body

    def pay(self, user: str, order_id: str, key: str | None = None) -> tuple[int, Any]:
        return self.call(
            "POST",
            "/orders/{id}/payments",
            user=user,
            role="customer",
            path={"id": order_id},
            key=key or uuid.uuid4().hex,
            body=CARD,
        )

    def order_history(self, order_id: str) -> Any:
        from shop.bootstrap import build_order_store

        return build_order_store().order_history(order_id)

    def orders_of(self, user: str) -> list[Any]:
        from shop.bootstrap import build_order_store

        return list(build_order_store().orders_of(user, 100, None).items)

    def audit_count(self, action: str, target_id: str) -> int:
        return len(self.audit_details(action, target_id))

    def audit_details(self, action: str, target_id: str) -> list[dict[str, Any]]:
        """The details of the audit entries of `action` on `target_id` (gsi3, every entry)."""
        from shop.adapters.aws import client

        query: dict[str, Any] = {
            "TableName": self.stack.physical_id("AuditTable"),
            "IndexName": "gsi3",
            "KeyConditionExpression": "gsi3pk = :all",
            "FilterExpression": "gsi2pk = :action AND target_id = :target",
            "ExpressionAttributeValues": {
                ":all": {"S": "ENTRIES"},
                ":action": {"S": f"ACTION#{action}"},
                ":target": {"S": target_id},
            },
        }
        found: list[dict[str, Any]] = []
        while True:
            answer = client("dynamodb").query(**query)
            found += [json.loads(item["details"]["S"]) for item in answer.get("Items", [])]
            if "LastEvaluatedKey" not in answer:
                return found
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


@pytest.fixture(scope="session")
def shop(stack: Stack) -> Shop:
    return Shop(stack)
