"""Which email each order event sends, and what goes in it: the event's data is all it needs.

order_created and payment_succeeded carry the order's lines and totals; shipment_created carries
the carrier, tracking number and total; order_delivered the tracking number. So no email needs a
read of the order, and a redelivered event renders the same email.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from string import Template
from typing import Any

from shop.domain.bus_messages import BusMessage
from shop.domain.email_templates import Markup, format_money, render_html, render_text

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


def _lines(items: Iterable[Mapping[str, Any]], currency: str) -> tuple[str, Markup]:
    text_lines, rows = [], []
    for line in items:
        values = {
            "name": line["name"],
            "quantity": line["quantity"],
            "unit_price": format_money(int(line["unit_price_cents"]), currency),
            "line_total": format_money(int(line["line_total_cents"]), currency),
        }
        text_lines.append(render_text("line.txt", values).rstrip("\n"))
        rows.append(render_html("line.html", values))
    return "\n".join(text_lines), render_html("lines.html", {"rows": Markup("".join(rows))})


def _order_created(data: Mapping[str, Any]) -> dict[str, object]:
    currency = str(data["currency"])
    text, table = _lines(data.get("items") or [], currency)
    return {
        "lines_text": text,
        "lines_html": table,
        "subtotal": format_money(int(data["subtotal_cents"]), currency),
        "shipping": format_money(int(data["shipping_cents"]), currency),
        "total": format_money(int(data["total_cents"]), currency),
        "pay_by": readable_time(str(data.get("reservation_expires_at", ""))),
    }


def _payment_succeeded(data: Mapping[str, Any]) -> dict[str, object]:
    currency = str(data["currency"])
    text, table = _lines(data.get("items") or [], currency)
    return {
        "lines_text": text,
        "lines_html": table,
        "amount": format_money(int(data["amount_cents"]), currency),
        "total": format_money(int(data.get("total_cents", data["amount_cents"])), currency),
        "card": f"{str(data.get('card_brand', 'card')).upper()} ending {data.get('card_last4', '****')}",
    }


def _shipment_created(data: Mapping[str, Any]) -> dict[str, object]:
    total = format_money(int(data["total_cents"]), str(data["currency"]))
    return {"carrier": data["carrier"], "tracking_number": data["tracking_number"], "total": total}


def _order_delivered(data: Mapping[str, Any]) -> dict[str, object]:
    return {"tracking_number": data.get("tracking_number", "")}


_VALUES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, object]]] = {
    "order_created": _order_created,
    "payment_succeeded": _payment_succeeded,
    "shipment_created": _shipment_created,
    "order_delivered": _order_delivered,
}


def order_email(message: BusMessage, customer_name: str) -> OrderEmail:
    """The email for one event; KeyError for a type that sends none or data that lacks a field."""
    values: dict[str, object] = {"name": customer_name, "order_id": message.order_id}
    values |= _VALUES[message.type](message.data)
    subject = render_subject(message.type, message.order_id)
    body = render_html(f"{message.type}.html", values)
    page = render_html("layout.html", {"subject": subject, "body": body})
    text = render_text("layout.txt", {"body": render_text(f"{message.type}.txt", values)})
    return OrderEmail(subject=subject, text=text, html=page)


def render_subject(kind: str, order_id: str) -> str:
    return Template(SUBJECTS[kind]).substitute(order_id=order_id)
