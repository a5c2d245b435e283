"""Catalog reads: public and revalidatable for anonymous and guest callers, never for customers or admins."""

import hashlib
import json
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.callers import viewer
from shop.api.catalog_caching import catalog_answer, entity_tag, if_none_match, none_match
from shop.api.catalog_models import ProductResponse

PRODUCTS = {
    "mug": {"name": 'Mug \u2615 with a "quote"', "price_cents": 1299},
    "lamp": {"name": "Lamp", "price_cents": 4500},
}


def product(product_id: str) -> ProductResponse:
    return ProductResponse(
        id=product_id,
        sku=f"SKU-{product_id}",
        description=None,
        currency="USD",
        category_id="c1",
        status="ACTIVE",
        stock_available=3,
        created_at="2025-03-01T12:00:00Z",
        updated_at="2025-03-01T12:00:00Z",
        **PRODUCTS[product_id],
    )


cached = Router()


@cached.get("/products/<id>", openapi_extensions=ANYONE)
def get_cached(product_id: Annotated[str, Path(alias="id")]) -> Response[str]:
    return catalog_answer(cached, viewer(cached), product(product_id))


plain = Router()


@plain.get("/products/<id>", openapi_extensions=ANYONE)
def get_plain(product_id: Annotated[str, Path(alias="id")]) -> ProductResponse:
    return product(product_id)


class Context:
    function_name = "get_product"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:get_product"
    aws_request_id = "req-1"


cached_handler = lambda_entry(make_app(cached))
plain_handler = lambda_entry(make_app(plain))
ROLES = {"anonymous": None, "guest": "guest", "customer": "customer", "admin": "admin"}


@pytest.fixture
def call(sample_event):
    def invoke(role="anonymous", product_id="mug", headers=None, multi=None, handler=cached_handler):
        event = sample_event(
            "catalog/get_product.json", user=f"{role}-1", role=ROLES[role], path={"id": product_id}
        )
        for name, value in (headers or {}).items():
            event["headers"][name] = value
            event["multiValueHeaders"][name] = [value]
        for name, values in (multi or {}).items():
            event["headers"][name] = values[-1]
            event["multiValueHeaders"][name] = values
        answer = handler(event, Context())
        single = {name: values[-1] for name, values in answer["multiValueHeaders"].items()}
        return answer["statusCode"], single, answer["body"]

    return invoke


@pytest.mark.parametrize("role", ["anonymous", "guest"])
def test_anonymous_and_guest_answers_are_public_with_a_strong_etag_of_the_body(call, role):
    status, headers, body = call(role)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["ETag"] == '"' + hashlib.sha256(body.encode()).hexdigest() + '"'
    assert not headers["ETag"].startswith("W/")
    assert headers["Vary"] == "Authorization"
    assert headers["Content-Type"] == "application/json" and json.loads(body)["id"] == "mug"


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_customer_and_admin_answers_are_private_and_never_revalidated(call, role):
    status, headers, body = call(role, headers={"If-None-Match": "*"})
    assert status == 200 and json.loads(body)["id"] == "mug"
    assert headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in headers
    assert headers["Vary"] == "Authorization"


def test_the_body_is_the_one_the_route_gave_before_caching(call):
    """The helper serialises as powertools does: adopting it changed no byte clients see."""
    for role in ROLES:
        assert call(role)[2] == call(role, handler=plain_handler)[2]


def test_the_etag_is_stable_for_equal_bodies_and_changes_with_the_body(call):
    mug, again, lamp = call()[1]["ETag"], call()[1]["ETag"], call(product_id="lamp")[1]["ETag"]
    assert mug == again != lamp
    assert call("guest")[1]["ETag"] == mug  # the same body whoever of the public asks


@pytest.mark.parametrize(
    "field",
    [
        "{tag}",
        "W/{tag}",
        '"other", {tag}',
        '"other",W/{tag} , "more"',
        '"a,b", {tag}',
        "*",
        " * ",
    ],
)
def test_if_none_match_naming_the_current_tag_is_304_without_a_body(call, field):
    tag = call()[1]["ETag"]
    status, headers, body = call(headers={"If-None-Match": field.format(tag=tag)})
    assert status == 304 and body == ""
    assert headers["ETag"] == tag
    assert headers["Cache-Control"] == "public, max-age=60" and headers["Vary"] == "Authorization"
    assert "Content-Type" not in headers


def test_if_none_match_split_over_several_header_lines_is_one_list(call):
    tag = call("guest")[1]["ETag"]
    status, _, body = call("guest", multi={"if-none-match": ['"other"', tag]})
    assert status == 304 and body == ""


@pytest.mark.parametrize(
    "field",
    [
        '"0000"',
        "{bare}",  # the tag without its quotes is not an entity-tag
        "w/{tag}x",
        '"{bare}-gzip"',
        '"*"',
        "**",
        "",
        '"unterminated, *x',
        "\u2615, , ,",
    ],
)
def test_if_none_match_not_naming_the_current_tag_gets_the_full_answer(call, field):
    tag = call()[1]["ETag"]
    status, headers, body = call(headers={"If-None-Match": field.format(tag=tag, bare=tag.strip('"'))})
    assert status == 200 and json.loads(body)["id"] == "mug" and headers["ETag"] == tag


def test_the_tag_of_another_product_is_not_a_match(call):
    lamp = call(product_id="lamp")[1]["ETag"]
    assert call(headers={"If-None-Match": lamp})[0] == 200


def test_weak_comparison_and_header_lookup_directly():
    tag = entity_tag("{}")
    assert none_match(tag, tag) and none_match("W/" + tag, tag) and none_match(tag, "W/" + tag)
    assert not none_match(None, tag) and not none_match('W/"x"', tag)
    event = {"headers": {"IF-NONE-MATCH": tag}, "multiValueHeaders": None}
    assert if_none_match(event) == tag
    assert (
        if_none_match({"headers": None, "multiValueHeaders": {"If-None-Match": ['"a"', '"b"']}}) == '"a", "b"'
    )
    assert if_none_match({"headers": {"Accept": "*/*"}}) is None
