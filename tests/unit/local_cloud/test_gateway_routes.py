"""Which template route a request hits, with API Gateway's precedence."""

from shop_local.api_gateway.routes import Route, RouteMatch, match_route, template_routes


def route(path: str, method: str = "GET", function: str = "F") -> Route:
    return Route("Api", path, method, function, "BearerAuth")


def hit(path: str, method: str = "GET") -> RouteMatch:
    match = match_route(ROUTES, path, method)
    assert match is not None, (path, method)
    return match


ROUTES = [
    route("/products", "GET", "List"),
    route("/products/{id}", "GET", "Get"),
    route("/products/{id}", "PATCH", "Update"),
    route("/products/featured", "GET", "Featured"),
    route("/files/{proxy+}", "ANY", "Files"),
    route("/files/readme", "POST", "Readme"),
    route("/orders", "ANY", "AnyOrder"),
    route("/orders", "POST", "CreateOrder"),
]


def test_literal_segment_beats_a_parameter():
    assert hit("/products/featured", "GET").route.function_id == "Featured"
    match = hit("/products/abc", "GET")
    assert match.route.function_id == "Get"
    assert match.path_parameters == {"id": "abc"}


def test_method_must_exist_on_the_chosen_resource():
    # /products/featured is the most specific resource and has no PATCH: API Gateway does not fall back.
    assert match_route(ROUTES, "/products/featured", "PATCH") is None
    assert match_route(ROUTES, "/products/abc", "DELETE") is None
    assert hit("/products/abc", "patch").route.function_id == "Update"


def test_unknown_paths_match_nothing():
    assert match_route(ROUTES, "/nope", "GET") is None
    assert match_route(ROUTES, "/products/a/b", "GET") is None
    assert match_route(ROUTES, "/", "GET") is None


def test_greedy_parameter_takes_the_rest_and_any_matches_every_method():
    match = hit("/files/a/b%20c.txt", "DELETE")
    assert match.route.function_id == "Files"
    assert match.path_parameters == {"proxy": "a/b c.txt"}
    assert match_route(ROUTES, "/files", "GET") is None  # {proxy+} needs at least one segment


def test_exact_method_beats_any_on_the_same_resource():
    assert hit("/orders", "POST").route.function_id == "CreateOrder"
    assert hit("/orders", "GET").route.function_id == "AnyOrder"


def test_a_more_specific_resource_without_the_method_does_not_fall_back_to_proxy():
    assert hit("/files/readme", "POST").route.function_id == "Readme"
    assert match_route(ROUTES, "/files/readme", "GET") is None


def test_path_parameters_are_decoded_and_trailing_slash_ignored():
    match = hit("/products/a%2Bb/", "GET")
    assert match.path_parameters == {"id": "a+b"}


def test_template_routes_apply_the_default_authorizer_and_none():
    template = {
        "Resources": {
            "ShopApi": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"Auth": {"DefaultAuthorizer": "Bearer"}},
            },
            "Open": _function("/open", "post", {"Authorizer": "NONE"}),
            "Closed": _function("/closed/{id}", "any", None),
            "Maybe": _function("/maybe", "get", {"Authorizer": "OptionalAuth"}),
        }
    }
    found = {r.function_id: r for r in template_routes(template)}
    assert found["Open"] == Route("ShopApi", "/open", "POST", "Open", None)
    assert found["Closed"] == Route("ShopApi", "/closed/{id}", "ANY", "Closed", "Bearer")
    assert found["Maybe"].authorizer == "OptionalAuth"


def _function(path, method, auth):
    props = {"RestApiId": {"Ref": "ShopApi"}, "Path": path, "Method": method}
    if auth is not None:
        props["Auth"] = auth
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Events": {"Api": {"Type": "Api", "Properties": props}, "Other": {"Type": "SQS"}}},
    }
