"""Base classes of request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: unknown fields are refused and nothing is coerced ("5" is not 5)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ResponseModel(BaseModel):
    """What leaves the system: only the fields a model names."""

    model_config = ConfigDict(frozen=True)
