"""After the load: was any unit sold twice, or sold that was never stocked?

Held against what the runner stocked and what the users saw (their ledger): the shop's own levels
must conserve stock (available + reserved + sold is the opening stock plus the adjustments that
succeeded), none may be negative, the units that checkouts answered 201 for may not exceed what
was ever stocked, and every one of them must still be held (reserved or sold). An adjustment
whose answer was lost (a 5xx, a broken connection, a user stopped while it was in flight) may or
may not have been applied: the levels must then be explained by some of those having been applied.
The load cancels nothing, so the last checks hold as long as no reservation expires during the
run (the window is 15 minutes unless the stack says otherwise).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Ledger:
    """Per product: units in orders answered 201, units in payments that SUCCEEDED, the net and the
    positive deltas of adjustments answered 200, and the deltas of adjustments left unanswered."""

    checked_out: Counter[str] = field(default_factory=Counter)
    paid: Counter[str] = field(default_factory=Counter)
    adjusted: Counter[str] = field(default_factory=Counter)
    restocked: Counter[str] = field(default_factory=Counter)
    unanswered: dict[str, list[int]] = field(default_factory=dict)

    def _counters(self) -> tuple[Counter[str], ...]:
        return self.checked_out, self.paid, self.adjusted, self.restocked

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ledger:
        counters = {
            name: Counter(data.get(name, {})) for name in ("checked_out", "paid", "adjusted", "restocked")
        }
        return cls(**counters, unanswered={k: list(v) for k, v in data.get("unanswered", {}).items()})

    def add(self, other: Ledger) -> None:
        for mine, theirs in zip(self._counters(), other._counters(), strict=True):
            mine.update(theirs)  # not +=, which drops the negative net adjustments
        for product_id, deltas in other.unanswered.items():
            self.unanswered.setdefault(product_id, []).extend(deltas)


@dataclass(frozen=True)
class StockCheck:
    product_id: str
    opening: int
    available: int
    reserved: int
    sold: int
    checked_out: int
    paid: int
    adjusted: int
    unanswered: int
    problems: list[str] = field(default_factory=list)


def check_stock(
    opening: dict[str, int], ledger: Ledger, levels: Callable[[str], tuple[int, int, int]]
) -> list[StockCheck]:
    checks = []
    for product_id, stocked in opening.items():
        available, reserved, sold = levels(product_id)
        checked_out, paid = ledger.checked_out[product_id], ledger.paid[product_id]
        adjusted, unanswered = ledger.adjusted[product_id], ledger.unanswered.get(product_id, [])
        ever_stocked = stocked + ledger.restocked[product_id] + sum(d for d in unanswered if d > 0)
        problems = [f"{name} is {value}" for name, value in _levels(available, reserved, sold) if value < 0]
        unexplained = available + reserved + sold - (stocked + adjusted)
        if unexplained not in _subset_sums(unanswered):
            problems.append(
                f"available + reserved + sold = {available + reserved + sold}, but {stocked} were stocked "
                f"and adjustments added {adjusted}"
                + (f" (or some of {sorted(unanswered)}, whose answer was lost)" if unanswered else "")
            )
        if checked_out > ever_stocked:
            problems.append(f"checkouts answered 201 for {checked_out} units of {ever_stocked} ever stocked")
        if reserved + sold < checked_out:
            problems.append(
                f"checkouts answered 201 for {checked_out} units, only {reserved + sold} are held"
            )
        if sold < paid:
            problems.append(f"payments succeeded for {paid} units, only {sold} are sold")
        checks.append(
            StockCheck(
                product_id,
                stocked,
                available,
                reserved,
                sold,
                checked_out,
                paid,
                adjusted,
                len(unanswered),
                problems,
            )
        )
    return checks


def _subset_sums(deltas: list[int]) -> set[int]:
    """Every net change that some of these adjustments, applied, would make."""
    sums = {0}
    for delta in deltas:
        sums |= {total + delta for total in sums}
    return sums


def _levels(available: int, reserved: int, sold: int) -> list[tuple[str, int]]:
    return [("available", available), ("reserved", reserved), ("sold", sold)]


def format_checks(checks: list[StockCheck]) -> list[str]:
    oversold = [check for check in checks if check.problems]
    lines = [
        f"stock check: {len(checks)} products bought, "
        + (f"{len(oversold)} OVERSOLD" if oversold else "no unit oversold"),
        f"  {'product':<34} {'stocked':>8} {'adjusted':>8} {'lost':>4} {'available':>9} {'reserved':>8} "
        f"{'sold':>6} {'201 units':>9} {'paid':>6}",
    ]
    for check in checks:
        lines.append(
            f"  {check.product_id:<34} {check.opening:>8} {check.adjusted:>+8} {check.unanswered:>4} "
            f"{check.available:>9} {check.reserved:>8} {check.sold:>6} {check.checked_out:>9} {check.paid:>6}"
        )
        lines += [f"    OVERSOLD: {problem}" for problem in check.problems]
    return lines
