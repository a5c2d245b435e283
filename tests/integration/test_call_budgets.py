"""The AWS call budgets, per warm request, through the real handlers on the emulator.

Counts are deterministic, so unlike times they are asserted: GET /products/{id} and GET /products
make 1 call, POST /cart/items and GET /cart at most 2, POST /checkout at most 5 (idempotency
bookkeeping included), payment at most 5; and none of them ever Scans. Calls are counted with
botocore `before-call` hooks on the shop's own cached clients (shop.adapters.aws.client), which
every handler of this process uses. `make bench` reports the same for every route.
"""

import json
import threading
import uuid
from collections import Counter

import pytest

from shop.adapters.aws import client
from shop.domain.stock_shards import UNITS_PER_SHARD
from shop_local.containers import FunctionPool

pytestmark = pytest.mark.integration
SERVICES = ("dynamodb", "kms", "sns", "sqs", "secretsmanager", "sesv2")
ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
SAMPLES = {
    "CreateCategoryFunction": "catalog/create_category.json",
    "CreateProductFunction": "catalog/create_product.json",
    "AdjustStockFunction": "inventory/adjust_stock.json",
    "GetProductFunction": "catalog/get_product.json",
    "ListProductsFunction": "catalog/list_products.json",
    "AddCartItemFunction": "cart/add_cart_item.json",
    "GetCartFunction": "cart/get_cart.json",
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
}


class CallLog:
    """Every AWS call made by a handler thread (`lambda:<LogicalId>`), as Service.Operation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, model, **_):
        thread = threading.current_thread().name
        if thread.startswith("lambda:"):
            with self._lock:
                self.calls.append(
                    (thread.removeprefix("lambda:"), f"{model.service_model.service_name}.{model.name}")
                )

    def mark(self) -> int:
        return len(self.calls)

    def since(self, mark: int, function: str) -> Counter[str]:
        return Counter(op for fn, op in self.calls[mark:] if fn == function)


@pytest.fixture(scope="module")
def call_log(stack):
    log = CallLog()
    clients = [client(service) for service in SERVICES]
    for each in clients:
        each.meta.events.register("before-call.*.*", log, unique_id="call-budgets")
    yield log
    for each in clients:
        each.meta.events.unregister("before-call.*.*", unique_id="call-budgets")


@pytest.fixture(scope="module")
def call(stack, call_log, sample_event):
    pools = {name: FunctionPool(stack.function(name)) for name in SAMPLES}

    def invoke(function, *, user="admin-1", role="admin", body=None, key=None, path=None, query=None):
        event = sample_event(
            SAMPLES[function], user=user, role=role, body=body, key=key, path=path, query=query
        )
        answer = pools[function].invoke(event)
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    return invoke


@pytest.fixture(scope="module")
def products(call):
    status, category = call(
        "CreateCategoryFunction", body={"name": "Budget", "slug": f"b-{uuid.uuid4().hex[:8]}"}
    )
    assert status == 201
    made = []
    for stock in (UNITS_PER_SHARD, UNITS_PER_SHARD, 1000):  # two ordinary products, one sharded
        body = {"sku": f"B-{uuid.uuid4().hex[:10]}", "name": "Budget mug", "price_cents": 1200}
        status, product = call(
            "CreateProductFunction", body=body | {"category_id": category["id"], "status": "ACTIVE"}
        )
        assert status == 201
        adjustment = {"delta": stock, "reason": "budget test"}
        assert call("AdjustStockFunction", path={"product_id": product["id"]}, body=adjustment)[0] == 200
        made.append(product["id"])
    return made


def warm_calls(call, call_log, function, times=3, **request):
    """The calls of the last of `times` identical requests (the first loads caches)."""
    for _ in range(times - 1):
        call(function, **request)
    mark = call_log.mark()
    status, body = call(function, **request)
    return status, body, call_log.since(mark, function)


def assert_within(counted, budget):
    assert 0 < sum(counted.values()) <= budget, counted  # 0 would mean the hooks saw nothing
    assert not any(op.endswith(".Scan") for op in counted), counted


def test_a_product_page_is_one_read(call, call_log, products):
    """One Query on the product's key reads the product with its stock shards."""
    status, _, counted = warm_calls(call, call_log, "GetProductFunction", path={"id": products[0]})
    assert status == 200
    assert counted == Counter({"dynamodb.Query": 1})


def test_a_catalog_page_is_one_query_and_one_read_of_its_stock(call, call_log, products):
    """The page from its index, then the stock shards of its products in one BatchGetItem."""
    query = {"limit": "20"}
    status, page, counted = warm_calls(
        call, call_log, "ListProductsFunction", query=query, role="anonymous", user=""
    )
    assert status == 200 and page["items"]
    assert counted == Counter({"dynamodb.Query": 1, "dynamodb.BatchGetItem": 1})


def test_adding_to_the_cart_and_reading_it_take_at_most_two_calls_each(call, call_log, products):
    user, body = f"u_{uuid.uuid4().hex}", {"product_id": products[0], "quantity": 1}
    status, _, counted = warm_calls(
        call, call_log, "AddCartItemFunction", user=user, role="customer", body=body
    )
    assert status == 200
    assert_within(counted, 2)
    status, cart, counted = warm_calls(call, call_log, "GetCartFunction", user=user, role="customer")
    assert status == 200 and cart["item_count"] == 3
    assert_within(counted, 2)


def test_a_sharded_product_costs_the_cart_one_more_read_of_its_other_shards(call, call_log, products):
    user, body = f"u_{uuid.uuid4().hex}", {"product_id": products[-1], "quantity": 1}
    status, _, counted = warm_calls(
        call, call_log, "AddCartItemFunction", user=user, role="customer", body=body
    )
    assert status == 200
    assert_within(counted, 3)
    assert counted["dynamodb.BatchGetItem"] == 2


def test_checkout_and_payment_take_at_most_five_calls_each_with_idempotency(call, call_log, products):
    user = f"u_{uuid.uuid4().hex}"
    for _ in range(3):  # the last checkout and payment are measured: warm containers
        for product in products:
            body = {"product_id": product, "quantity": 1}
            assert call("AddCartItemFunction", user=user, role="customer", body=body)[0] == 200
        mark = call_log.mark()
        request = {"shipping_address": ADDRESS}
        status, order = call(
            "CheckoutFunction", user=user, role="customer", body=request, key=uuid.uuid4().hex
        )
        checkout_calls = call_log.since(mark, "CheckoutFunction")
        assert status == 201, order
        mark = call_log.mark()
        path = {"id": order["id"]}
        status, paid = call(
            "PayOrderFunction", user=user, role="customer", body=CARD, key=uuid.uuid4().hex, path=path
        )
        payment_calls = call_log.since(mark, "PayOrderFunction")
        assert status == 200 and paid["order"]["status"] == "PAID", paid
    assert_within(checkout_calls, 5)
    assert_within(payment_calls, 5)
