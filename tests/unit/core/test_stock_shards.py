"""Stock shard arithmetic: where a reservation takes units, how an adjustment spreads, how many shards."""

import random

from hypothesis import given
from hypothesis import strategies as st

from shop.domain.order_lines import OrderLine
from shop.domain.stock_shards import (
    MAX_SHARDS,
    UNITS_PER_SHARD,
    pick_shards,
    shard_count,
    shards_record,
    spread_adjustment,
)

levels_strategy = st.lists(st.integers(0, 60), min_size=1, max_size=MAX_SHARDS)


def test_a_single_shard_holding_enough_is_picked_at_random_among_those():
    picked = {tuple(pick_shards({0: 1, 1: 4, 2: 9}, 3, random.Random(seed)) or ()) for seed in range(40)}
    assert picked == {((1, 3),), ((2, 3),)}


def test_a_line_no_shard_can_serve_alone_takes_the_fullest_together_or_nothing():
    assert pick_shards({0: 2, 1: 3, 2: 1}, 5, random.Random(0)) == [(1, 3), (0, 2)]
    assert pick_shards({0: 2, 1: 3, 2: 1}, 7, random.Random(0)) is None


@given(levels=levels_strategy, quantity=st.integers(1, 200), seed=st.integers(0, 99))
def test_picks_take_exactly_the_quantity_within_each_shard_or_refuse_on_the_sum(levels, quantity, seed):
    available = dict(enumerate(levels))
    takes = pick_shards(available, quantity, random.Random(seed))
    if sum(levels) < quantity:
        assert takes is None
        return
    assert takes is not None and sum(units for _, units in takes) == quantity
    assert len({shard for shard, _ in takes}) == len(takes)
    assert all(0 < units <= available[shard] for shard, units in takes)


@given(levels=levels_strategy, extra=st.integers(0, 4), delta=st.integers(-500, 500).filter(bool))
def test_an_adjustment_spreads_evenly_and_no_shard_goes_negative(levels, extra, delta):
    shards = len(levels) + extra
    available = dict(enumerate(levels))
    changes = spread_adjustment(available, shards, delta)
    if sum(levels) + delta < 0:
        assert changes is None
        return
    assert changes is not None and sum(changes.values()) == delta
    after = [available.get(s, 0) + changes.get(s, 0) for s in range(shards)]
    assert min(after) >= 0
    moved = [s for s in range(shards) if changes.get(s)]
    assert all((changes[s] > 0) == (delta > 0) for s in moved)
    if moved:  # the shards it touched end within one unit of each other and of every untouched one
        touched = [after[s] for s in moved]
        assert max(touched) - min(touched) <= 1
        untouched = [after[s] for s in range(shards) if s not in moved]
        if delta > 0:
            assert all(level >= min(touched) - 1 for level in untouched)
        else:
            assert all(level <= max(touched) + 1 for level in untouched)


def test_added_units_go_to_the_shards_with_the_least():
    assert spread_adjustment({0: 5, 1: 1, 2: 0}, 3, 4) == {1: 1, 2: 3}
    assert spread_adjustment({0: 5, 1: 1, 2: 0}, 3, -3) == {0: -3}
    assert spread_adjustment({0: 5, 1: 1}, 2, -7) is None


def test_shards_grow_with_the_stock_up_to_the_cap_and_never_shrink():
    assert shard_count(1, 0) == 1
    assert shard_count(1, UNITS_PER_SHARD) == 1
    assert shard_count(1, UNITS_PER_SHARD + 1) == 2
    assert shard_count(1, 10**6) == MAX_SHARDS
    assert shard_count(5, 0) == 5


def test_an_order_line_records_its_shards_unless_all_came_from_shard_zero():
    assert shards_record([(0, 3)], 3) == ()
    plain = line(()).plain()
    assert "shards" not in plain and OrderLine.of_plain(plain).reserved_shards() == [(0, 3)]
    split = line(shards_record([(2, 1), (0, 2)], 3))
    assert split.plain()["shards"] == [[2, 1], [0, 2]] and split.reserved_shards() == [(2, 1), (0, 2)]
    assert OrderLine.of_plain(split.plain()) == split
    assert line(shards_record([(4, 3)], 3)).reserved_shards() == [(4, 3)]


def line(shards: tuple[tuple[int, int], ...]) -> OrderLine:
    return OrderLine("p", "S", "Lamp", 100, 3, 300, shards)
