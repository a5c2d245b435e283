"""Which email each order event sends, and what goes in it: the event's data is all it needs.

order_created and payment_succeeded carry the order's lines and totals; shipment_created carries
the carrier, tracking number and total; order_delivered the tracking number. So no email needs a
read of the order, and a redelivered event renders the same email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from string import Template

from shop.domain.bus_messages import BusMessage
from shop.domain.email_templates import Markup, format_money, render_html, render_text
from shop.domain.order_event_data import (
    EventData,
    OrderCreated,
    OrderDelivered,
    PaymentSucceeded,
    ShipmentCreated,
)
from shop.domain.order_lines import OrderLine

SUBJECTS = {
    "order_created": "We received your order $order_id",
    "payment_succeeded": "Payment receipt for order $order_id",
    "shipment_created": "Your order $order_id is on its way",
    "order_delivered": "Your order $order_id was delivered",
}
EMAIL_TYPES = frozenset(SUBJECTS)


@dataclass(frozen=True)
class OrderEmail:
    subject: str
    text: str
    html: str


def readable_time(stamp: str) -> str:
    """ "2026-03-01T10:18:12.456Z" -> "2026-03-01 10:18 UTC" (as is, if it is not a timestamp)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment.tzinfo else stamp


def _lines(items: Iterable[OrderLine], currency: str, total_cents: int) -> dict[str, object]:
    """The lines as text and as an HTML table, and the order's total."""
    text_lines, rows = [], []
    for line in items:
        values = {
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": format_money(line.unit_price_cents, currency),
            "line_total": format_money(line.line_total_cents, currency),
        }
        text_lines.append(render_text("line.txt", values).rstrip("\n"))
        rows.append(render_html("line.html", values))
    return {
        "lines_text": "\n".join(text_lines),
        "lines_html": render_html("lines.html", {"rows": Markup("".join(rows))}),
        "total": format_money(total_cents, currency),
    }


def _values(data: EventData) -> dict[str, object]:
    """What the email of this event fills in; KeyError for an event that sends none."""
    if isinstance(data, OrderCreated):
        return _lines(data.items, data.currency, data.total_cents) | {
            "subtotal": format_money(data.subtotal_cents, data.currency),
            "shipping": format_money(data.shipping_cents, data.currency),
            "pay_by": readable_time(data.reservation_expires_at),
        }
    if isinstance(data, PaymentSucceeded):
        return _lines(data.items, data.currency, data.total_cents) | {
            "amount": format_money(data.amount_cents, data.currency),
            "card": f"{data.card_brand.upper()} ending {data.card_last4}",
        }
    if isinstance(data, ShipmentCreated):
        total = format_money(data.total_cents, data.currency)
        return {"carrier": data.carrier, "tracking_number": data.tracking_number, "total": total}
    if isinstance(data, OrderDelivered):
        return {"tracking_number": data.tracking_number}
    raise KeyError(data.KIND)


def order_email(message: BusMessage, customer_name: str) -> OrderEmail:
    """The email for one event; KeyError for a type that sends none, MalformedOrderData (a
    ValueError) for data that is not its type's."""
    values: dict[str, object] = {"name": customer_name, "order_id": message.order_id}
    values |= _values(message.event_data)
    subject = render_subject(message.type, message.order_id)
    body = render_html(f"{message.type}.html", values)
    page = render_html("layout.html", {"subject": subject, "body": body})
    text = render_text("layout.txt", {"body": render_text(f"{message.type}.txt", values)})
    return OrderEmail(subject=subject, text=text, html=page)


def render_subject(kind: str, order_id: str) -> str:
    return Template(SUBJECTS[kind]).substitute(order_id=order_id)
