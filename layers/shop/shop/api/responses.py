"""The OpenAPI response entries that routes declare (`responses=success(...) | errors(...)`).

Kept apart from every model module, so that a route imports only its own models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

    from shop.api.models import ResponseModel


def errors(**described: str) -> dict[int, OpenAPIResponse]:
    """OpenAPI entries of a route's contract errors, e.g. `errors(e409="SKU_TAKEN: ...")`."""
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {int(key[1:]): {"description": text, "content": content} for key, text in described.items()}


def no_content(description: str) -> dict[int, OpenAPIResponse]:
    return {204: {"description": description}}


def success(model: type[ResponseModel], description: str, status: int = 200) -> dict[int, OpenAPIResponse]:
    """The success entry; needed because naming any response replaces powertools' default 200."""
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}
