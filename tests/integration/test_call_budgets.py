"""The AWS call budgets, per warm request, through the real handlers on the emulator.

Counts are deterministic, so unlike times they are asserted: GET /products/{id} makes 1 call and
GET /products 2 (the page, then its products' stock shards in one BatchGetItem), POST /cart/items
and GET /cart at most 2, POST /checkout at most 5 (idempotency bookkeeping included), payment at
most 5, a login at most 4 (its audit entry included), a page of GET /orders at most 2 and of
GET /admin/orders (filtered by status or not) at most 3; and none of them ever Scans. Calls are
counted with botocore `before-call` hooks on the shop's own cached clients
(shop.adapters.aws.client), which every handler of this process uses. `make bench` reports the
same for every route.
"""

import json
import threading
import uuid
from collections import Counter

import pytest

from shop.adapters.aws import client
from shop.domain.stock_shards import UNITS_PER_SHARD
from shop_local.lambda_runtime.containers import FunctionPool

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
    "SetCartItemQuantityFunction": "cart/set_cart_item_quantity.json",
    "CheckoutFunction": "orders/checkout.json",
    "PayOrderFunction": "orders/pay_order.json",
    "RegisterFunction": "auth/register.json",
    "LoginFunction": "auth/login.json",
    "ListMyOrdersFunction": "orders/list_my_orders.json",
    "ListAllOrdersFunction": "admin/list_all_orders.json",
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
def category(call):
    status, made = call(
        "CreateCategoryFunction", body={"name": "Budget", "slug": f"b-{uuid.uuid4().hex[:8]}"}
    )
    assert status == 201
    return made


@pytest.fixture(scope="module")
def products(call, category):
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


def test_a_catalog_page_is_one_query_and_one_read_of_its_stock(call, call_log, products, category):
    """The page from its index, then the stock shards of its products in one BatchGetItem (of at most
    100 keys: this category's page, since other tests' products with 16 shards each would need more)."""
    query = {"limit": "20", "category_id": category["id"]}
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


def test_a_sharded_product_costs_the_cart_nothing_more_while_its_first_shard_holds_the_line(
    call, call_log, products
):
    user, body = f"u_{uuid.uuid4().hex}", {"product_id": products[-1], "quantity": 1}
    status, _, counted = warm_calls(
        call, call_log, "AddCartItemFunction", user=user, role="customer", body=body
    )
    assert status == 200
    assert_within(counted, 2)
    status, cart, counted = warm_calls(call, call_log, "GetCartFunction", user=user, role="customer")
    assert status == 200 and cart["item_count"] == 3
    assert_within(counted, 2)


def test_a_line_larger_than_the_first_shard_reads_the_other_shards_once(call, call_log, products):
    """1,000 units over 16 shards hold about 63 a shard: 99 are more than the first shard has."""
    user, path = f"u_{uuid.uuid4().hex}", {"product_id": products[-1]}
    mark = call_log.mark()
    status, cart = call(
        "SetCartItemQuantityFunction", user=user, role="customer", body={"quantity": 99}, path=path
    )
    counted = call_log.since(mark, "SetCartItemQuantityFunction")
    assert status == 200 and cart["item_count"] == 99, cart
    assert counted["dynamodb.BatchGetItem"] == 2, counted
    assert_within(counted, 3)


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


def test_checkout_reads_two_shards_of_a_sharded_product(call, products):
    """The third product holds 1,000 units over 16 shards: checkout reads it with its shard 0, then
    two shards picked at random (one, if shard 0 is one of them), not the other 15."""
    read: list[int] = []

    def count_keys(params, **_):
        read.extend(len(request["Keys"]) for request in params["RequestItems"].values())

    dynamodb = client("dynamodb")
    user = f"u_{uuid.uuid4().hex}"
    body = {"product_id": products[2], "quantity": 1}
    assert call("AddCartItemFunction", user=user, role="customer", body=body)[0] == 200
    dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.BatchGetItem", count_keys, unique_id="shard-keys"
    )
    try:
        status, order = call(
            "CheckoutFunction", user=user, role="customer", body={"shipping_address": ADDRESS}, key="k"
        )
    finally:
        dynamodb.meta.events.unregister(
            "before-parameter-build.dynamodb.BatchGetItem", unique_id="shard-keys"
        )
    assert status == 201, order
    assert len(read) == 2 and read[0] == 2 and read[1] in (1, 2), read  # product and shard 0; the pair


