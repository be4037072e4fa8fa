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
(``must``), then, keeping that, on level 1, and so on. Level by level:

1. **A construction, proven by bounds.** Accounts in order each take the exact best they can of
   what is left (a bitset subset sum with the suffix limits, ties to earlier units); if that misses,
   the accounts whose prices run highest go first. Upper bounds on what levels ``0..p`` can spend
   together: the sum over accounts of what each could spend *alone* on every unit it may buy, the
   cost of every unit at its dearest account, and the best subset sum of the level's prices within
   the money left. A construction that reaches a bound is optimal for its level.
2. **An exact solver otherwise** (OR-Tools CP-SAT, imported only then, in
   :mod:`giftbalance.plan.solver`): the level is maximised over the units of the levels so far,
   the earlier levels held at their optimum, starting from the construction. Each account then
   re-picks its units per level and span of weeks, in order of preference, for the same spend
   (:func:`_reselect`). Should the solver stop at its limit before proving the level optimal, the
   selection says so (``proven`` is false) and keeps the best it found.

With a weekly cap, where packing into weeks is a heuristic anyway, the planner gives the solver a
short work limit (``solver_limit``): a level it does not prove in time keeps the best found,
unproven.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from giftbalance.plan.subsetsum import best_total, select_units


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


def _level_bound(group: _Group, level: int, spent: int) -> int:
    """A bound on one level's spend once the levels before it spend ``spent``: the best subset
    sum, within the money all accounts have left together, of the level's units at any account's
    cost (a relaxation: each account's price of a unit counts as a unit of its own)."""
    room = sum(group.limit(a, weeks[0]) for a, weeks in enumerate(group.thresholds) if weeks)
    items = [
        (o.cost, group.units[o.unit].quantity)
        for options in group.options
        for o in options
        if o.level == level and o.cost
    ]
    return best_total(items, max(0, room - spent))


class _State:
    """A selection being built: units per (unit, account), what is left of each unit and of each
    account's limits, and the spend per level."""

    def __init__(self, group: _Group) -> None:
        self.group = group
        self.units: dict[tuple[int, int], int] = {}
        self.left = [unit.quantity for unit in group.units]
        self.rooms = [
            {week: group.limit(a, week) for week in weeks}
            for a, weeks in enumerate(group.thresholds)
        ]
        self.spend = [0] * group.levels

    def copy(self) -> _State:
        other = _State.__new__(_State)
        other.group = self.group
        other.units = dict(self.units)
        other.left = list(self.left)
        other.rooms = [dict(room) for room in self.rooms]
        other.spend = list(self.spend)
        return other

    def take(self, o: _Option, count: int) -> None:
        self.units[o.unit, o.account] = self.units.get((o.unit, o.account), 0) + count
        self.left[o.unit] -= count
        for week in self.rooms[o.account]:
            if o.release >= week:
                self.rooms[o.account][week] -= count * o.cost
        self.spend[o.level] += count * o.cost

    def fill(self, level: int, accounts: Sequence[int]) -> None:
        """Accounts in the given order each take the exact best they can at ``level``."""
        for a in accounts:
            candidates = [
                (o, self.left[o.unit])
                for o in self.group.options[a]
                if o.level == level and self.left[o.unit] > 0
            ]
            if candidates:
                _, chosen = _account_select(self.group, a, candidates, self.rooms[a])
                for (o, _), count in zip(candidates, chosen, strict=True):
                    if count:
                        self.take(o, count)


def _orders(group: _Group) -> list[list[int]]:
    """The account orders a construction tries: the given order first; then the accounts whose
    units cost the most first (spend counts tax, so a unit bought where its tax is highest counts
    for more), the given order breaking ties."""
    given = list(range(len(group.accounts)))
    rates = sorted(given, key=lambda a: -_rate(group, a))
    return [given] if rates == given else [given, rates]


def _rate(group: _Group, a: int) -> float:
    """How much an account's costs run above the cheapest account's, on the units they share."""
    cheapest: dict[int, int] = {}
    for options in group.options:
        for o in options:
            cheapest[o.unit] = min(cheapest.get(o.unit, o.cost), o.cost)
    mine = [(o.cost, cheapest[o.unit]) for o in group.options[a] if o.cost]
    return sum(cost for cost, _ in mine) / max(1, sum(low for _, low in mine))


def select_jointly(
    units: Sequence[JointUnit],
    accounts: Sequence[JointAccount],
    *,
    solver_limit: float | None = None,
) -> JointSelection:
    """The lexicographic optimum of spend per level over ``accounts`` together (see the module
    docstring). ``units`` come in order of preference (earlier units win ties) and ``accounts``
    in account order (earlier accounts pay when there is a choice). ``solver_limit``: the
    solver's work limit per level (deterministic seconds; ``None``: its full limit);
    ``proven`` says whether every level was proven."""
    group = _Group(units, accounts)
    bounds = _bounds(group)
    orders = _orders(group)
    state = _State(group)
    proven, method = True, "bounds"
    reached = 0
    for level in range(group.levels):
        best: _State | None = None
        for order in orders:
            attempt = state.copy()
            attempt.fill(level, order)
            if best is None or attempt.spend[level] > best.spend[level]:
                best = attempt
            if reached + attempt.spend[level] >= bounds[level]:
                break
        assert best is not None
        bound = bounds[level]
        if reached + best.spend[level] < bound:
            bound = min(bound, reached + _level_bound(group, level, reached))
        if reached + best.spend[level] < bound:
            from giftbalance.plan.solver import solve_level

            method = "solver"
            solved, shown = solve_level(
                group, best.units, best.spend, level, bound, limit=solver_limit
            )
            proven = proven and shown
            best = _State(group)
            for a, options in enumerate(group.options):
                for o in options:
                    count = solved.get((o.unit, a), 0)
                    if count:
                        best.take(o, count)
        state = best
        reached += state.spend[level]
    chosen = state.units if method == "bounds" else _reselect(group, state.units)
    return JointSelection(chosen, tuple(state.spend), proven, method)


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
