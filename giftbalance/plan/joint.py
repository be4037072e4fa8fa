"""The exact selection when several pots of money compete for the same units.

Pure: plain records in, a selection out; no database, no click. The planner calls
:func:`select_jointly` for every group of accounts of one currency that share units, and for one
account whose expiring money can pay for only some of its units.

The problem, per group: each *unit* (a need, or one occurrence of a recurring need) is wanted
``quantity`` times, has a priority level and a release week (its occurrence's week; 0 for plain
needs), and costs each account that may buy it that account's price with tax. An account's money
is limited per release week: ``limits[k]`` is the most the units of week ``k`` and later may cost
together (the money still alive in week ``k``, and with a weekly cap at most ``cap * (weeks -
k)``). Without a cap, units bought in their release week can be paid exactly when every such
suffix fits its limit, spending the soonest-expiring money first.

The selection is the lexicographic optimum over all accounts together: the most spend on level 0
(``must``), then, keeping that, on level 1, and so on. It is found in two steps:

1. **A proof by bounds.** For each level ``p``, an upper bound on what levels ``0..p`` can spend
   together: the smaller of the sum over accounts of what each could spend *alone* on every unit
   it may buy (an exact bitset subset sum with the suffix limits), and the cost of every unit at its
   dearest account. A construction (level by level, accounts in order, each taking the exact best
   it can from what is left, ties to earlier units) that reaches every bound is optimal.
2. **An exact solver otherwise** (OR-Tools CP-SAT, imported only then, in
   :mod:`giftbalance.plan.solver`): the levels are maximised one after the other, each fixed at its
   optimum before the next; then, level by level, each account in order takes as large a share as
   the optimum allows. The construction is its starting hint. Should the solver stop at its limit
   before proving a level optimal, the selection says so (``proven`` is false).

Ties between plans with the same spend per level: accounts earlier in the order take as large a
share as they can (money expiring first, then by name), and within each account's share per level
and week the units come in the caller's preference order, as many of the earlier ones as the share
allows (:func:`giftbalance.plan.subsetsum.select_units`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from giftbalance.plan.subsetsum import select_units


@dataclass(frozen=True, slots=True)
class JointUnit:
    """One unit to plan: wanted ``quantity`` times, at priority ``level`` (0 first), from week
    ``release`` on."""

    quantity: int
    level: int
    release: int


@dataclass(frozen=True, slots=True)
class JointAccount:
    """One account: what each unit it may buy costs it, and its money per release week."""

    #: Unit index -> cost of one unit on this account (price plus this account's tax).
    costs: Mapping[int, int]
    #: ``limits[k]``: the most the units of week ``k`` and later may cost together (non-increasing).
    limits: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class JointSelection:
    """Units per (unit index, account index), the spend per level, and whether it is proven."""

    units: Mapping[tuple[int, int], int]
    spend: tuple[int, ...]
    #: False only when the solver stopped at its limit before proving a level optimal.
    proven: bool
    #: How the optimum was shown: ``"bounds"`` (no solver needed) or ``"solver"``.
    method: str


@dataclass(slots=True)
class _Option:
    unit: int
    account: int
    cost: int
    release: int
    level: int


class _Group:
    """The units and accounts of one selection, with each account's thresholds."""

    def __init__(self, units: Sequence[JointUnit], accounts: Sequence[JointAccount]) -> None:
        self.units = units
        self.accounts = accounts
        self.levels = 1 + max((u.level for u in units), default=0)
        self.options: list[list[_Option]] = []
        self.thresholds: list[list[int]] = []
        for a, account in enumerate(accounts):
            mine = []
            for u, cost in sorted(account.costs.items()):
                unit = units[u]
                if unit.quantity > 0 and cost <= account.limits[unit.release]:
                    mine.append(_Option(u, a, cost, unit.release, unit.level))
            self.options.append(mine)
            # Only the release weeks of its units matter, and a week whose limit is no smaller
            # than an earlier one's is implied by it.
            kept: list[int] = []
            for week in sorted({o.release for o in mine}):
                if not kept or account.limits[week] < account.limits[kept[-1]]:
                    kept.append(week)
            self.thresholds.append(kept)

    def limit(self, a: int, week: int) -> int:
        return self.accounts[a].limits[week]


def _account_select(
    group: _Group,
    a: int,
    candidates: Sequence[tuple[_Option, int]],
    room: Mapping[int, int],
) -> tuple[int, list[int]]:
    """Account ``a`` alone: the exact best on ``candidates`` ((option, units available), in order
    of preference) within ``room`` (threshold week -> what is left of its limit)."""
    order = sorted(range(len(candidates)), key=lambda i: candidates[i][0].release)
    items = [(candidates[i][0].cost, candidates[i][1]) for i in order]
    releases = [candidates[i][0].release for i in order]
    weeks = group.thresholds[a]
    if not items or not weeks:
        return 0, [0] * len(candidates)
    limits: dict[int, int] = {}
    position = 0
    for week in weeks:
        while position < len(items) and releases[position] < week:
            position += 1
        if position < len(items):
            limits[position] = min(limits.get(position, room[week]), room[week])
    total, chosen = select_units(items, limits[0], limits)
    units = [0] * len(candidates)
    for i, count in zip(order, chosen, strict=True):
        units[i] = count
    return total, units