def test_a_login_takes_at_most_four_calls_with_its_audit_entry(call, call_log):
    """The email's guard read together with the address's failed-login bucket (one BatchGetItem),
    the user (their partition's Query: the profile and the access an admin set), the slot the
    attempt holds in its (email, address) bucket (one UpdateItem, which creates the bucket if it
    has none), then ONE transaction: the new session, the entry that records the login (opening the
    session's own audit chain) and the held slot given back. The same for a first login and a
    warm one."""
    expected = Counter(
        {
            "dynamodb.BatchGetItem": 1,
            "dynamodb.Query": 1,
            "dynamodb.UpdateItem": 1,
            "dynamodb.TransactWriteItems": 1,
        }
    )
    logins = []
    for name in ("warm-up", "first"):
        email, password = f"budget-{uuid.uuid4().hex[:10]}@example.com", "a budget password, long enough"
        body = {"email": email, "password": password, "name": name}
        assert call("RegisterFunction", role=None, user="", body=body)[0] == 201
        logins.append({"email": email, "password": password})
        mark = call_log.mark()
        status, session = call("LoginFunction", role=None, user="", body=logins[-1])
        assert status == 200 and session["access_token"]
    assert call_log.since(mark, "LoginFunction") == expected  # its pair had no bucket yet
    status, session, counted = warm_calls(
        call, call_log, "LoginFunction", role=None, user="", body=logins[-1]
    )
    assert status == 200 and session["access_token"]
    assert counted == expected


def test_a_failed_login_reads_no_bucket_again(call, call_log):
    """A wrong password: the same reads and hold as a login, then the failure's audit entry and
    the address's failed-login slot. Whether its lockout starts is decided from the bucket its hold
    returned, with no second read of it; the 5th failure starts it with one conditional write."""
    email = f"budget-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "a budget password, long enough", "name": "Guessed"}
    assert call("RegisterFunction", role=None, user="", body=body)[0] == 201
    wrong = {"email": email, "password": "a wrong guess, long enough"}
    counts = []
    for _ in range(5):
        mark = call_log.mark()
        assert call("LoginFunction", role=None, user="", body=wrong)[0] == 401
        counts.append(call_log.since(mark, "LoginFunction"))
    guess = Counter(  # the 1st also reads a secret: a cold container
        {
            "dynamodb.BatchGetItem": 1,
            "dynamodb.Query": 2,  # the user; the failure's audit chain head
            "dynamodb.UpdateItem": 2,  # the pair's hold; the address's slot
            "dynamodb.PutItem": 1,  # the failure's audit entry
        }
    )
    assert counts[1] == counts[2] == counts[3] == guess, counts
    assert counts[4] - guess == Counter({"dynamodb.PutItem": 1}), counts  # the lockout, conditional
    assert call("LoginFunction", role=None, user="", body=wrong)[0] == 429


@pytest.fixture(scope="module")
def shopper_with_orders(call, products):
    """A customer with three orders, the last two paid."""
    user = f"u_{uuid.uuid4().hex}"
    for n in range(3):
        body = {"product_id": products[0], "quantity": 1}
        assert call("AddCartItemFunction", user=user, role="customer", body=body)[0] == 200
        request = {"shipping_address": ADDRESS}
        status, order = call(
            "CheckoutFunction", user=user, role="customer", body=request, key=uuid.uuid4().hex
        )
        assert status == 201, order
        if n:
            path = {"id": order["id"]}
            status, _ = call(
                "PayOrderFunction", user=user, role="customer", body=CARD, key=uuid.uuid4().hex, path=path
            )
            assert status == 200
    return user


def pages_and_calls(call, call_log, function, pages, **request):
    """The items of up to `pages` pages of a listing (limit 1) and the calls each page made."""
    items, cursor, counted = [], None, []
    for _ in range(pages):
        query = {"limit": "1"} | request.pop("query", {}) | ({"cursor": cursor} if cursor else {})
        mark = call_log.mark()
        status, page = call(function, query=query, **request)
        assert status == 200, page
        counted.append(call_log.since(mark, function))
        items += page["items"]
        cursor = page["next_cursor"]
        request["query"] = {k: v for k, v in query.items() if k not in ("limit", "cursor")}
        if cursor is None:
            break
    return items, counted


def test_a_page_of_orders_is_one_index_query_and_one_batch_read(call, call_log, shopper_with_orders):
    call("ListMyOrdersFunction", user=shopper_with_orders, role="customer")  # warm
    mine, counted = pages_and_calls(
        call, call_log, "ListMyOrdersFunction", 3, user=shopper_with_orders, role="customer"
    )
    assert len(mine) == 3 and len({o["id"] for o in mine}) == 3
    for page in counted:
        assert_within(page, 2)
    call("ListAllOrdersFunction")  # warm
    for query in ({}, {"status": "PAID"}):
        listed, counted = pages_and_calls(call, call_log, "ListAllOrdersFunction", 2, query=query)
        assert len(listed) == 2 and len({o["id"] for o in listed}) == 2, listed
        assert all(o["status"] == "PAID" for o in listed) if query else True
        for page in counted:
            assert_within(page, 3)
