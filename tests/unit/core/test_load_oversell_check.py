"""The load test's stock check (tests/load/oversell.py) flags every way a unit can be oversold."""

from typing import Any

from tests.load.oversell import Ledger, check_stock


def _check(levels: tuple[int, int, int], opening: int = 10, **ledger: Any) -> list[str]:
    (check,) = check_stock({"p1": opening}, Ledger.from_json(ledger), lambda _: levels)
    return check.problems


def test_stock_that_adds_up_passes():
    assert _check((3, 2, 5), checked_out={"p1": 7}, paid={"p1": 5}) == []


def test_adjustments_that_succeeded_count_as_stocked():
    ledger = {"adjusted": {"p1": 4}, "restocked": {"p1": 5}, "checked_out": {"p1": 14}}
    assert _check((0, 0, 14), opening=10, **ledger) == []


def test_a_negative_level_is_oversold():
    assert _check((-1, 1, 10)) == ["available is -1"]


def test_units_that_appear_or_vanish_are_flagged():
    assert _check((3, 0, 8), checked_out={"p1": 8})[0].startswith("available + reserved + sold = 11")


def test_more_units_checked_out_than_ever_stocked_is_oversold():
    problems = _check((0, 0, 10), checked_out={"p1": 12})
    assert "checkouts answered 201 for 12 units of 10 ever stocked" in problems


def test_a_201_checkout_must_hold_its_units():
    problems = _check((5, 0, 5), checked_out={"p1": 6})
    assert problems == ["checkouts answered 201 for 6 units, only 5 are held"]


def test_a_succeeded_payment_must_have_sold_its_units():
    assert _check((5, 3, 2), checked_out={"p1": 5}, paid={"p1": 3}) == [
        "payments succeeded for 3 units, only 2 are sold"
    ]


def test_adjustments_whose_answer_was_lost_may_explain_the_levels_but_nothing_else():
    lost = {"p1": [5, -1, 10]}
    assert _check((14, 0, 0), unanswered=lost) == []  # the +5 and the -1 were applied
    assert _check((10, 0, 0), unanswered=lost) == []  # none was
    (problem,) = _check((12, 0, 0), unanswered=lost)
    assert problem.endswith("(or some of [-1, 5, 10], whose answer was lost)")


def test_ledgers_of_several_runs_add_up():
    total = Ledger.from_json({"checked_out": {"p1": 2}, "unanswered": {"p1": [5]}})
    total.add(Ledger.from_json({"checked_out": {"p1": 3, "p2": 1}, "unanswered": {"p1": [-1]}}))
    total.add(Ledger.from_json({"adjusted": {"p1": -1}}))
    assert total.checked_out == {"p1": 5, "p2": 1}
    assert total.adjusted["p1"] == -1
    assert total.unanswered == {"p1": [5, -1]}
