"""Exact bounded subset sums over minor units, held as bitsets in one Python int.

Pure and dependency-free: the planner's exact selection for one pot of money
(:func:`select_units`), and the best total one account can reach alone when parts of its money
can pay only for some of the units (:func:`best_total`, with suffix limits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import isqrt

# Memory the exact selection may hold in reachable-sum bitsets (bits): 128 MiB.
_STATE_BITS = 1 << 30


class PlanError(ValueError):
    """Input the planner cannot plan with (an unknown priority, a negative amount, ...)."""


def _with_item(reach: int, cost: int, quantity: int, mask: int) -> int:
    """The sums of ``reach`` (a bitset) plus 0..``quantity`` units of ``cost``, up to ``mask``."""
    part = 1
    while quantity > 0:
        take = min(part, quantity)
        reach = (reach | (reach << (take * cost))) & mask
        quantity -= take
        part *= 2
    return reach


def _fits(
    items: Sequence[tuple[int, int]], units: Sequence[int], limits: Mapping[int, int]
) -> bool:
    """Whether taking ``units`` of every item keeps each limited suffix within its limit."""
    suffix = 0
    ends = sorted(limits, reverse=True)
    position = len(items)
    for start in ends:
        for i in range(start, position):
            suffix += items[i][0] * units[i]
        position = start
        if suffix > limits[start]:
            return False
    return True


def select_units(
    items: Sequence[tuple[int, int]], budget: int, limits: Mapping[int, int] | None = None
) -> tuple[int, tuple[int, ...]]:
    """Spend as much of ``budget`` as possible on ``items``, exactly.

    ``items`` are ``(unit_cost, quantity)`` pairs in order of preference. Returns the best total
    (the largest sum of ``units * unit_cost`` that is at most ``budget``) and the units of each
    item. Of all selections with the best total it returns the one that, taking the items in
    order, gives each as many units as the best total still allows (the lexicographically
    largest unit vector). Free units (cost 0) are always taken.

    ``limits`` maps an item index ``j`` to the most the items ``j`` and after may cost together
    (money that can pay only for the later items of the list, as a nested budget); index 0 and
    ``budget`` are the same bound.

    A bounded subset sum over a bitset of reachable sums held in one Python int; the bitsets of
    the suffixes ``items[j:]`` are kept at checkpoints and recomputed a block at a time while the
    choice is read off from the front. Raises :class:`PlanError` for negative inputs.
    """
    limits = dict(limits or {})
    if budget < 0 or any(cost < 0 or quantity < 0 for cost, quantity in items):
        raise PlanError("costs, quantities and the budget must not be negative")
    if any(limit < 0 for limit in limits.values()):
        raise PlanError("limits must not be negative")
    budget = min(budget, limits.pop(0, budget))
    limits = {j: limit for j, limit in limits.items() if 0 < j < len(items) and limit < budget}
    usable = [quantity if cost == 0 else min(quantity, budget // cost) for cost, quantity in items]
    everything = sum(cost * units for (cost, _), units in zip(items, usable, strict=True))
    if everything <= budget and _fits(items, usable, limits):
        return everything, tuple(usable)

    units = [0] * len(items)
    live = [i for i, (cost, _) in enumerate(items) if cost > 0 and usable[i] > 0]
    for i, (cost, _) in enumerate(items):
        if cost == 0:
            units[i] = usable[i]
    count = len(live)
    mask = (1 << (budget + 1)) - 1
    # masks[j]: the limit on the sums of live[j:] (the limits starting after live[j - 1]).
    masks: dict[int, int] = {}
    starts = sorted(limits)
    at = 0
    for j, i in enumerate(live):
        applicable = []
        while at < len(starts) and starts[at] <= i:
            applicable.append(limits[starts[at]])
            at += 1
        if applicable:
            masks[j] = (1 << (min(applicable) + 1)) - 1
    room = max(8, _STATE_BITS // (budget + 1))
    stride = max(1, isqrt(count), -(-count // max(1, room // 2)))
    cache_blocks = stride <= room // 2

    def grow(reach: int, j: int) -> int:
        i = live[j]
        reach = _with_item(reach, items[i][0], usable[i], mask)
        return reach & masks[j] if j in masks else reach

    # checkpoints[j]: the sums reachable with live[j:].
    checkpoints = {count: 1}
    reach = 1
    for j in range(count - 1, -1, -1):
        reach = grow(reach, j)
        if j % stride == 0:
            checkpoints[j] = reach
    best = reach.bit_length() - 1

    target = best
    block: dict[int, int] = {}
    block_end = -1
    for j in range(count):
        if target == 0:
            break
        after = j + 1
        if after in checkpoints:
            suffix = checkpoints[after]
        else:
            floor = after // stride * stride
            end = min(count, floor + stride)
            if cache_blocks:
                if end != block_end:
                    block, reach = {}, checkpoints[end]
                    for k in range(end - 1, floor, -1):
                        reach = grow(reach, k)
                        block[k] = reach
                    block_end = end
                suffix = block[after]
            else:
                suffix = checkpoints[end]
                for k in range(end - 1, j, -1):
                    suffix = grow(suffix, k)
        i = live[j]
        cost = items[i][0]
        take = min(usable[i], target // cost)
        while take and not (suffix >> (target - take * cost)) & 1:
            take -= 1
        units[i] = take
        target -= take * cost
    return best, tuple(units)


def best_total(items: Sequence[tuple[int, int]], budget: int) -> int:
    """The largest sum of ``units * unit_cost`` over ``items`` (``(unit_cost, quantity)``) that
    is at most ``budget``: :func:`select_units`' best total, without reading off the choice."""
    if budget < 0 or any(cost < 0 or quantity < 0 for cost, quantity in items):
        raise PlanError("costs, quantities and the budget must not be negative")
    mask = (1 << (budget + 1)) - 1
    reach = 1
    for cost, quantity in items:
        if cost and quantity:
            reach = _with_item(reach, cost, min(quantity, budget // cost), mask)
            if reach >> budget:
                return budget
    return reach.bit_length() - 1
