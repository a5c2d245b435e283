"""Customer emails: rendered safely from the event alone, sent once per event, failures isolated."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shop.bootstrap import build_notifications_consumer, build_order_notifications
from shop.domain.bus_messages import BusMessage
from shop.domain.email_templates import format_money
from shop.domain.order_emails import order_email
from shop.domain.users import User
from tests.fakes import FakeUsers, MemoryProcessedEvents, RecordingMailer

SAMPLE = Path(__file__).parents[3] / "events" / "notifications" / "send_order_emails.json"
USER_ID = "u_4b8e2f1a9c3d5e7f0a1b2c3d"
EMAIL = "ada.secret@example.com"


def sample_event() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def messages() -> list[BusMessage]:
    return [BusMessage.from_json(r["body"]) for r in sample_event()["Records"]]


def consumer(mailer, processed=None, customers=None):
    customer = User(USER_ID, EMAIL, "Ada Lovelace", "customer", False, datetime.now(UTC), "hash")
    notifications = build_order_notifications(
        customers=customers or FakeUsers(customer),
        mailer=mailer,
        processed=processed or MemoryProcessedEvents(),
    )
    return build_notifications_consumer(notifications=notifications)


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (1999, "USD", "$19.99"),
        (5, "usd", "$0.05"),
        (123456789, "EUR", "€1,234,567.89"),
        (1500, "JPY", "¥1,500"),
        (12345, "KWD", "12.345 KWD"),
        (1999, "CHF", "19.99 CHF"),
        (-250, "GBP", "-£2.50"),
    ],
)
def test_money_is_formatted_from_minor_units_by_currency(minor, currency, shown):
    assert format_money(minor, currency) == shown


def test_every_customer_value_is_escaped_in_the_html_part_and_kept_in_the_text_part():
    name = '<script>alert("x")</script> & Co'
    email = order_email(messages()[0], name)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in email.html
    assert "Tea &amp; biscuits tin &lt;large&gt;" in email.html
    assert name in email.text and "Tea & biscuits tin <large>" in email.text


def test_the_confirmation_lists_lines_and_totals_as_money():
    email = order_email(messages()[0], "Ada")
    assert email.subject == "We received your order 4c5d6e7f8a9b40c1d2e3f4a5b6c7d8e9"
    assert "2 x Enamel mug ($12.50 each)  $25.00" in email.text
    for line in ("Subtotal: $44.99", "Shipping: $4.99", "Total:    $49.98", "2026-03-01 23:59 UTC"):
        assert line in email.text
    assert '<td style="padding:4px 8px;text-align:right;">$12.50</td>' in email.html


def test_receipt_shipped_and_delivered_say_what_the_customer_needs():
    _, paid, shipped, delivered = (order_email(m, "Ada") for m in messages())
    assert "$49.98 (VISA ending 4242)" in paid.text and "Enamel mug" in paid.html
    assert "DHL" in shipped.text and "1Z999AA10123456784" in shipped.html and "$49.98" in shipped.text
    assert "1Z999AA10123456784" in delivered.text and delivered.subject.endswith("was delivered")
    assert all(e.html.startswith("<!DOCTYPE html>") for e in (paid, shipped, delivered))


def test_one_email_per_event_to_the_decrypted_address_and_none_on_redelivery():
    mailer, processed = RecordingMailer(), MemoryProcessedEvents()
    handle = consumer(mailer, processed).handle
    assert handle(sample_event()) == {"batchItemFailures": []}
    assert handle(sample_event()) == {"batchItemFailures": []}
    assert [to for to, _ in mailer.sent] == [EMAIL] * 4
    assert len({email.subject for _, email in mailer.sent}) == 4


def test_a_failed_send_fails_only_its_record_and_is_sent_on_retry():
    mailer, processed = RecordingMailer(fail_subjects_with="Payment receipt"), MemoryProcessedEvents()
    answer = consumer(mailer, processed).handle(sample_event())
    receipt_record = sample_event()["Records"][1]["messageId"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": receipt_record}]}
    assert len(mailer.sent) == 3
    mailer.fail_subjects_with = None
    retry = copy.deepcopy(sample_event())
    retry["Records"] = [retry["Records"][1]]
    assert consumer(mailer, processed).handle(retry) == {"batchItemFailures": []}
    assert mailer.sent[-1][1].subject.startswith("Payment receipt")


def test_an_unknown_customer_is_acknowledged_without_email_and_nothing_logs_the_address(caplog):
    event = sample_event()
    for record in event["Records"]:
        record["body"] = record["body"].replace(USER_ID, "u_gone")
    mailer = RecordingMailer()
    assert consumer(mailer).handle(event) == {"batchItemFailures": []}
    assert mailer.sent == []
    consumer(RecordingMailer()).handle(sample_event())
    assert "order email sent" in caplog.text
    assert not [r for r in caplog.records if EMAIL in json.dumps(r.__dict__, default=str)]


def test_other_event_types_send_nothing():
    event = sample_event()
    body = json.loads(event["Records"][0]["body"]) | {"type": "shipment_updated", "id": "other-1"}
    event["Records"] = [event["Records"][0] | {"body": json.dumps(body)}]
    mailer = RecordingMailer()
    assert consumer(mailer).handle(event) == {"batchItemFailures": []}
    assert mailer.sent == []


def test_sent_and_failed_emails_are_counted_once_each(business_metrics):
    mailer, processed = RecordingMailer(fail_subjects_with="Payment receipt"), MemoryProcessedEvents()
    consumer(mailer, processed).handle(sample_event())
    consumer(mailer, processed).handle(
        sample_event()
    )  # redelivered: the receipt fails again, the rest is done
    assert business_metrics() == {"EmailsSent": 3, "EmailsFailed": 2}
