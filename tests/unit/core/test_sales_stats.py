"""The sales projector's rules: paid, unpaid, refunded, duplicated and out-of-order events all net right."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from shop.bootstrap import build_sales_reports, build_sales_stats_projector
from shop.domain.bus_messages import BusMessage
from shop.services.sales_stats import StaleTally
from tests.fakes import MemorySalesStats

SAMPLE = Path(__file__).parents[3] / "events" / "stats" / "project_sales_stats.json"
MUG, TIN, POT = (
    "7c1e4b2a9d3f4e6a8b0c2d4e6f8a0b1c",
    "3d5f7a9b1c2e4f6a8b0d2c4e6a8f0b2d",
    "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
)
ORDER_A, ORDER_B, ORDER_C = (
    "0f3a9c2e5b7d4e1f8a6b2c4d9e0f1a2b",
    "1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6",
    "2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7",
)


def sample_messages() -> list[BusMessage]:
    records = json.loads(SAMPLE.read_text())["Records"]
    return [BusMessage.from_json(record["body"]) for record in records]


def run(messages: list[BusMessage]) -> tuple[MemorySalesStats, dict[str, object]]:
    store = MemorySalesStats()
    projector = build_sales_stats_projector(store=store)
    for message in messages:
        projector.apply(message)
    report = build_sales_reports(reader=store).report("2026-03-01", "2026-03-07")
    return store, {
        "orders_count": report.orders_count,
        "revenue_cents": report.revenue_cents,
        "average_order_cents": report.average_order_cents,
        "by_day": [
            (d.day, d.orders_count, d.revenue_cents)
            for d in report.by_day
            if d.orders_count or d.revenue_cents
        ],
        "top_products": [(p.product_id, p.units, p.revenue_cents) for p in report.top_products],
        "by_status": {k: v for k, v in report.by_status.items() if v},
    }


# A (paid 4998 on 03-01, shipped, delivered), B (paid 7000 on 03-01, cancelled and refunded 03-02),
# C (expired unpaid):
# a direct count gives one paid order on 03-01 and every order created on 03-01.
EXPECTED = {
    "orders_count": 1,
    "revenue_cents": 4998,
    "average_order_cents": 4998,
    "by_day": [("2026-03-01", 1, 4998)],
    "top_products": [(MUG, 2, 2500), (TIN, 1, 1999)],
    "by_status": {"DELIVERED": 1, "CANCELLED": 2},
}


def test_the_sample_batch_counts_paid_orders_net_of_refunds():
    assert run(sample_messages())[1] == EXPECTED


def test_every_event_delivered_twice_counts_once():
    messages = sample_messages()
    store, report = run(messages + messages[::-1])
    assert report == EXPECTED
    assert store.commits == len(messages)  # a redelivery is recognised on the tally: no write
    assert all(t.applied == {m.seq for m in messages if m.order_id == o} for o, t in store.tallies.items())


@pytest.mark.parametrize("seed", range(25))
def test_any_arrival_order_with_duplicates_gives_the_same_statistics(seed):
    messages = sample_messages() * 2
    random.Random(seed).shuffle(messages)
    assert run(messages)[1] == EXPECTED


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_refunded_order_nets_to_zero_in_every_order_of_arrival(order):
    b_events = [m for m in sample_messages() if m.order_id == ORDER_B]
    _, report = run([b_events[i] for i in order])
    assert report["orders_count"] == report["revenue_cents"] == 0
    assert report["top_products"] == []
    assert report["by_status"] == {"CANCELLED": 1}


def test_a_refund_before_its_payment_never_shows_as_negative():
    created, paid, cancelled, refunded = (m for m in sample_messages() if m.order_id == ORDER_B)
    store, projector = MemorySalesStats(), None
    projector = build_sales_stats_projector(store=store)
    projector.apply(refunded)
    assert not store.day_items  # nothing to attribute yet: the paid day is unknown
    projector.apply(paid)
    assert store.day_items["2026-03-01"]["orders_count"] == 0
    assert store.day_items["2026-03-01"]["revenue_cents"] == 0
    projector.apply(cancelled)
    projector.apply(created)
    assert store.day_items["2026-03-01"]["status_CANCELLED"] == 1


def test_an_order_cancelled_before_payment_counts_no_sale():
    created, cancelled = (m for m in sample_messages() if m.order_id == ORDER_C)
    _, report = run([created, cancelled])
    assert (report["orders_count"], report["revenue_cents"], report["top_products"]) == (0, 0, [])
    assert report["by_status"] == {"CANCELLED": 1}


def test_a_paid_order_moves_between_statuses_once_and_ignores_stale_ones():
    created, paid, shipped, delivered = (m for m in sample_messages() if m.order_id == ORDER_A)
    _, report = run([created, delivered, shipped, paid])
    assert report["by_status"] == {"DELIVERED": 1}
    assert report["orders_count"] == 1


def test_a_refund_is_taken_off_the_day_of_payment_not_the_day_of_refund():
    b_events = [m for m in sample_messages() if m.order_id == ORDER_B]
    store, _ = run(b_events[:2])
    assert store.day_items["2026-03-01"]["revenue_cents"] == 7000
    build_sales_stats_projector(store=store).apply(b_events[3])
    assert store.day_items["2026-03-01"]["revenue_cents"] == 0
    assert "2026-03-02" not in store.day_items


def test_a_cancellation_counts_its_money_until_the_refund_is_made():
    """Revenue is money captured less money returned: a refund still owed (REFUND_PENDING, e.g. in a
    gateway outage) has returned nothing yet, so only payment_refunded takes the sale back."""
    created, paid, cancelled, refunded = (m for m in sample_messages() if m.order_id == ORDER_B)
    store, report = run([created, paid, cancelled])
    assert (report["orders_count"], report["revenue_cents"]) == (1, 7000)
    assert report["by_status"] == {"CANCELLED": 1}
    build_sales_stats_projector(store=store).apply(refunded)
    assert store.day_items["2026-03-01"]["revenue_cents"] == 0
    assert store.day_items["2026-03-01"]["orders_count"] == 0


def test_a_cancellation_committed_when_it_refunded_itself_still_nets_to_zero():
    """order_cancelled with `refunded: true` is what a cancellation committed before refunds had their
    own queue says (its money went back at once, no payment_refunded follows): a redrive of one
    still takes the sale back."""
    created, paid, cancelled, _ = (m for m in sample_messages() if m.order_id == ORDER_B)
    legacy = replace(cancelled, data=cancelled.data | {"refunded": True})
    _, report = run([created, paid, legacy])
    assert (report["orders_count"], report["revenue_cents"], report["top_products"]) == (0, 0, [])


def test_a_concurrent_change_of_the_tally_is_projected_again():
    store = MemorySalesStats()
    store.interfere = 2
    assert build_sales_stats_projector(store=store).apply(sample_messages()[0]) is True
    store.interfere = 5
    with pytest.raises(StaleTally):
        build_sales_stats_projector(store=store).apply(sample_messages()[2])


def test_types_without_a_sales_effect_change_nothing():
    failed = BusMessage(
        id="x1", type="payment_failed", occurred_at="2026-03-01T10:00:00Z", order_id="o", seq=2
    )
    store = MemorySalesStats()
    assert build_sales_stats_projector(store=store).apply(failed) is False
    assert not store.tallies and not store.commits
