"""Inventory use cases: adjustments are validated, never take stock below zero, and are audited."""

import pytest

from shop.bootstrap import build_inventory_service
from shop.domain.callers import Caller
from shop.domain.inventory import StockLevels, check_adjustment
from shop.errors import InsufficientStock, NotFound, ValidationFailed
from tests.fakes import MemoryStock, RecordingAudit

ADMIN = Caller(id="admin-1", role="admin", request_id="req-9")


@pytest.fixture
def stock():
    return MemoryStock(mug=5)


@pytest.fixture
def audit():
    return RecordingAudit()


@pytest.fixture
def inventory(stock, audit):
    return build_inventory_service(store=stock, audit=audit)


def test_an_adjustment_changes_available_and_is_audited(inventory, audit):
    assert inventory.adjust_stock(ADMIN, "mug", 10, "delivery") == StockLevels("mug", 15, 0, 0)
    assert inventory.adjust_stock(ADMIN, "mug", -15, "breakage") == StockLevels("mug", 0, 0, 0)
    assert [e["details"] for e in audit.entries] == [
        {"delta": 10, "reason": "delivery"},
        {"delta": -15, "reason": "breakage"},
    ]
    assert {(e["action"], e["target_id"], e["actor_id"], e["request_id"]) for e in audit.entries} == {
        ("inventory.adjust", "mug", "admin-1", "req-9")
    }


def test_stock_never_goes_below_zero(inventory, audit):
    with pytest.raises(InsufficientStock):
        inventory.adjust_stock(ADMIN, "mug", -6, "count")
    assert inventory.stock_levels("mug").available == 5
    assert audit.entries == []


@pytest.mark.parametrize(
    ("delta", "reason", "fields"),
    [
        (0, "x", ["body.delta"]),
        (1_000_001, "x", ["body.delta"]),
        (-1_000_001, "x", ["body.delta"]),
        (True, "x", ["body.delta"]),
        (1.5, "x", ["body.delta"]),
        (1, "", ["body.reason"]),
        (1, "   ", ["body.reason"]),
        (1, "r" * 201, ["body.reason"]),
        (0, "", ["body.delta", "body.reason"]),
    ],
)
def test_bad_adjustments_are_refused_naming_each_field(delta, reason, fields):
    with pytest.raises(ValidationFailed) as raised:
        check_adjustment(delta, reason)
    assert [d["field"] for d in raised.value.details] == fields


def test_unknown_products_are_not_found(inventory):
    with pytest.raises(NotFound):
        inventory.stock_levels("nope")
    with pytest.raises(NotFound):
        inventory.adjust_stock(ADMIN, "nope", 1, "x")


def test_below_must_be_a_sane_threshold(inventory, stock):
    for below in (-1, 10**10):
        with pytest.raises(ValidationFailed):
            inventory.products_below(below, 20, None)
    inventory.products_below(None, 20, None)
    inventory.products_below(0, 5, "c")
    assert stock.asked_below == [(None, 20, None), (0, 5, "c")]
