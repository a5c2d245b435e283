"""Request and response bodies of checkout, payments and orders, and who the caller is.

Responses name exactly API.md's fields: internal ones (version, index keys, charge ids) never leave.
Card checks that need no state (digits, Luhn, expiry, CVC) are 400s here, before anything is
recorded, and no error message ever echoes the card number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from shop.api.models import LineResponse, RequestModel, ResponseModel, text
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import ISO_COUNTRIES, Order, OrderEvent
from shop.domain.payments import (
    CARD_NUMBER_PATTERN,
    CVC_PATTERN,
    Card,
    Payment,
    PaymentStatus,
    card_expired,
    luhn_valid,
)

if TYPE_CHECKING:
    from shop.services.payments import PaymentResult

Text = Annotated[str, text(1, 200, blank=False)]


class ShippingAddress(RequestModel):
    name: Text
    line1: Text
    line2: Annotated[str, text(0, 200)] | None = None
    city: Annotated[str, text(1, 100, blank=False)]
    postal_code: Annotated[str, text(1, 20, blank=False)]
    country: Annotated[
        str,
        Field(
            description="ISO 3166-1 alpha-2, e.g. US, DE.", json_schema_extra={"enum": sorted(ISO_COUNTRIES)}
        ),
    ]

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        if value not in ISO_COUNTRIES:
            raise ValueError("must be an ISO 3166-1 alpha-2 country code such as US or DE")
        return value

    def postal(self) -> PostalAddress:
        return PostalAddress(**self.model_dump())


class CheckoutRequest(RequestModel):
    shipping_address: ShippingAddress


class PaymentRequest(RequestModel):
    card_number: Annotated[str, StringConstraints(pattern=CARD_NUMBER_PATTERN)]
    exp_month: Annotated[int, Field(ge=1, le=12)]
    exp_year: Annotated[int, Field(ge=2000, le=2100)]
    cvc: Annotated[str, StringConstraints(pattern=CVC_PATTERN)]

    @field_validator("card_number")
    @classmethod
    def _luhn(cls, value: str) -> str:
        if not luhn_valid(value):
            raise ValueError("is not a valid card number")
        return value

    @model_validator(mode="after")
    def _not_expired(self) -> PaymentRequest:
        if card_expired(self.exp_month, self.exp_year, datetime.now(UTC).date()):
            raise ValueError("the card has expired (exp_month/exp_year)")
        return self

    def card(self) -> Card:
        return Card(self.card_number, self.exp_month, self.exp_year, self.cvc)

    def replay_identity(self) -> dict[str, Any]:
        """What makes a retry with the same Idempotency-Key "the same payment": everything but the
        CVC, which is never kept in any form, not even inside the request's keyed fingerprint."""
        return self.model_dump(exclude={"cvc"})


class OrderItem(LineResponse):
    pass


class AddressResponse(ResponseModel):
    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: str

    @classmethod
    def of(cls, address: PostalAddress | None) -> AddressResponse:
        if address is None:
            raise ValueError("the order was read by a function that may not open its address")
        return cls.model_validate(address, from_attributes=True)


class OrderResponse(ResponseModel):
    id: str
    user_id: str
    status: str
    items: list[OrderItem]
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    shipping_address: AddressResponse
    reservation_expires_at: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, o: Order) -> OrderResponse:
        return cls(
            id=o.id,
            user_id=o.user_id,
            status=o.status,
            items=[OrderItem.of(line) for line in o.items],
            subtotal_cents=o.subtotal_cents,
            shipping_cents=o.shipping_cents,
            total_cents=o.total_cents,
            currency=o.currency,
            shipping_address=AddressResponse.of(o.shipping_address),
            reservation_expires_at=o.reservation_expires_at,
            created_at=o.created_at,
            updated_at=o.updated_at,
        )


class OrderPage(ResponseModel):
    items: list[OrderResponse]
    next_cursor: str | None


class PaymentResponse(ResponseModel):
    id: str
    order_id: str
    status: PaymentStatus = Field(
        description="REFUND_PENDING after a paid order's cancellation, REFUNDED once the gateway confirms."
    )
    amount_cents: int
    currency: str
    card_brand: str
    card_last4: str
    failure_reason: str | None
    created_at: str

    @classmethod
    def of(cls, p: Payment) -> PaymentResponse:
        fields = ("id", "order_id", "status", "amount_cents", "currency", "card_brand", "card_last4")
        return cls(
            **{f: getattr(p, f) for f in fields}, failure_reason=p.failure_reason, created_at=p.created_at
        )


class PaymentOutcome(ResponseModel):
    payment: PaymentResponse
    order: OrderResponse

    @classmethod
    def of(cls, result: PaymentResult) -> PaymentOutcome:
        return cls(payment=PaymentResponse.of(result.payment), order=OrderResponse.of(result.order))


class PaymentList(ResponseModel):
    items: list[PaymentResponse]


class EventActorResponse(ResponseModel):
    id: str
    role: str


class EventResponse(ResponseModel):
    seq: int
    type: str
    occurred_at: str
    actor: EventActorResponse
    data: dict[str, Any]

    @classmethod
    def of(cls, e: OrderEvent) -> EventResponse:
        actor = EventActorResponse(id=e.actor.id, role=e.actor.role)
        return cls(seq=e.seq, type=e.type, occurred_at=e.occurred_at, actor=actor, data=e.data.plain())


class EventList(ResponseModel):
    items: list[EventResponse]
