"""The shipment state machine of API.md: every allowed move, every forbidden one, and tracking numbers."""

import itertools
import re
from dataclasses import replace

import pytest

from shop.domain.shipments import (
    SHIPMENT_STATUSES,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    check_shipment_move,
    new_tracking_number,
)
from shop.errors import InvalidTransition

ALLOWED = {
    ("LABEL_CREATED", "IN_TRANSIT"),
    ("IN_TRANSIT", "OUT_FOR_DELIVERY"),
    ("OUT_FOR_DELIVERY", "DELIVERED"),
    ("IN_TRANSIT", "EXCEPTION"),
    ("OUT_FOR_DELIVERY", "EXCEPTION"),
    ("EXCEPTION", "IN_TRANSIT"),
}
EVERY_PAIR = list(itertools.product(SHIPMENT_STATUSES, repeat=2))


def shipment_in(status: ShipmentStatus) -> Shipment:
    label = Shipment.label("s1", "o1", "DHL", "SSABCDEFGHIJKL", "2030-01-01T00:00:00.000Z")
    return replace(label, status=status)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_moves_append_to_the_history(current, target):
    before = shipment_in(current)
    after = before.advance(target, "Leipzig", "on its way", "2030-01-02T00:00:00.000Z")
    assert after.status == target and after.updated_at == "2030-01-02T00:00:00.000Z"
    assert after.events == (*before.events, TrackingEvent(target, "Leipzig", "on its way", after.updated_at))
    assert before.status == current  # frozen: the old value is untouched


@pytest.mark.parametrize(("current", "target"), [p for p in EVERY_PAIR if p not in ALLOWED])
def test_every_other_move_is_an_invalid_transition(current, target):
    with pytest.raises(InvalidTransition) as refused:
        shipment_in(current).advance(target, None, None, "2030-01-02T00:00:00.000Z")
    assert refused.value.code == "INVALID_TRANSITION"
    with pytest.raises(InvalidTransition):
        check_shipment_move(current, target)


def test_unknown_statuses_move_nowhere():
    with pytest.raises(InvalidTransition):
        check_shipment_move("LOST", "IN_TRANSIT")


def test_a_new_shipment_starts_with_its_label_as_the_first_event():
    label = Shipment.label("s1", "o1", "UPS", "SS0123456789AB", "2030-01-01T00:00:00.000Z")
    assert label.status == "LABEL_CREATED"
    assert label.events == (TrackingEvent("LABEL_CREATED", None, None, "2030-01-01T00:00:00.000Z"),)
    assert label.created_at == label.updated_at == "2030-01-01T00:00:00.000Z"


def test_the_longest_journey_with_an_exception_reaches_delivered():
    s = Shipment.label("s1", "o1", "UPS", "SS0123456789AB", "t0")
    for n, status in enumerate(["IN_TRANSIT", "EXCEPTION", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"]):
        s = s.advance(status, None, None, f"t{n + 1}")  # type: ignore[arg-type]
    assert [e.status for e in s.events] == [
        "LABEL_CREATED",
        "IN_TRANSIT",
        "EXCEPTION",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]


def test_tracking_numbers_are_ss_and_twelve_uppercase_alphanumerics_and_do_not_repeat():
    numbers = {new_tracking_number() for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(re.fullmatch(r"SS[A-Z0-9]{12}", n) for n in numbers)
