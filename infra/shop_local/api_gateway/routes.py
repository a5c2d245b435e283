"""The template's API routes, and which one a request path hits, the way API Gateway (REST) picks.

API Gateway chooses the most specific resource first (a literal segment beats `{param}`, which
beats `{proxy+}`), then the method on that resource (an exact method beats ANY). A resource without
the method is "Missing Authentication Token", exactly like an unknown path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

IMPLICIT_API = "ServerlessRestApi"  # SAM's API for Api events without RestApiId


@dataclass(frozen=True)
class Route:
    """One Api event of one function. `authorizer` is None for `Authorizer: NONE`."""

    api_id: str
    path: str
    method: str  # upper case; "ANY" for `any`
    function_id: str
    authorizer: str | None

    @property
    def segments(self) -> tuple[str, ...]:
        return _split(self.path)


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.strip("/").split("/") if part)


def _logical_id(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    if isinstance(value, str):
        return value
    raise ValueError(f"RestApiId must be a Ref to an AWS::Serverless::Api, got {value!r}")


def template_routes(template: dict[str, Any]) -> list[Route]:
    """Every `Type: Api` event of every function, with its effective authorizer."""
    resources: dict[str, Any] = template.get("Resources") or {}
    routes = []
    for function_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            props = event.get("Properties") or {}
            api_id = _logical_id(props.get("RestApiId", IMPLICIT_API))
            api_auth = ((resources.get(api_id) or {}).get("Properties") or {}).get("Auth") or {}
            authorizer = (props.get("Auth") or {}).get("Authorizer", api_auth.get("DefaultAuthorizer"))
            method = str(props["Method"]).upper()
            routes.append(
                Route(
                    api_id=api_id,
                    path="/" + "/".join(_split(str(props["Path"]))),
                    method="ANY" if method in {"ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD"} else method,
                    function_id=function_id,
                    authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                )
            )
    return routes


def _bind(pattern: tuple[str, ...], parts: tuple[str, ...]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(specificity per segment, path parameters) if `parts` fits `pattern`, else None."""
    score: list[int] = []
    params: dict[str, str] = {}
    for index, segment in enumerate(pattern):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = parts[index:]
            if not rest or index != len(pattern) - 1:
                return None
            params[segment[1:-2]] = unquote("/".join(rest))
            return (*score, 0), params
        if index >= len(parts):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            params[segment[1:-1]] = unquote(parts[index])
            score.append(1)
        elif segment == parts[index]:
            score.append(2)
        else:
            return None
    if len(parts) != len(pattern):
        return None
    return tuple(score), params


def match_route(routes: list[Route], raw_path: str, method: str) -> RouteMatch | None:
    """The route for a still percent-encoded path, or None (Missing Authentication Token)."""
    parts = _split(raw_path)
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for route in routes:
        bound = _bind(route.segments, parts)
        if bound is not None and (best is None or bound[0] > best[0]):
            best = (bound[0], route.path, bound[1])
    if best is None:
        return None
    on_resource = [route for route in routes if route.path == best[1]]
    for wanted in (method.upper(), "ANY"):
        for route in on_resource:
            if route.method == wanted:
                return RouteMatch(route, best[2])
    return None
