"""Request and response bodies of the admin inventory routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from shop.api.catalog_models import ProductResponse
from shop.api.models import RequestModel, ResponseModel, text
from shop.domain.inventory import MAX_ADJUSTMENT, REASON_MAX, StockedProduct, StockLevels


class Adjustment(RequestModel):
    delta: Annotated[
        int, Field(ge=-MAX_ADJUSTMENT, le=MAX_ADJUSTMENT, description="Non-zero change of `available`.")
    ]
    reason: Annotated[str, text(1, REASON_MAX, lines=True)]

    @field_validator("delta")
    @classmethod
    def _non_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("must not be 0")
        return delta


class StockLevelsResponse(ResponseModel):
    product_id: str
    available: int
    reserved: int
    sold: int

    @classmethod
    def of(cls, levels: StockLevels) -> StockLevelsResponse:
        return cls(
            product_id=levels.product_id,
            available=levels.available,
            reserved=levels.reserved,
            sold=levels.sold,
        )


class LowStockItem(ProductResponse):
    """A product (its usual shape) with its full stock levels, so the report needs no second call."""

    product_id: str
    available: int
    reserved: int
    sold: int

    @classmethod
    def of_row(cls, row: StockedProduct) -> LowStockItem:
        levels = StockLevelsResponse.of(row.levels).model_dump()
        return cls(**ProductResponse.of(row.product).model_dump(), **levels)


class LowStockPage(ResponseModel):
    items: list[LowStockItem]
    next_cursor: str | None
