"""Proxy and authorizer events have the shape of the real samples in events/ and API Gateway's docs."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shop_local.api_gateway.events import (
    ApiInfo,
    IncomingRequest,
    method_arn,
    proxy_event,
    request_authorizer_event,
    with_authorizer,
)
from shop_local.api_gateway.proxy_response import MalformedProxyResponse, to_http
from shop_local.api_gateway.routes import Route, match_route

EVENTS = Path(__file__).resolve().parents[3] / "events"
API = ApiInfo("abc123", "prod", binary_media_types=("image/*",))
ROUTES = [Route("ShopApi", "/products/{id}", "GET", "GetProduct", "BearerAuth")]
NOW = datetime(2025, 3, 12, 10, 15, 30, tzinfo=UTC)


def request(path="/products/p%2B1", query="", headers=(), body=b"", method="GET"):
    base = (("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8.5.0"))
    return IncomingRequest(method, path, query, base + tuple(headers), body, "203.0.113.7", 3000)


def event_for(incoming):
    match = match_route(ROUTES, incoming.raw_path, incoming.method)
    assert match is not None
    return proxy_event(incoming, match, API, "req-1", NOW)


def sample(name):
    return json.loads((EVENTS / name).read_text())


def test_proxy_event_has_the_keys_of_the_sample_events():
    built = with_authorizer(
        event_for(request()), {"principalId": "u1", "integrationLatency": 3, "user_id": "u1"}
    )
    real = sample("catalog/get_product.json")
    assert set(real) <= set(built)
    assert set(real["requestContext"]) <= set(built["requestContext"])
    assert set(real["requestContext"]["identity"]) <= set(built["requestContext"]["identity"])


def test_proxy_event_values_follow_api_gateway():
    event = event_for(request(query="limit=5&tag=a&tag=b&empty=", headers=[("X-Request-Id", "r-9")]))
    assert event["resource"] == "/products/{id}"
    assert event["path"] == "/products/p%2B1"  # kept encoded, as REST APIs deliver it
    assert event["pathParameters"] == {"id": "p+1"}  # decoded
    assert event["queryStringParameters"] == {"limit": "5", "tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["headers"]["X-Request-Id"] == "r-9"
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.7"
    assert event["multiValueHeaders"]["User-Agent"] == ["curl/8.5.0"]
    context = event["requestContext"]
    assert context["path"] == "/prod/products/p%2B1"
    assert context["stage"] == "prod" and context["apiId"] == "abc123" and context["requestId"] == "req-1"
    assert context["resourcePath"] == "/products/{id}" and context["httpMethod"] == "GET"
    assert context["requestTime"] == "12/Mar/2025:10:15:30 +0000"
    assert context["requestTimeEpoch"] == 1741774530000
    assert context["identity"]["sourceIp"] == "203.0.113.7"
    assert "authorizer" not in context


def test_maps_are_null_when_empty():
    event = event_for(request())
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None


def test_text_bodies_stay_text_and_binary_bodies_are_base64():
    text = event_for(request(body=b'{"a": 1}', headers=[("Content-Type", "application/json")], method="GET"))
    assert text["body"] == '{"a": 1}' and text["isBase64Encoded"] is False
    png = event_for(request(body=b"\x89PNG", headers=[("Content-Type", "image/png")]))
    assert png["isBase64Encoded"] is True and base64.b64decode(png["body"]) == b"\x89PNG"
    invalid_utf8 = event_for(request(body=b"\xff\xfe", headers=[("Content-Type", "text/plain")]))
    assert invalid_utf8["isBase64Encoded"] is True


def test_request_authorizer_event_matches_the_sample():
    built = request_authorizer_event(event_for(request()), "arn:x")
    real = sample("auth/authorizer_request.json")
    assert set(built) == set(real)
    assert built["type"] == "REQUEST" and built["methodArn"] == "arn:x"


def test_method_arn():
    assert (
        method_arn(API, "get", "/products/1")
        == "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products/1"
    )
    assert method_arn(API, "GET", "/").endswith("/prod/GET/")


def test_proxy_response_merges_headers_like_api_gateway():
    response = to_http(
        {
            "statusCode": 201,
            "headers": {"X-One": "1", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "{}",
        }
    )
    assert response.status == 201
    assert ("X-One", "1") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("Content-Type", "application/json") in response.headers  # API Gateway's default
    binary = to_http(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}
    )
    assert binary.body == b"\x00\x01"


@pytest.mark.parametrize(
    "result",
    [
        None,
        "hello",
        {"body": "{}"},
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "unexpected": True},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
    ],
)
def test_malformed_proxy_responses_are_refused(result):
    with pytest.raises(MalformedProxyResponse):
        to_http(result)
