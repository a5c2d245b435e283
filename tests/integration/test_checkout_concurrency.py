"""No oversell: 200 buyers check out one hot product with 50 in stock at the same moment.

Through the real CheckoutFunction handler (idempotency included) on the emulator's tables, from
200 threads, each invocation in one of up to 16 warm containers as the local gateway runs them. Exactly 50 orders and 150 clean 409 OUT_OF_STOCK, and available + reserved + sold
unchanged. The measured rate is printed (`-s`).
"""

import copy
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shop.adapters.aws import client
from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
from shop.config import settings
from shop_local.lambda_runtime.containers import FunctionPool

pytestmark = [pytest.mark.integration, pytest.mark.slow]
EVENTS = Path("events")
BUYERS, STOCK = 200, 50


def _event(sample: str, user: str, role: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / sample).read_text()))
    event["requestContext"]["authorizer"].update(user_id=user, role=role, principalId=user)
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    event["headers"], event["multiValueHeaders"] = headers, {k: [v] for k, v in headers.items()}
    event["body"] = json.dumps(body)
    return event


def _invoke(pool: FunctionPool, event: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    answer = pool.invoke(event)
    return answer["statusCode"], json.loads(answer["body"])


def test_two_hundred_concurrent_checkouts_sell_exactly_the_stock(stack):
    admin = {"user": "admin-1", "role": "admin"}
    # up to 16 warm containers per function, as the local gateway (and a Lambda concurrency limit) runs them
    create_category, create_product, adjust, add_item, checkout = (
        FunctionPool(stack.function(name))
        for name in (
            "CreateCategoryFunction",
            "CreateProductFunction",
            "AdjustStockFunction",
            "AddCartItemFunction",
            "CheckoutFunction",
        )
    )
    tag = uuid.uuid4().hex[:8]
    category = _invoke(
        create_category,
        _event("catalog/create_category.json", admin["user"], "admin", {"name": "Hot", "slug": f"hot-{tag}"}),
        "c",
    )[1]
    body = {
        "sku": f"HOT-{tag}",
        "name": "Hot",
        "price_cents": 999,
        "category_id": category["id"],
        "status": "ACTIVE",
    }
    product = _invoke(
        create_product, _event("catalog/create_product.json", admin["user"], "admin", body), "p"
    )[1]
    stock_event = _event(
        "inventory/adjust_stock.json", admin["user"], "admin", {"delta": STOCK, "reason": "hot"}
    )
    stock_event["pathParameters"] = {"product_id": product["id"]}
    stock_event["path"] = f"/admin/inventory/{product['id']}/adjustments"
    assert _invoke(adjust, stock_event, "a")[0] == 200

    buyers = [f"u_{uuid.uuid4().hex}" for _ in range(BUYERS)]
    with ThreadPoolExecutor(16) as pool:
        added = pool.map(
            lambda u: _invoke(
                add_item,
                _event(
                    "cart/add_cart_item.json", u, "customer", {"product_id": product["id"], "quantity": 1}
                ),
                "i",
            )[0],
            buyers,
        )
        assert set(added) == {200}

    start = threading.Barrier(BUYERS)

    def buy(user: str) -> tuple[int, dict[str, Any]]:
        event = _event(
            "orders/checkout.json",
            user,
            "customer",
            {
                "shipping_address": {
                    "name": "A",
                    "line1": "1",
                    "city": "X",
                    "postal_code": "1",
                    "country": "US",
                }
            },
            key=uuid.uuid4().hex,
        )
        start.wait()
        return _invoke(checkout, event, "checkout")

    began = time.monotonic()
    with ThreadPoolExecutor(BUYERS) as pool:
        answers = list(pool.map(buy, buyers))
    elapsed = time.monotonic() - began
    statuses = [status for status, _ in answers]
    codes = {body["error"]["code"] for status, body in answers if status != 201}
    assert statuses.count(201) == STOCK and statuses.count(409) == BUYERS - STOCK, codes
    assert codes == {"OUT_OF_STOCK"}
    levels = DynamoStockStore(client("dynamodb"), settings().catalog_table).stock_levels(product["id"])
    assert levels is not None
    assert (levels.available, levels.reserved, levels.sold) == (0, STOCK, 0)
    print(
        f"\n{BUYERS} concurrent checkouts on one hot product: {elapsed:.1f}s, {BUYERS / elapsed:.1f} checkouts/s"
    )
