"""Every catalog and inventory handler, driven by its events/ sample, on the emulator's tables."""

import copy
import json
import uuid
from pathlib import Path

import pytest

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
EVENTS = Path("events")


@pytest.fixture(scope="module")
def call(stack):
    handlers = {}

    def invoke(function, sample, *, role="admin", path=None, body=None, query=None):
        if function not in handlers:
            handlers[function] = load_function(stack, function)
        event = copy.deepcopy(json.loads((EVENTS / sample).read_text()))
        authorizer = event["requestContext"]["authorizer"]
        authorizer.update(role=role, user_id="" if role == "anonymous" else f"{role}-1")
        if path is not None:
            event["pathParameters"] = path
            event["path"] = event["resource"].format(**path)
        if body is not None:
            event["body"] = json.dumps(body)
        if query is not None:
            event["queryStringParameters"] = query or None
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
        answer = handlers[function](event, LambdaContext(function_name=function))
        return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None

    return invoke


@pytest.fixture(scope="module")
def shelf(call):
    """A category with one ACTIVE and one DRAFT product, made through the handlers as an admin."""
    tag = uuid.uuid4().hex[:8]
    status, category = call(
        "CreateCategoryFunction", "catalog/create_category.json", body={"name": "Mugs", "slug": f"mugs-{tag}"}
    )
    assert status == 201 and set(category) == {"id", "name", "slug", "parent_id"}
    made = {}
    for state in ("ACTIVE", "DRAFT"):
        body = {
            "sku": f"H-{tag}-{state}",
            "name": f"{state} mug",
            "price_cents": 1299,
            "category_id": category["id"],
            "status": state,
        }
        status, made[state] = call("CreateProductFunction", "catalog/create_product.json", body=body)
        assert status == 201
    return category, made


def test_sample_events_of_writes_work_for_an_admin(call, shelf):
    category, _ = shelf
    status, product = call(
        "CreateProductFunction",
        "catalog/create_product.json",
        body={
            **json.loads(json.loads((EVENTS / "catalog/create_product.json").read_text())["body"]),
            "sku": f"S-{uuid.uuid4().hex[:8]}",
            "category_id": category["id"],
        },
    )
    assert status == 201 and product["stock_available"] == 0 and product["currency"] == "USD"
    assert set(product) == {
        "id",
        "sku",
        "name",
        "description",
        "price_cents",
        "currency",
        "category_id",
        "status",
        "stock_available",
        "created_at",
        "updated_at",
    }
    pid = {"id": product["id"]}
    assert call("UpdateProductFunction", "catalog/update_product.json", path=pid)[1]["price_cents"] == 1499
    status, levels = call(
        "AdjustStockFunction", "inventory/adjust_stock.json", path={"product_id": product["id"]}
    )
    assert (status, levels) == (200, {"product_id": product["id"], "available": 25, "reserved": 0, "sold": 0})
    assert call(
        "GetStockLevelsFunction", "inventory/get_stock_levels.json", path={"product_id": product["id"]}
    ) == (200, levels)
    assert (
        call("GetProductFunction", "catalog/get_product.json", path=pid, role="guest")[1]["stock_available"]
        == 25
    )
    assert call("ArchiveProductFunction", "catalog/archive_product.json", path=pid) == (204, None)
    assert call("GetProductFunction", "catalog/get_product.json", path=pid, role="customer")[0] == 404
    assert call("GetProductFunction", "catalog/get_product.json", path=pid)[1]["status"] == "ARCHIVED"
    cid = {"id": category["id"]}
    status, renamed = call("UpdateCategoryFunction", "catalog/update_category.json", path=cid)
    assert (status, renamed["name"]) == (200, "Mugs and cups")
    status, refused = call("DeleteCategoryFunction", "catalog/delete_category.json", path=cid)
    assert (status, refused["error"]["code"]) == (409, "CATEGORY_NOT_EMPTY")


@pytest.mark.parametrize("role", ["guest", "customer"])
@pytest.mark.parametrize(
    ("function", "sample"),
    [
        ("CreateCategoryFunction", "catalog/create_category.json"),
        ("UpdateCategoryFunction", "catalog/update_category.json"),
        ("DeleteCategoryFunction", "catalog/delete_category.json"),
        ("CreateProductFunction", "catalog/create_product.json"),
        ("UpdateProductFunction", "catalog/update_product.json"),
        ("ArchiveProductFunction", "catalog/archive_product.json"),
        ("GetStockLevelsFunction", "inventory/get_stock_levels.json"),
        ("AdjustStockFunction", "inventory/adjust_stock.json"),
        ("ListLowStockFunction", "inventory/list_low_stock.json"),
    ],
)
def test_admin_routes_are_forbidden_to_other_roles(call, function, sample, role):
    status, body = call(function, sample, role=role)
    assert (status, body["error"]["code"]) == (403, "FORBIDDEN")


