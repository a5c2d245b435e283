"""The generated OpenAPI document is corrected to say what the template and the contract say."""

from typing import Any

from shop_local.api_gateway.authorizers import AuthorizerConfig
from shop_local.api_gateway.openapi import correct, swagger_page
from shop_local.api_gateway.routes import Route

AUTHORIZERS = {
    "BearerAuth": AuthorizerConfig("BearerAuth", "A", "TOKEN", 60),
    "OptionalAuth": AuthorizerConfig("OptionalAuth", "A", "REQUEST", 0),
}
ROUTES = [
    Route("Api", "/products", "GET", "List", "OptionalAuth"),
    Route("Api", "/products/{id}", "PATCH", "Update", "BearerAuth"),
    Route("Api", "/auth/login", "POST", "Login", None),
    Route("Api", "/orders", "GET", "Orders", "BearerAuth"),  # no handler documents it
]
VALIDATION_422 = {
    "description": "Validation Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
}


def generated():
    operation: dict[str, Any] = {
        "parameters": [{"name": "limit", "in": "query"}],
        "responses": {"200": {}, "422": VALIDATION_422},
    }
    return {
        "openapi": "3.1.0",
        "paths": {
            "/products": {"get": operation},
            "/products/{product_id}": {
                "patch": {"requestBody": {}, "responses": {"200": {}, "422": VALIDATION_422}}
            },
            "/auth/login": {
                "post": {"requestBody": {}, "responses": {"200": {}, "422": {"description": "Idempotency"}}}
            },
            "/internal/debug": {"get": {"responses": {"200": {}}}},
        },
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}}},
    }


def test_validation_422_becomes_the_contracts_400():
    document = correct(generated(), ROUTES, AUTHORIZERS)
    responses = document["paths"]["/products"]["get"]["responses"]
    assert "422" not in responses
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]
    # A 422 the handler documents itself (not powertools' validation schema) stays.
    assert document["paths"]["/auth/login"]["post"]["responses"]["422"]["description"] == "Idempotency"


def test_security_follows_each_routes_authorizer():
    paths = correct(generated(), ROUTES, AUTHORIZERS)["paths"]
    assert paths["/products/{product_id}"]["patch"]["security"] == [{"bearerAuth": []}]
    assert paths["/products"]["get"]["security"] == [{}, {"bearerAuth": []}]
    assert paths["/auth/login"]["post"]["security"] == []
    assert "401" in paths["/products/{product_id}"]["patch"]["responses"]
    assert "401" not in paths["/auth/login"]["post"]["responses"]


def test_every_template_route_is_present_and_nothing_else():
    paths = correct(generated(), ROUTES, AUTHORIZERS)["paths"]
    assert "/internal/debug" not in paths
    assert paths["/orders"]["get"]["security"] == [{"bearerAuth": []}]


def test_swagger_page_loads_the_document():
    page = swagger_page()
    assert "swagger-ui" in page and '"/openapi.json"' in page


def test_a_304_promises_no_body_and_its_route_takes_if_none_match():
    string_body = {"application/json": {"schema": {"type": "string", "title": "Return"}}}
    document = generated()
    document["paths"]["/products"]["get"]["responses"]["304"] = {
        "description": "Not modified",
        "content": string_body,
    }
    paths = correct(document, ROUTES, AUTHORIZERS)["paths"]
    listing = paths["/products"]["get"]
    assert "content" not in listing["responses"]["304"]
    assert listing["responses"]["304"]["headers"]["X-Request-Id"]["required"] is True
    headers = [p for p in listing["parameters"] if p["in"] == "header"]
    assert [(p["name"], p["required"]) for p in headers] == [("If-None-Match", False)]
    assert all(
        p["name"] != "If-None-Match" for p in paths["/products/{product_id}"]["patch"].get("parameters", [])
    )
