"""Request and response bodies of the cart routes, and whose cart a request is about.

Request models are strict: a quantity is a JSON whole number, so "2", 2.5 and true are 400s, and
unknown fields (a price, a user id) are refused rather than ignored.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from pydantic import Field

from shop.api.callers import caller
from shop.api.models import LineResponse, Ref, RequestModel, ResponseModel
from shop.domain.cart import MAX_QUANTITY, CartOwner
from shop.domain.cart_pricing import PricedCart

Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description="Units to add, 1..99.")]
QuantityOrZero = Annotated[int, Field(ge=0, le=MAX_QUANTITY, description="New quantity, 0..99; 0 removes.")]


def cart_owner(router: BaseRouter) -> CartOwner:
    """Every caller has exactly one cart, keyed by the token's subject; guests' carts expire."""
    who = caller(router)
    return CartOwner(id=who.id, is_guest=who.is_guest)


class NewCartItem(RequestModel):
    product_id: Ref
    quantity: Quantity


class CartItemQuantity(RequestModel):
    quantity: QuantityOrZero


class CartItemResponse(LineResponse):
    pass


class CartResponse(ResponseModel):
    items: list[CartItemResponse]
    item_count: int = Field(description="Total number of units.")
    subtotal_cents: int
    currency: str
    updated_at: str

    @classmethod
    def of(cls, cart: PricedCart) -> CartResponse:
        return cls(
            items=[CartItemResponse.of(line) for line in cart.items],
            item_count=cart.item_count,
            subtotal_cents=cart.subtotal_cents,
            currency=cart.currency,
            updated_at=cart.updated_at or "",
        )
