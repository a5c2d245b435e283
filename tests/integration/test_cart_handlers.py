"""Every cart handler, driven by its events/ sample, on the emulator's tables: shapes, codes, validation."""

import copy
import json
import uuid
from pathlib import Path

import pytest

from shop.bootstrap import build_category_service, build_inventory_service, build_product_service
from shop.domain.callers import Caller
from shop.domain.stock_shards import UNITS_PER_SHARD
from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path("events/cart")
ADMIN = Caller(id="admin-it", role="admin", request_id="it")
CART_FIELDS = {"items", "item_count", "subtotal_cents", "currency", "updated_at"}
ITEM_FIELDS = {"product_id", "sku", "name", "unit_price_cents", "quantity", "line_total_cents"}
FUNCTIONS = {
    "get_cart": "GetCartFunction",
    "add_cart_item": "AddCartItemFunction",
    "set_cart_item_quantity": "SetCartItemQuantityFunction",
    "remove_cart_item": "RemoveCartItemFunction",
    "empty_cart": "EmptyCartFunction",
}


@pytest.fixture(scope="module")
def product_id(stack):
    tag = uuid.uuid4().hex[:8]
    category = build_category_service().create_category(ADMIN, "Handlers", f"cart-h-{tag}")
    product = build_product_service().create_product(
        ADMIN, sku=f"CH-{tag}", name="Handler mug", price_cents=1299, category_id=category.id, status="ACTIVE"
    )
    # one stock shard: an ordinary product (a sharded one's extra read: test_call_budgets.py)
    build_inventory_service().adjust_stock(ADMIN, product.id, UNITS_PER_SHARD, "initial count")
    return product.id


@pytest.fixture(scope="module")
def call(stack):
    handlers = {}

    def invoke(sample, *, user_id="g_sample", role="guest", product=None, body=None, raw_body=None):
        if sample not in handlers:
            handlers[sample] = load_function(stack, FUNCTIONS[sample])
        event = copy.deepcopy(json.loads((EVENTS / f"{sample}.json").read_text()))
        event["requestContext"]["authorizer"].update(user_id=user_id, role=role, principalId=user_id)
        if product is not None:
            event["pathParameters"] = {"product_id": product}
            event["path"] = f"/cart/items/{product}"
        if body is not None or raw_body is not None:
            event["body"] = raw_body if raw_body is not None else json.dumps(body)
            event["headers"]["Content-Type"] = "application/json"
        answer = handlers[sample](event, LambdaContext(function_name=FUNCTIONS[sample]))
        assert answer["multiValueHeaders"]["X-Request-Id"]
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    return invoke


def test_every_sample_event_works(call, product_id):
    status, cart = call("get_cart")
    assert status == 200 and set(cart) == CART_FIELDS
    for sample in ("set_cart_item_quantity", "remove_cart_item"):
        status, cart = call(sample)  # the samples name a product that does not exist
        assert status == 404
    status, _ = call("add_cart_item")
    assert status == 404
    status, body = call("empty_cart")
    assert (status, body) == (204, None)


def test_a_cart_through_its_handlers(call, product_id):
    me = f"u_{uuid.uuid4().hex[:12]}"
    status, cart = call(
        "add_cart_item", user_id=me, role="customer", body={"product_id": product_id, "quantity": 2}
    )
    assert status == 200 and set(cart) == CART_FIELDS and set(cart["items"][0]) == ITEM_FIELDS
    assert (cart["item_count"], cart["subtotal_cents"], cart["currency"]) == (2, 2598, "USD")
    status, cart = call(
        "set_cart_item_quantity", user_id=me, role="customer", product=product_id, body={"quantity": 5}
    )
    assert (status, cart["items"][0]["quantity"], cart["items"][0]["line_total_cents"]) == (200, 5, 6495)
    status, other = call("get_cart", user_id=f"u_{uuid.uuid4().hex[:12]}", role="customer")
    assert (status, other["items"]) == (200, [])
    status, cart = call("remove_cart_item", user_id=me, role="customer", product=product_id)
    assert (status, cart["items"], cart["item_count"]) == (200, [], 0)


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, "2", 2.5, True, None])
def test_bad_quantities_are_400_naming_the_field(call, product_id, quantity):
    status, body = call("add_cart_item", body={"product_id": product_id, "quantity": quantity})
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert any(d["field"] == "body.quantity" for d in body["error"]["details"])
    if quantity != 0:
        status, body = call("set_cart_item_quantity", product=product_id, body={"quantity": quantity})
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "body",
    [
        {"product_id": "p", "quantity": 1, "price_cents": 1},
        {"product_id": "p", "quantity": 1, "user_id": "u_someone"},
        {"quantity": 1},
        {"product_id": "", "quantity": 1},
        {"product_id": "x" * 65, "quantity": 1},
        [],
    ],
)
def test_unknown_fields_and_malformed_bodies_are_400(call, body):
    status, answer = call("add_cart_item", body=body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_set_refuses_unknown_fields_and_a_missing_body(call, product_id):
    status, answer = call(
        "set_cart_item_quantity", product=product_id, body={"quantity": 1, "status": "PAID"}
    )
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")
    status, answer = call("set_cart_item_quantity", product=product_id, raw_body="")
    assert status == 400


def test_a_request_without_a_caller_is_401(call):
    status, answer = call("get_cart", user_id="", role="anonymous")
    assert (status, answer["error"]["code"]) == (401, "UNAUTHORIZED")


@pytest.fixture
def aws_calls(stack):
    """Names of the DynamoDB API calls made while the test runs (the handlers share this client)."""
    from shop.adapters.aws import client

    made: list[str] = []

    def count(model, **_):
        made.append(model.name)

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", count)
    yield made
    events.unregister("before-call.dynamodb", count)


def test_reading_and_adding_stay_within_two_aws_calls(call, product_id, aws_calls):
    me, other_id = f"u_{uuid.uuid4().hex[:12]}", f"u_{uuid.uuid4().hex[:12]}"
    call("add_cart_item", user_id=me, role="customer", body={"product_id": product_id, "quantity": 1})
    aws_calls.clear()
    status, _ = call(
        "add_cart_item", user_id=me, role="customer", body={"product_id": product_id, "quantity": 1}
    )
    assert status == 200 and aws_calls == ["UpdateItem", "BatchGetItem"]
    aws_calls.clear()
    status, cart = call("get_cart", user_id=me, role="customer")
    assert (status, cart["item_count"]) == (200, 2) and aws_calls == ["GetItem", "BatchGetItem"]
    aws_calls.clear()
    call("get_cart", user_id=other_id, role="customer")
    assert aws_calls == ["GetItem"]  # an empty cart needs no catalog read
