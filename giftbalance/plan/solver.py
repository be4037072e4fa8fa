"""One level of the joint selection as an integer program, solved exactly by OR-Tools CP-SAT.

Only :func:`giftbalance.plan.joint.select_jointly` imports this module, and only for a level whose
bound its own construction did not reach, so ``giftbalance --help`` and one-account plans never
load OR-Tools (about 0.4 s).

The model covers the units of the levels up to the one being solved (lower ones cannot change
it): an integer ``x[u, a]`` (units of unit ``u`` bought by account ``a``) for each unit an account
may buy; every unit bought at most ``quantity`` times over all accounts; for every account and
threshold week ``k``, the units of week ``k`` and later cost at most its limit there; each earlier
level spends exactly its optimum (which units do so stays free). The objective is the level's
spend, at most its bound. The search is single-threaded with a deterministic time limit, so the
same model always gives the same answer, and starts from the construction's selection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from giftbalance.plan.joint import _Group

#: Work per solve, in CP-SAT's deterministic time units (about seconds on a current core). A
#: solve stopped by it is reported as not proven optimal.
DETERMINISTIC_LIMIT = 30.0
#: A wall-clock guard on top.
SECONDS_LIMIT = 120.0


def solve_level(
    group: _Group,
    hint: Mapping[tuple[int, int], int],
    spend: Sequence[int],
    level: int,
    bound: int,
    *,
    limit: float | None = None,
) -> tuple[dict[tuple[int, int], int], bool]:
    """Maximise the spend of ``level`` with every earlier level at ``spend`` (its optimum) and
    all levels up to ``level`` costing at most ``bound`` together; ``hint`` is a feasible
    selection to start from; ``limit``: the work limit (deterministic seconds), by default
    :data:`DETERMINISTIC_LIMIT`. Returns the units of levels ``0..level`` and whether the result
    is proven optimal (else it is the best found, never worse than the hint)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], Any] = {}
    by_unit: dict[int, list[Any]] = {}
    level_terms: list[list[Any]] = [[] for _ in range(level + 1)]
    for a, options in enumerate(group.options):
        suffix: dict[int, list[Any]] = {week: [] for week in group.thresholds[a]}
        for o in options:
            if o.level > level:
                continue
            most = group.units[o.unit].quantity
            if o.cost:
                most = min(most, group.limit(a, o.release) // o.cost)
            var = model.new_int_var(0, most, f"x{o.unit}_{a}")
            x[o.unit, a] = var
            by_unit.setdefault(o.unit, []).append(var)
            term = o.cost * var
            level_terms[o.level].append(term)
            for week in suffix:
                if o.release >= week:
                    suffix[week].append(term)
        for week, terms in suffix.items():
            if terms:
                model.add(sum(terms) <= group.limit(a, week))
    for u, variables in by_unit.items():
        if len(variables) > 1:
            model.add(sum(variables) <= group.units[u].quantity)
    for earlier in range(level):
        if level_terms[earlier]:
            model.add(sum(level_terms[earlier]) == spend[earlier])
    objective = sum(level_terms[level])
    model.add(objective + sum(spend[:level]) <= bound)
    for key, var in x.items():
        model.add_hint(var, hint.get(key, 0))
    model.maximize(objective)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = DETERMINISTIC_LIMIT if limit is None else limit
    solver.parameters.max_time_in_seconds = SECONDS_LIMIT
    status = solver.solve(model)
    kept = {key: count for key, count in hint.items() if count and key in x}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return kept, False
    units = {key: count for key, var in x.items() if (count := solver.value(var))}
    if status != cp_model.OPTIMAL and solver.objective_value < _level_spend(group, kept, level):
        return kept, False
    return units, status == cp_model.OPTIMAL


def _level_spend(group: _Group, units: Mapping[tuple[int, int], int], level: int) -> int:
    return sum(
        units.get((o.unit, a), 0) * o.cost
        for a, options in enumerate(group.options)
        for o in options
        if o.level == level
    )
