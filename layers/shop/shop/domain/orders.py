"""The order aggregate: its state is the fold of its events, and only API.md's moves are allowed.

`OrderAggregate` methods check the move, record a new event and apply it with the same `apply`
that `fold` uses, so the state after a command is by construction the fold of the history. The
store persists `pending` events together with the new state in one conditional write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from shop.domain.order_event_data import CancelReason as CancelReason
from shop.domain.order_event_data import EventData, OrderCancelled, OrderCreated
from shop.domain.order_event_data import OrderStatus as OrderStatus
from shop.domain.order_lines import OrderLine, PostalAddress
from shop.errors import InvalidTransition

MAX_ORDER_LINES = 50
MAX_OPEN_ORDERS = 5
"""Orders one customer may hold in PENDING_PAYMENT at once: nobody can hold a shop's stock hostage."""
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "PENDING_PAYMENT": frozenset({"PAID", "CANCELLED"}),
    "PAID": frozenset({"SHIPPED", "CANCELLED"}),
    "SHIPPED": frozenset({"DELIVERED"}),
    "DELIVERED": frozenset(),
    "CANCELLED": frozenset(),
}
# event type -> (statuses it may happen in, status it leads to; None keeps the status)
EFFECTS: Mapping[str, tuple[frozenset[str], str | None]] = {
    "payment_failed": (frozenset({"PENDING_PAYMENT"}), None),
    "payment_succeeded": (frozenset({"PENDING_PAYMENT"}), "PAID"),
    "order_cancelled": (frozenset({"PENDING_PAYMENT", "PAID"}), "CANCELLED"),
    "payment_refunded": (frozenset({"CANCELLED"}), None),
    "shipment_created": (frozenset({"PAID"}), "SHIPPED"),
    "shipment_updated": (frozenset({"SHIPPED"}), None),
    "order_delivered": (frozenset({"SHIPPED"}), "DELIVERED"),
}


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds: fixed width, so it also sorts as text in index keys."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def moves_status(event_type: str) -> bool:
    """Whether an event of this type leads the order to another status (order_created: from none)."""
    return event_type == "order_created" or EFFECTS.get(event_type, (frozenset(), None))[1] is not None


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"An order cannot go from {current} to {target}.")


@dataclass(frozen=True)
class EventActor:
    id: str
    role: str


SYSTEM = EventActor(id="system", role="system")


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """`type` is always its data's KIND (checked): readers may switch on either."""

    event_id: str
    order_id: str
    seq: int
    type: str
    occurred_at: str
    actor: EventActor
    data: EventData

    def __post_init__(self) -> None:
        if self.type != self.data.KIND:
            raise ValueError(f"a {self.type} event holds {self.data.KIND}'s data")


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    user_id: str
    status: OrderStatus
    items: tuple[OrderLine, ...]
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    shipping_address: PostalAddress | None
    """None when read by a function that may not decrypt it (it holds no key for order data)."""
    reservation_expires_at: str
    created_at: str
    updated_at: str
    version: int


def _created(event: OrderEvent) -> Order:
    d = event.data
    if not isinstance(d, OrderCreated):
        raise ValueError("an order's history starts with order_created")
    return Order(
        id=event.order_id,
        user_id=d.user_id,
        status="PENDING_PAYMENT",
        items=d.items,
        subtotal_cents=d.subtotal_cents,
        shipping_cents=d.shipping_cents,
        total_cents=d.total_cents,
        currency=d.currency,
        shipping_address=d.shipping_address,
        reservation_expires_at=d.reservation_expires_at,
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
        version=event.seq,
    )


def apply(order: Order | None, event: OrderEvent) -> Order:
    """One step of the fold; refuses a history that skips a seq or makes a forbidden move."""
    expected_seq = 1 if order is None else order.version + 1
    if event.seq != expected_seq:
        raise ValueError(f"event seq {event.seq} where {expected_seq} was due")
    if order is None:
        if event.type != "order_created":
            raise ValueError("an order's history starts with order_created")
        return _created(event)
    allowed_in, leads_to = EFFECTS.get(event.type, (frozenset(), None))
    if order.status not in allowed_in:
        raise InvalidTransition(f"{event.type} cannot happen to an order in {order.status}.")
    status = order.status if leads_to is None else leads_to
    if leads_to is not None:
        check_transition(order.status, leads_to)
    return replace(order, status=status, updated_at=event.occurred_at, version=event.seq)  # type: ignore[arg-type]


def fold(events: Iterable[OrderEvent]) -> Order:
    state: Order | None = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise ValueError("an order needs at least its order_created event")
    return state


def _event(order_id: str, seq: int, at: str, actor: EventActor, data: EventData) -> OrderEvent:
    return OrderEvent(str(uuid.uuid4()), order_id, seq, data.KIND, at, actor, data)


@dataclass
class OrderAggregate:
    """An order being changed: `state` after the commands so far, `pending` their new events."""

    state: Order
    pending: list[OrderEvent] = field(default_factory=list)

    @classmethod
    def create(cls, order_id: str, at: str, actor: EventActor, data: OrderCreated) -> OrderAggregate:
        event = _event(order_id, 1, at, actor, data)
        return cls(apply(None, event), [event])

    def record(self, data: EventData, at: str, actor: EventActor) -> OrderEvent:
        """Append an event of any known type (its data's KIND) if the move is allowed."""
        event = _event(self.state.id, self.state.version + 1, at, actor, data)
        self.state = apply(self.state, event)
        self.pending.append(event)
        return event

    @property
    def base_version(self) -> int:
        """The version the stored order must still have for these events to be appended."""
        return self.state.version - len(self.pending)

    def cancel(
        self,
        reason: CancelReason,
        at: str,
        actor: EventActor,
        refund_cents: int = 0,
        refund_payment_id: str | None = None,
    ) -> OrderEvent:
        """`refund_pending` tells the refunds consumer that `refund_payment_id` is owed back; the money
        moves later, and `payment_refunded` records it when the gateway confirms."""
        s = self.state
        check_transition(s.status, "CANCELLED")
        data = OrderCancelled(
            reason=reason,
            previous_status=s.status,
            refund_pending=refund_cents > 0,
            refund_amount_cents=refund_cents,
            user_id=s.user_id,
            items=s.items,
            total_cents=s.total_cents,
            currency=s.currency,
            refund_payment_id=refund_payment_id,
        )
        return self.record(data, at, actor)


ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()  # noqa: SIM905 - a list of 249 quoted codes would be 250 lines
)
"""ISO 3166-1 alpha-2: the 249 officially assigned codes."""
