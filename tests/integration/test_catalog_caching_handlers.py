"""The three catalog read handlers on the emulator's tables, as shared caches see them: public with
an ETag and 304 for anonymous and guest callers, `private, no-store` for customers and admins."""

import hashlib
import json
import uuid

import pytest

from shop.bootstrap import build_category_service, build_product_service
from shop.domain.callers import Caller
from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
ADMIN = Caller(id="admin-cache-it", role="admin", request_id="it")
PUBLIC, PRIVATE = "public, max-age=60", "private, no-store"
ROLES = {"anonymous": None, "guest": "guest", "customer": "customer", "admin": "admin"}
READS = {
    "GetProductFunction": "catalog/get_product.json",
    "ListProductsFunction": "catalog/list_products.json",
    "ListCategoriesFunction": "catalog/list_categories.json",
}


@pytest.fixture(scope="module")
def shelf(stack):
    """A category with one ACTIVE and one DRAFT product."""
    tag = uuid.uuid4().hex[:8]
    category = build_category_service().create_category(ADMIN, "Cached mugs", f"cached-{tag}")
    made = {}
    for status in ("ACTIVE", "DRAFT"):
        made[status] = build_product_service().create_product(
            ADMIN,
            sku=f"CACHE-{tag}-{status}",
            name=f"{status} cached mug",
            price_cents=1299,
            category_id=category.id,
            status=status,
        )
    return category.id, made["ACTIVE"].id, made["DRAFT"].id


@pytest.fixture(scope="module")
def call(stack, shelf, sample_event):
    handlers = {}
    category_id, active_id, _ = shelf

    def invoke(function, role="anonymous", product_id=None, if_none_match=None):
        if function not in handlers:
            handlers[function] = load_function(stack, function)
        path = {"id": product_id or active_id} if function == "GetProductFunction" else None
        query = {"category_id": category_id} if function == "ListProductsFunction" else None
        event = sample_event(READS[function], user=f"{role}-it", role=ROLES[role], path=path, query=query)
        if if_none_match is not None:
            event["headers"]["If-None-Match"] = if_none_match
            event["multiValueHeaders"]["If-None-Match"] = [if_none_match]
        answer = handlers[function](event, LambdaContext(function_name=function))
        headers = {name: values[-1] for name, values in answer["multiValueHeaders"].items()}
        assert headers["X-Request-Id"]
        return answer["statusCode"], headers, answer["body"]

    return invoke


@pytest.mark.parametrize("function", READS)
@pytest.mark.parametrize("role", ["anonymous", "guest"])
def test_public_answers_carry_a_strong_etag_and_revalidate_to_304(call, function, role):
    status, headers, body = call(function, role)
    assert status == 200 and json.loads(body)
    assert headers["Cache-Control"] == PUBLIC and headers["Vary"] == "Authorization"
    assert headers["ETag"] == '"' + hashlib.sha256(body.encode()).hexdigest() + '"'
    status, again, empty = call(function, role, if_none_match=headers["ETag"])
    assert status == 304 and not empty
    assert again["ETag"] == headers["ETag"] and again["Cache-Control"] == PUBLIC
    assert again["Vary"] == "Authorization" and "Content-Type" not in again


@pytest.mark.parametrize("function", READS)
@pytest.mark.parametrize("role", ["customer", "admin"])
def test_customer_and_admin_answers_are_never_stored_nor_revalidated(call, function, role):
    status, headers, body = call(function, role, if_none_match="*")
    assert status == 200 and json.loads(body)
    assert headers["Cache-Control"] == PRIVATE and headers["Vary"] == "Authorization"
    assert "ETag" not in headers


def test_an_admins_view_of_a_draft_is_private_and_the_public_gets_a_404_no_cache_keeps(call, shelf):
    _, _, draft_id = shelf
    status, headers, body = call("GetProductFunction", "admin", product_id=draft_id)
    assert status == 200 and json.loads(body)["status"] == "DRAFT"
    assert headers["Cache-Control"] == PRIVATE and "ETag" not in headers
    for role in ("anonymous", "guest"):
        status, headers, body = call("GetProductFunction", role, product_id=draft_id, if_none_match="*")
        assert status == 404 and json.loads(body)["error"]["code"] == "NOT_FOUND"
        assert headers["Cache-Control"] == "no-store" and "ETag" not in headers


def test_an_admins_listing_with_drafts_is_private_and_the_public_listing_has_none(call, shelf):
    _, active_id, draft_id = shelf
    status, headers, body = call("ListProductsFunction", "admin")
    assert status == 200 and headers["Cache-Control"] == PRIVATE
    assert {p["id"] for p in json.loads(body)["items"]} == {active_id, draft_id}
    status, headers, body = call("ListProductsFunction", "anonymous")
    assert status == 200 and headers["Cache-Control"] == PUBLIC
    assert [p["id"] for p in json.loads(body)["items"]] == [active_id]


def test_a_change_to_the_product_changes_its_etag_so_a_stale_copy_gets_the_new_body(call, shelf):
    _, active_id, _ = shelf
    _, before, _ = call("GetProductFunction")
    build_product_service().update_product(ADMIN, active_id, {"price_cents": 1499})
    status, after, body = call("GetProductFunction", if_none_match=before["ETag"])
    assert status == 200 and json.loads(body)["price_cents"] == 1499
    assert after["ETag"] != before["ETag"]
    assert call("GetProductFunction", "guest", if_none_match=f"W/{after['ETag']}")[0] == 304