def _bounds(group: _Group) -> list[int]:
    """For each level ``p``: an upper bound on what levels ``0..p`` can spend together."""
    bounds = []
    alone = [0] * len(group.accounts)
    dearest: dict[int, int] = {}
    for options in group.options:
        for o in options:
            dearest[o.unit] = max(dearest.get(o.unit, 0), o.cost)
    everything = 0
    for level in range(group.levels):
        everything += sum(
            group.units[u].quantity * cost
            for u, cost in dearest.items()
            if group.units[u].level == level
        )
        for a, options in enumerate(group.options):
            weeks = group.thresholds[a]
            if not weeks or alone[a] == group.limit(a, weeks[0]):
                continue  # already full: more levels cannot add to it
            candidates = [(o, group.units[o.unit].quantity) for o in options if o.level <= level]
            room = {week: group.limit(a, week) for week in weeks}
            alone[a], _ = _account_select(group, a, candidates, room)
        bounds.append(min(sum(alone), everything))
    return bounds


def _construct(group: _Group) -> tuple[dict[tuple[int, int], int], list[int]]:
    """Level by level, accounts in order, each taking the exact best it can from what is left."""
    left = [unit.quantity for unit in group.units]
    rooms = [
        {week: group.limit(a, week) for week in weeks} for a, weeks in enumerate(group.thresholds)
    ]
    units: dict[tuple[int, int], int] = {}
    spend = [0] * group.levels
    for level in range(group.levels):
        for a, options in enumerate(group.options):
            candidates = [
                (o, left[o.unit]) for o in options if o.level == level and left[o.unit] > 0
            ]
            if not candidates:
                continue
            total, chosen = _account_select(group, a, candidates, rooms[a])
            for (o, _), count in zip(candidates, chosen, strict=True):
                if count:
                    units[o.unit, a] = units.get((o.unit, a), 0) + count
                    left[o.unit] -= count
                    for week in rooms[a]:
                        if o.release >= week:
                            rooms[a][week] -= count * o.cost
            spend[level] += total
    return units, spend


def select_jointly(units: Sequence[JointUnit], accounts: Sequence[JointAccount]) -> JointSelection:
    """The lexicographic optimum of spend per level over ``accounts`` together (see the module
    docstring). ``units`` come in order of preference (earlier units win ties) and ``accounts``
    in account order (earlier accounts pay when there is a choice)."""
    group = _Group(units, accounts)
    chosen, spend = _construct(group)
    bounds = _bounds(group)
    reached = 0
    first_open = None
    for level in range(group.levels):
        reached += spend[level]
        if reached < bounds[level]:
            first_open = level
            break
    if first_open is None:
        return JointSelection(chosen, tuple(spend), True, "bounds")

    from giftbalance.plan.solver import solve_levels

    solved, solved_spend, proven = solve_levels(group, chosen, spend, first_open, bounds)
    return JointSelection(_reselect(group, solved), tuple(solved_spend), proven, "solver")


def _reselect(group: _Group, solved: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """The same shares, chosen by preference: each account in turn, per level and per span of
    release weeks between its thresholds, re-picks its units from those the solver gave it and
    those nobody took, spending exactly what the solver's choice spent there."""
    taken = [0] * len(group.units)
    for (u, _), count in solved.items():
        taken[u] += count
    left = [unit.quantity - taken[u] for u, unit in enumerate(group.units)]
    result: dict[tuple[int, int], int] = {}
    for a, options in enumerate(group.options):
        weeks = group.thresholds[a]
        spans: dict[tuple[int, int], list[_Option]] = {}
        for o in options:
            span = sum(1 for week in weeks if week <= o.release)
            spans.setdefault((o.level, span), []).append(o)
        for key in sorted(spans):
            cell = spans[key]
            target = sum(solved.get((o.unit, a), 0) * o.cost for o in cell)
            candidates = [(o, solved.get((o.unit, a), 0) + left[o.unit]) for o in cell]
            if target == 0 and not any(o.cost == 0 and n for o, n in candidates):
                continue
            items = [(o.cost, available) for o, available in candidates]
            total, counts = select_units(items, target)
            assert total == target  # the solver's own choice reaches it
            for (o, _), count in zip(candidates, counts, strict=True):
                mine = solved.get((o.unit, a), 0)
                left[o.unit] += mine - count
                if count:
                    result[o.unit, a] = count
    return result
