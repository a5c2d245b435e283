"""Base classes of request and response models, and the order id that several routes' paths share
(the shipment routes name an order without loading the order models)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused and nothing is coerced ("5" is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class ResponseModel(BaseModel):
    """What leaves the system: only the fields a model names."""

    model_config = ConfigDict(frozen=True, defer_build=True)