def test_anyone_browses_only_active_products(call, shelf):
    category, made = shelf
    query = {"category_id": category["id"]}
    for role in ("anonymous", "guest", "customer"):
        status, page = call("ListProductsFunction", "catalog/list_products.json", role=role, query=query)
        assert status == 200 and [p["id"] for p in page["items"]] == [made["ACTIVE"]["id"]]
        status, _ = call(
            "GetProductFunction", "catalog/get_product.json", role=role, path={"id": made["DRAFT"]["id"]}
        )
        assert status == 404
    status, page = call("ListProductsFunction", "catalog/list_products.json", query=query)
    assert {p["id"] for p in page["items"]} >= {made["ACTIVE"]["id"], made["DRAFT"]["id"]}
    status, listed = call("ListCategoriesFunction", "catalog/list_categories.json", role="anonymous")
    assert (
        status == 200
        and listed["next_cursor"] is None
        and category["id"] in {c["id"] for c in listed["items"]}
    )


@pytest.mark.parametrize(
    ("function", "sample", "query"),
    [
        ("ListProductsFunction", "catalog/list_products.json", {"limit": "0"}),
        ("ListProductsFunction", "catalog/list_products.json", {"limit": "101"}),
        ("ListProductsFunction", "catalog/list_products.json", {"limit": "ten"}),
        ("ListProductsFunction", "catalog/list_products.json", {"cursor": "garbage!"}),
        ("ListProductsFunction", "catalog/list_products.json", {"cursor": "eyJ2IjogMX0"}),
        ("ListLowStockFunction", "inventory/list_low_stock.json", {"below": "-1"}),
        ("ListLowStockFunction", "inventory/list_low_stock.json", {"below": "x"}),
        ("ListLowStockFunction", "inventory/list_low_stock.json", {"limit": "1000"}),
        ("ListLowStockFunction", "inventory/list_low_stock.json", {"cursor": "%%%"}),
    ],
)
def test_bad_list_queries_are_400(call, function, sample, query):
    status, body = call(function, sample, query=query)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    ("function", "sample", "body"),
    [
        (
            "CreateProductFunction",
            "catalog/create_product.json",
            {"sku": "X", "name": "x", "price_cents": 1, "category_id": "c", "stock_available": 5},
        ),
        (
            "CreateProductFunction",
            "catalog/create_product.json",
            {"sku": "X", "name": "x", "price_cents": 19.99, "category_id": "c"},
        ),
        ("CreateCategoryFunction", "catalog/create_category.json", {"name": "x", "slug": "Not A Slug"}),
        ("UpdateProductFunction", "catalog/update_product.json", {}),
        ("UpdateCategoryFunction", "catalog/update_category.json", {"name": None}),
        ("AdjustStockFunction", "inventory/adjust_stock.json", {"delta": 0, "reason": "x"}),
        ("AdjustStockFunction", "inventory/adjust_stock.json", {"delta": 1, "reason": "x", "sold": 3}),
    ],
)
def test_bad_bodies_are_400(call, function, sample, body):
    status, answer = call(function, sample, body=body)
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("currency", ["ABC", "XXX", "usd"])
def test_a_currency_not_in_iso_4217_is_400_naming_it(call, currency):
    create = {"sku": "X", "name": "x", "price_cents": 1, "category_id": "c", "currency": currency}
    for function, sample, body in (
        ("CreateProductFunction", "catalog/create_product.json", create),
        ("UpdateProductFunction", "catalog/update_product.json", {"currency": currency}),
    ):
        status, answer = call(function, sample, body=body)
        assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR"), answer
        assert [d["field"] for d in answer["error"]["details"]] == ["body.currency"], answer


def test_a_product_in_an_unknown_category_is_400_naming_category_id(call):
    body = {"sku": f"U-{uuid.uuid4().hex[:8]}", "name": "x", "price_cents": 1, "category_id": "nope"}
    status, answer = call("CreateProductFunction", "catalog/create_product.json", body=body)
    assert status == 400 and answer["error"]["details"] == [
        {"field": "body.category_id", "message": "no such category"}
    ]


def test_a_category_is_created_under_a_parent_and_refused_under_an_unknown_one(call, shelf):
    """Creating a child reads its ancestors: the function's own grants must allow that read."""
    parent, _ = shelf
    tag = uuid.uuid4().hex[:8]
    body = {"name": "Tea mugs", "slug": f"tea-mugs-{tag}", "parent_id": parent["id"]}
    status, child = call("CreateCategoryFunction", "catalog/create_category.json", body=body)
    assert status == 201 and child["parent_id"] == parent["id"]
    body = {"name": "Orphans", "slug": f"orphans-{tag}", "parent_id": "no-such-category"}
    status, refused = call("CreateCategoryFunction", "catalog/create_category.json", body=body)
    assert status in (400, 422) and refused["error"]["code"] == "VALIDATION_ERROR"
