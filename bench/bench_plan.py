"""Benchmark: the spend-down planner against OR-Tools CP-SAT on the same selection.

Run with ``.venv/bin/python bench/bench_plan.py`` (``make bench``). For each instance it times
:func:`giftbalance.planner.make_plan` (best of a few runs), solves the same lexicographic
selection with CP-SAT (gap 0: maximise ``must`` spend, fix it, then ``high``, ...), prints both
times and both results, and fails if the planner is ever worse than a solution CP-SAT proved.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from giftbalance.plan.planner import PRIORITIES, PlanAccount, PlanNeed, PlanOptions, make_plan
from giftbalance.values.money import Money, format_money, tax_on

BALANCE = 200_000  # 2,000.00 USD
NEEDS = 10_000
START = date(2026, 3, 2)
RUNS = 3
CPSAT_SECONDS = 20.0  # per priority level


@dataclass(frozen=True)
class Instance:
    name: str
    account: PlanAccount
    needs: list[PlanNeed]


@dataclass(frozen=True)
class Result:
    seconds: float
    spend: tuple[int, ...]  # per priority, must first
    leftover: int
    proven: bool = True


def _account(tax: str) -> PlanAccount:
    return PlanAccount(1, "Bench", "USD", "amazon.com", Decimal(tax), BALANCE, 100)


def _needs(
    rng: random.Random,
    prices: Callable[[random.Random], int],
    count: int = NEEDS,
    priority: str | None = None,
    first_id: int = 1,
) -> list[PlanNeed]:
    created = datetime(2026, 1, 1)
    return [
        PlanNeed(
            need_id=i,
            name=f"need {i}",
            for_member=None,
            priority=priority or rng.choice(PRIORITIES),
            unit_price=prices(rng),
            currency="USD",
            quantity=rng.randint(1, 3),
            need_by=rng.choice([None, START + timedelta(days=rng.randint(0, 80))]),
            created_at=created + timedelta(minutes=rng.randint(0, 10_000)),
            account_id=None,
            store=None,
        )
        for i in range(first_id, first_id + count)
    ]


def instances() -> list[Instance]:
    rng = random.Random(20260302)
    random_prices = _needs(rng, lambda r: r.randint(99, 25_000))
    sevens = _needs(rng, lambda r: 7 * r.randint(15, 3_571))
    near = _needs(rng, lambda r: 33_333 + r.randint(-3, 3))
    big = _needs(rng, lambda r: r.randint(BALANCE // 2 + 1, BALANCE))
    over = [
        PlanNeed(
            0,
            "just over",
            None,
            "must",
            BALANCE + 1,
            "USD",
            1,
            START,
            datetime(2025, 1, 1),
            None,
            None,
        ),
        *_needs(rng, lambda r: r.randint(99, 25_000)),
    ]
    shares = [
        *_needs(rng, lambda r: r.randint(3_000, 9_000), 5, "must", 1),
        *_needs(rng, lambda r: r.randint(1_000, 4_000), 20, "high", 101),
        *_needs(rng, lambda r: r.randint(100, 1_000), 20, "normal", 201),
        *_needs(rng, lambda r: r.randint(99, 25_000), NEEDS - 45, "low", 301),
    ]
    return [
        Instance("10,000 needs, 0.99-250.00, tax 8.875%", _account("8.875"), random_prices),
        Instance("prices all multiples of 0.07, no tax", _account("0"), sevens),
        Instance("one must need just over the balance", _account("8.875"), over),
        Instance("near-duplicates 333.30-333.36, no tax", _account("0"), near),
        Instance("every need over half the balance", _account("0"), big),
        Instance("every priority gets a share, tax 7.25%", _account("7.25"), shares),
    ]


def run_planner(instance: Instance) -> Result:
    options = PlanOptions(start=START, gift_card=False)
    best = float("inf")
    for _ in range(RUNS):
        began = time.perf_counter()
        plan = make_plan([instance.account], instance.needs, options)
        best = min(best, time.perf_counter() - began)
    (account,) = plan.accounts
    spend = tuple(account.spent_by_priority[p] for p in PRIORITIES)
    return Result(best, spend, account.leftover)


def run_cpsat(instance: Instance) -> Result:
    from ortools.sat.python import cp_model

    began = time.perf_counter()
    account = instance.account
    items = []
    for need in instance.needs:
        cost = need.unit_price + tax_on(Money(need.unit_price, "USD"), account.tax_rate).minor
        if cost <= account.balance:
            items.append((need.priority, cost, min(need.quantity, account.balance // cost)))
    fixed: list[int] = []
    proven = True
    for level, priority in enumerate(PRIORITIES):
        model = cp_model.CpModel()
        chosen = [
            (cost, model.new_int_var(0, quantity, f"x{i}"), p)
            for i, (p, cost, quantity) in enumerate(items)
            if PRIORITIES.index(p) <= level
        ]
        model.add(sum(cost * x for cost, x, _ in chosen) <= account.balance)
        for done, amount in zip(PRIORITIES, fixed, strict=False):
            model.add(sum(cost * x for cost, x, p in chosen if p == done) == amount)
        at_level = [cost * x for cost, x, p in chosen if p == priority]
        if not at_level:
            fixed.append(0)
            continue
        model.maximize(sum(at_level))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = CPSAT_SECONDS
        solver.parameters.relative_gap_limit = 0.0
        solver.parameters.absolute_gap_limit = 0.0
        solver.parameters.num_workers = 2
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise RuntimeError(f"CP-SAT found no solution for {instance.name} ({priority})")
        proven = proven and status == cp_model.OPTIMAL
        fixed.append(round(solver.objective_value))
    seconds = time.perf_counter() - began
    return Result(seconds, tuple(fixed), account.balance - sum(fixed), proven)


def _money(minor: int) -> str:
    return format_money(Money(minor, "USD"), code=False, grouping=True)


def _spend(result: Result) -> str:
    return " / ".join(_money(x) for x in result.spend)


def main() -> None:
    print(f"make_plan: best of {RUNS} runs; CP-SAT: model + solve, lexicographic, gap 0, 2 workers")
    print("spend is must / high / normal / low (USD); balance 2,000.00; no gift card\n")
    print(
        "| instance | planner | CP-SAT | planner spend | CP-SAT spend | leftover (planner / CP-SAT) |"
    )
    print("|---|---:|---:|---|---|---|")
    worse = []
    for instance in instances():
        ours = run_planner(instance)
        theirs = run_cpsat(instance)
        mark = "" if theirs.proven else " (not proven optimal)"
        print(
            f"| {instance.name} | {ours.seconds:.3f} s | {theirs.seconds:.2f} s{mark} "
            f"| {_spend(ours)} | {_spend(theirs)} "
            f"| {_money(ours.leftover)} / {_money(theirs.leftover)} |",
            flush=True,
        )
        if ours.spend < theirs.spend or (
            ours.leftover > theirs.leftover and ours.spend == theirs.spend
        ):
            worse.append(instance.name)
        elif theirs.proven and ours.spend != theirs.spend:
            worse.append(f"{instance.name} (differs from a proven optimum)")
    if worse:
        print("\nPLANNER WORSE THAN CP-SAT ON: " + "; ".join(worse))
        sys.exit(1)
    print("\nThe planner is never worse than CP-SAT on priority spend or leftover.")


if __name__ == "__main__":
    main()
