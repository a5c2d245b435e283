"""Stock shards: a product's units spread over N small items, so buyers of a hot product meet on
different items instead of queueing (or conflicting) on one.

Each shard keeps its own available / reserved / sold, never below zero, and every move stays inside
one shard, so conservation and non-negativity hold per shard and hence for the product's sum.
The number of shards is automatic: an adjustment grows it to one shard per UNITS_PER_SHARD available
units, up to MAX_SHARDS, and never shrinks it (a shard may hold reserved or sold units of orders
that still name it).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

UNITS_PER_SHARD = 20
MAX_SHARDS = 16

ShardTake = tuple[int, int]
"""(shard, units) a line reserved from one shard."""


def shard_count(current: int, available_after: int) -> int:
    """How many shards a product's stock deserves once `available_after` units are on the shelf."""
    wanted = -(-available_after // UNITS_PER_SHARD)
    return max(current, min(MAX_SHARDS, wanted), 1)


def pick_shards(available: Mapping[int, int], quantity: int, rng: random.Random) -> list[ShardTake] | None:
    """Where a line of `quantity` units reserves: one shard at random among those holding enough, so
    concurrent buyers spread; else the fullest shards together. None: the sum cannot serve it."""
    if sum(max(0, units) for units in available.values()) < quantity:
        return None
    enough = sorted(shard for shard, units in available.items() if units >= quantity)
    if enough:
        return [(rng.choice(enough), quantity)]
    takes: list[ShardTake] = []
    left = quantity
    for shard in sorted(available, key=lambda s: (-available[s], s)):
        take = min(left, available[shard])
        takes.append((shard, take))
        left -= take
        if left == 0:
            break
    return takes


def shards_record(takes: Sequence[ShardTake], quantity: int) -> tuple[ShardTake, ...]:
    """What an order line records of `takes` (shop.domain.order_lines.OrderLine.shards): nothing when
    it is all from shard 0, which is what no record means."""
    return () if list(takes) == [(0, quantity)] else tuple(takes)


def spread_adjustment(available: Mapping[int, int], shards: int, delta: int) -> dict[int, int] | None:
    """Per-shard changes of `available` for an adjustment over shards 0..shards-1: units added go to
    the shards with the least, units removed come from those with the most, none below zero (levels
    end as even as they can). None: the shards together hold fewer than -delta."""
    levels = [available.get(shard, 0) for shard in range(shards)]
    if delta < 0 and sum(levels) < -delta:
        return None
    sign = 1 if delta > 0 else -1
    final = [sign * level for level in _fill([sign * level for level in levels], abs(delta))]
    return {shard: final[shard] - levels[shard] for shard in range(shards) if final[shard] != levels[shard]}


def _fill(levels: list[int], units: int) -> list[int]:
    """Raise the lowest levels first by `units` in all, to one water level (integers, off by one at most)."""
    order = sorted(range(len(levels)), key=lambda i: (levels[i], i))
    ranked = [levels[i] for i in order]
    total = units
    raised = len(ranked)
    for count in range(1, len(ranked) + 1):
        total += ranked[count - 1]
        if count == len(ranked) or total <= ranked[count] * count:
            raised = count
            break
    base, extra = divmod(total, raised)
    final = list(levels)
    for rank, index in enumerate(order[:raised]):
        final[index] = base + (1 if rank < extra else 0)
    return final
