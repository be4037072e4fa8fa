"""The joint selection as an integer program, solved exactly by OR-Tools CP-SAT.

Only :func:`giftbalance.plan.joint.select_jointly` imports this module, and only when its bounds
could not prove its own construction optimal, so ``giftbalance --help`` and one-account plans never
load OR-Tools (about 0.4 s).

The model: an integer ``x[u, a]`` (units of unit ``u`` bought by account ``a``) for each unit an
account may buy; every unit bought at most ``quantity`` times over all accounts; for every account
and threshold week ``k``, the units of week ``k`` and later cost at most its limit there. Levels
are maximised one after the other, each fixed at its optimum before the next; then each account
in turn takes the largest share of each level that the optimum allows. The search is
single-threaded with a deterministic time limit, so the same model always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from giftbalance.plan.joint import _Group

#: Work per solve, in CP-SAT's deterministic time units (about seconds on a current core). A
#: solve stopped by it is reported as not proven optimal.
DETERMINISTIC_LIMIT = 30.0
#: A wall-clock guard on top, per solve.
SECONDS_LIMIT = 120.0


def solve_levels(
    group: _Group,
    hint: Mapping[tuple[int, int], int],
    spend: list[int],
    first_open: int,
    bounds: list[int],
) -> tuple[dict[tuple[int, int], int], list[int], bool]:
    """Levels ``0..first_open - 1`` keep the construction's ``spend`` (its bounds proved them);
    the others are maximised in turn. Returns the units, the spend per level and whether every
    solve was proven optimal."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], Any] = {}
    by_unit: dict[int, list[Any]] = {}
    level_terms: list[list[Any]] = [[] for _ in range(group.levels)]
    share_terms: dict[tuple[int, int], list[Any]] = {}
    for a, options in enumerate(group.options):
        suffix: dict[int, list[Any]] = {week: [] for week in group.thresholds[a]}
        for o in options:
            most = group.units[o.unit].quantity
            if o.cost:
                most = min(most, group.limit(a, o.release) // o.cost)
            var = model.new_int_var(0, most, f"x{o.unit}_{a}")
            x[o.unit, a] = var
            by_unit.setdefault(o.unit, []).append(var)
            term = o.cost * var
            level_terms[o.level].append(term)
            share_terms.setdefault((o.level, a), []).append(term)
            for week in suffix:
                if o.release >= week:
                    suffix[week].append(term)
        for week, terms in suffix.items():
            if terms:
                model.add(sum(terms) <= group.limit(a, week))
    for u, variables in by_unit.items():
        if len(variables) > 1:
            model.add(sum(variables) <= group.units[u].quantity)

    current = {key: hint.get(key, 0) for key in x}
    proven = True

    def solve(objective: Any) -> int | None:
        nonlocal current, proven
        model.clear_hints()  # type: ignore[no-untyped-call]
        for key, var in x.items():
            model.add_hint(var, current[key])
        model.maximize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = DETERMINISTIC_LIMIT
        solver.parameters.max_time_in_seconds = SECONDS_LIMIT
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            return None
        if status != cp_model.OPTIMAL:
            proven = False
        current = {key: solver.value(var) for key, var in x.items()}
        return round(solver.objective_value)

    spent = list(spend)
    before = 0
    for level in range(group.levels):
        terms = level_terms[level]
        expression = sum(terms) if terms else 0
        if level >= first_open and terms:
            achieved = _spend(group, current, level)
            if before + achieved < bounds[level]:
                model.add(expression <= bounds[level] - before)
                found = solve(expression)
                achieved = found if found is not None else _spend(group, current, level)
            spent[level] = achieved
        if terms:
            model.add(expression == spent[level])
        before += spent[level]

    # Ties: each account in turn takes the largest share of each level the optimum allows.
    for level in range(group.levels):
        accounts = [a for a in range(len(group.accounts)) if share_terms.get((level, a))]
        for a in accounts[:-1]:
            share = sum(share_terms[level, a])
            room = min(spent[level], group.limit(a, group.thresholds[a][0]))
            mine = _share(group, current, level, a)
            if mine < room:
                found = solve(share)
                mine = found if found is not None else _share(group, current, level, a)
            model.add(share == mine)
    return {key: count for key, count in current.items() if count}, spent, proven


def _spend(group: _Group, units: Mapping[tuple[int, int], int], level: int) -> int:
    return sum(
        units.get((o.unit, a), 0) * o.cost
        for a, options in enumerate(group.options)
        for o in options
        if o.level == level
    )


def _share(group: _Group, units: Mapping[tuple[int, int], int], level: int, a: int) -> int:
    return sum(units.get((o.unit, a), 0) * o.cost for o in group.options[a] if o.level == level)
