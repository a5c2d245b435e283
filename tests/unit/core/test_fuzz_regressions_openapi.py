"""What schemathesis found wrong in the published document, kept fixed in the generator.

Each case is a response the shop really gives that the document did not promise: a 204 with a
JSON body schema, no 413/415 on routes with a body, no 500, no X-Request-Id or Retry-After header.
"""

from typing import Any

from shop_local.api_gateway.authorizers import AuthorizerConfig
from shop_local.api_gateway.openapi import ERROR_REF, correct
from shop_local.api_gateway.routes import Route

AUTHORIZERS = {"BearerAuth": AuthorizerConfig("BearerAuth", "A", "TOKEN", 60)}
ROUTES = [
    Route("Api", "/cart", "DELETE", "EmptyCart", "BearerAuth"),
    Route("Api", "/auth/login", "POST", "Login", None),
]


def generated() -> dict[str, Any]:
    string_body = {"application/json": {"schema": {"type": "string", "title": "Return"}}}
    return {
        "openapi": "3.1.0",
        "paths": {
            "/cart": {"delete": {"responses": {"204": {"description": "Emptied", "content": string_body}}}},
            "/auth/login": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {"200": {"description": "Signed in"}, "429": {"description": "Slow down"}},
                }
            },
        },
    }


def test_a_204_promises_no_body():
    responses = correct(generated(), ROUTES, AUTHORIZERS)["paths"]["/cart"]["delete"]["responses"]
    assert "content" not in responses["204"]


def test_a_write_documents_413_and_415_with_the_error_schema():
    responses = correct(generated(), ROUTES, AUTHORIZERS)["paths"]["/auth/login"]["post"]["responses"]
    for status in ("413", "415"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}
    bodiless = correct(generated(), ROUTES, AUTHORIZERS)["paths"]["/cart"]["delete"]["responses"]
    assert {"400", "413", "415"} <= set(bodiless)  # a write without a body model still refuses one


def test_every_response_carries_x_request_id_and_a_429_retry_after():
    paths = correct(generated(), ROUTES, AUTHORIZERS)["paths"]
    for item in paths.values():
        for operation in item.values():
            assert "500" in operation["responses"]
            for response in operation["responses"].values():
                assert response["headers"]["X-Request-Id"]["required"] is True
    login = paths["/auth/login"]["post"]["responses"]
    assert login["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert "Retry-After" not in login["200"]["headers"]


def test_a_patch_body_is_documented_as_its_model_accepts_it():
    """Fuzzed `{}` and `{"role": null}` were documented as valid and refused with a 400."""
    from shop.api.admin_models import UserAccessChanges
    from shop.api.catalog_models import ProductChanges

    product = ProductChanges.model_json_schema()
    assert product["minProperties"] == 1
    assert product["properties"]["price_cents"]["type"] == "integer"  # no null branch
    assert {"type": "null"} in product["properties"]["description"]["anyOf"]  # may be cleared
    access = UserAccessChanges.model_json_schema()
    assert access["minProperties"] == 1 and access["properties"]["disabled"]["type"] == "boolean"
    assert access["additionalProperties"] is False


def test_links_join_a_checkout_to_its_payment_only_when_both_are_documented():
    routes = [
        Route("Api", "/checkout", "POST", "Checkout", "BearerAuth"),
        Route("Api", "/orders/{id}/payments", "POST", "Pay", "BearerAuth"),
    ]
    pay = {"operationId": "pay_order", "responses": {"200": {"description": "Paid"}}}
    document = {
        "paths": {
            "/checkout": {"post": {"responses": {"201": {"description": "Order"}}}},
            "/orders/{id}/payments": {"post": pay},
        }
    }
    paths = correct(document, routes, AUTHORIZERS)["paths"]
    links = paths["/checkout"]["post"]["responses"]["201"]["links"]
    assert links == {"PayOrder": {"operationId": "pay_order", "parameters": {"id": "$response.body#/id"}}}
    assert (
        "links" not in paths["/orders/{id}/payments"]["post"]["responses"]["200"]
    )  # no shipments route here


def test_a_shipping_country_is_documented_as_the_codes_checkout_accepts():
    """Fuzzed addresses with any string as `country` were documented as valid and refused with a 400."""
    from shop.api.order_models import ShippingAddress
    from shop.domain.orders import ISO_COUNTRIES

    country = ShippingAddress.model_json_schema()["properties"]["country"]
    assert set(country["enum"]) == ISO_COUNTRIES and country["type"] == "string"
