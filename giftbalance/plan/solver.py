"""One level of the joint selection as an integer program, solved exactly by OR-Tools CP-SAT.

Only :func:`giftbalance.plan.joint.select_jointly` imports this module, and only for a level whose
bound its own construction did not reach, so ``giftbalance --help`` and one-account plans never
load OR-Tools. It uses CP-SAT's model record and solver directly (``cp_model_helper``, about
0.1 s to import) rather than the ``cp_model`` module, which also imports numpy and pandas
(about 0.5 s).

The model covers the units of the levels up to the one being solved (lower ones cannot change
it): an integer ``x[u, a]`` (units of unit ``u`` bought by account ``a``) for each unit an account
may buy; every unit bought at most ``quantity`` times over all accounts; for every account and
threshold week ``k``, the units of week ``k`` and later cost at most its limit there; each earlier
level spends exactly its optimum (which units do so stays free). The objective is the level's
spend, at most its bound. The search is single-threaded with a deterministic time limit, so the
same model always gives the same answer, and starts from the construction's selection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    # The model is written straight into CP-SAT's own model record: OR-Tools' cp_model module
    # would also import numpy and pandas, three times the cost of the solve on a household.
    from ortools.sat.python import cp_model_helper as cmh

    model = cmh.CpModelProto()
    x: dict[tuple[int, int], int] = {}  # (unit, account) -> the variable's index
    by_unit: dict[int, list[int]] = {}
    level_terms: list[list[tuple[int, int]]] = [[] for _ in range(level + 1)]  # (var, cost)
    for a, options in enumerate(group.options):
        suffix: dict[int, list[tuple[int, int]]] = {week: [] for week in group.thresholds[a]}
        for o in options:
            if o.level > level:
                continue
            most = group.units[o.unit].quantity
            if o.cost:
                most = min(most, group.limit(a, o.release) // o.cost)
            var = len(model.variables)
            model.variables.add().domain.extend([0, most])
            x[o.unit, a] = var
            by_unit.setdefault(o.unit, []).append(var)
            term = (var, o.cost)
            level_terms[o.level].append(term)
            for week in suffix:
                if o.release >= week:
                    suffix[week].append(term)
        for week, terms in suffix.items():
            if terms:
                _linear(model, terms, _INT_MIN, group.limit(a, week))
    for u, variables in by_unit.items():
        if len(variables) > 1:
            _linear(model, [(var, 1) for var in variables], _INT_MIN, group.units[u].quantity)
    for earlier in range(level):
        if level_terms[earlier]:
            _linear(model, level_terms[earlier], spend[earlier], spend[earlier])
    terms = level_terms[level]
    if terms:
        _linear(model, terms, _INT_MIN, bound - sum(spend[:level]))
        # CP-SAT minimises: maximise the level's spend as the minimum of its negation.
        model.objective.vars.extend(var for var, _ in terms)
        model.objective.coeffs.extend(-cost for _, cost in terms)
        model.objective.scaling_factor = -1
    model.solution_hint.vars.extend(x.values())
    model.solution_hint.values.extend(hint.get(key, 0) for key in x)

    parameters = cmh.SatParameters()
    parameters.num_workers = 1
    parameters.max_deterministic_time = DETERMINISTIC_LIMIT if limit is None else limit
    parameters.max_time_in_seconds = SECONDS_LIMIT
    solver = cmh.SolveWrapper()
    solver.set_parameters(parameters)
    solve: Callable[[Any], Any] = solver.solve  # OR-Tools' stubs leave it untyped
    response = solve(model)
    status = response.status
    kept = {key: count for key, count in hint.items() if count and key in x}
    if status not in (cmh.CpSolverStatus.OPTIMAL, cmh.CpSolverStatus.FEASIBLE):
        return kept, False
    values = response.solution
    units = {key: count for key, var in x.items() if (count := values[var])}
    found = sum(values[var] * cost for var, cost in terms)
    if status != cmh.CpSolverStatus.OPTIMAL and found < _level_spend(group, kept, level):
        return kept, False
    return units, status == cmh.CpSolverStatus.OPTIMAL


#: The smallest bound CP-SAT takes: a constraint with only an upper bound starts here.
_INT_MIN = -(2**63)


def _linear(model: Any, terms: Sequence[tuple[int, int]], low: int, high: int) -> None:
    """Add ``low <= sum(cost * var) <= high`` over ``terms`` (pairs of variable index, cost)."""
    linear = model.constraints.add().linear
    linear.vars.extend(var for var, _ in terms)
    linear.coeffs.extend(cost for _, cost in terms)
    linear.domain.extend([low, high])


def _level_spend(group: _Group, units: Mapping[tuple[int, int], int], level: int) -> int:
    return sum(
        units.get((o.unit, a), 0) * o.cost
        for a, options in enumerate(group.options)
        for o in options
        if o.level == level
    )
