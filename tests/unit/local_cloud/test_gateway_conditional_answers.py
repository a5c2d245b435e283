"""The gateway passes a function's caching headers and its 304 through exactly, framed as HTTP wants:
a 304 has no body and no Content-Length; a HEAD gets a GET's headers without its body."""

import http.client
import json
import socket
from pathlib import Path

import pytest
from werkzeug.test import Client

from shop_local.api_gateway.authorizers import Authorizers, template_authorizers
from shop_local.api_gateway.events import ApiInfo
from shop_local.api_gateway.gateway import Gateway
from shop_local.api_gateway.http_server import serve
from shop_local.api_gateway.responses import GatewayResponses
from shop_local.api_gateway.routes import template_routes
from shop_local.lambda_runtime.containers import Functions
from shop_local.lambda_runtime.functions import FunctionSpec

TAG = '"5d41402abc4b2a76b9719d911017c592"'
CACHING = {"ETag": [TAG], "Cache-Control": ["public, max-age=60"], "Vary": ["Authorization"]}
BODY = json.dumps({"id": "p1", "name": "Mug"})


def route(path, method):
    props = {"RestApiId": {"Ref": "Api"}, "Path": path, "Method": method, "Auth": {"Authorizer": "NONE"}}
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Events": {"Api": {"Type": "Api", "Properties": props}}},
    }


TEMPLATE = {
    "Resources": {
        "Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "prod"}},
        "Product": route("/products/{id}", "any"),
        "ProductGetOnly": route("/only-get/{id}", "get"),
    }
}


def product(event, context):
    """As a catalog read answers: 304 when If-None-Match names the tag, else 200 with the body."""
    asked = (event.get("multiValueHeaders") or {}).get("If-None-Match") or []
    if TAG in asked:
        # a stray body on a 304 must not reach the client
        return {"statusCode": 304, "multiValueHeaders": CACHING, "body": "stray", "isBase64Encoded": False}
    headers = {**CACHING, "Content-Type": ["application/json"]}
    return {"statusCode": 200, "multiValueHeaders": headers, "body": BODY, "isBase64Encoded": False}


@pytest.fixture
def gateway():
    handlers = {"Product": product, "ProductGetOnly": product}
    specs = [FunctionSpec(name, f"fn-{name}", Path("."), "x.handler", timeout=5) for name in handlers]
    functions = Functions(specs, loader=lambda s: handlers[s.logical_id])
    app = Gateway(
        routes=template_routes(TEMPLATE),
        api=ApiInfo("api123"),
        functions=functions,
        authorizers=Authorizers(template_authorizers(TEMPLATE, "Api"), functions.invoke),
        responses=GatewayResponses.from_template(TEMPLATE, "Api"),
    )
    app.ready.set()
    return app


def test_a_200_carries_the_functions_caching_headers_exactly(gateway):
    answer = Client(gateway).get("/products/p1")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == BODY
    for name, values in CACHING.items():
        assert answer.headers.getlist(name) == values
    assert answer.headers["Content-Length"] == str(len(BODY))


def test_a_304_has_the_headers_and_neither_body_nor_content_length(gateway):
    answer = Client(gateway).get("/products/p1", headers={"If-None-Match": TAG})
    assert answer.status_code == 304
    assert answer.get_data() == b""
    assert "Content-Length" not in answer.headers
    for name, values in CACHING.items():
        assert answer.headers.getlist(name) == values
    assert answer.headers["X-Amzn-RequestId"]


def test_head_gets_the_get_headers_and_no_body(gateway):
    got, head = Client(gateway).get("/products/p1"), Client(gateway).head("/products/p1")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert head.headers["ETag"] == got.headers["ETag"] == TAG


def test_head_on_a_get_only_resource_is_what_api_gateway_answers(gateway):
    """API Gateway (REST) has no implicit HEAD: a resource without the method is not found."""
    assert Client(gateway).head("/only-get/p1").status_code == Client(gateway).get("/nope").status_code


def test_over_a_socket_a_304_ends_cleanly_with_no_body(gateway):
    running = serve(gateway, port=0)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
        connection.request("GET", "/products/p1", headers={"If-None-Match": TAG})
        answer = connection.getresponse()
        assert answer.status == 304 and answer.read() == b""
        assert answer.getheader("Content-Length") is None and answer.getheader("Transfer-Encoding") is None
        assert answer.getheader("ETag") == TAG and answer.getheader("Vary") == "Authorization"
        assert answer.getheader("Date")  # what a cache computes the age from
        connection.close()
    finally:
        running.stop()


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "٣"])
def test_over_a_socket_a_content_length_that_is_no_length_is_a_400(gateway, length):
    """Not a 500 page of the HTTP server: the contract's error shape, with a request id."""
    running = serve(gateway, port=0)
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as raw:
            raw.sendall(
                f"POST /products/p1 HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 "), head
        assert b"\r\nX-Request-Id: " in head
        assert json.loads(body)["error"]["code"] == "VALIDATION_ERROR"
    finally:
        running.stop()
