"""Properties of the planner on random small instances, checked against plain brute force.

The brute force below knows nothing of the planner's algorithm: it tries every multiset of units
and keeps the best vector of spend per priority (compared must first, then high, normal, low).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from giftbalance.plan.planner import (
    NO_ROOM_IN_WEEKS,
    ExpiringLot,
    ExpiryShortfall,
    Plan,
    PlanAccount,
    PlanNeed,
    PlanOptions,
    make_plan,
    select_units,
)

PRIORITIES = ("must", "high", "normal", "low")
START = date(2026, 3, 2)
RATES = (Decimal(0), Decimal(5), Decimal("7.25"), Decimal("8.875"), Decimal("10.5"))
MAX_UNITS = 14


def unit_cost(price: int, rate: Decimal) -> int:
    tax = (Decimal(price) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return price + int(tax)


def weekly_dates(first: date, weeks: int) -> list[date]:
    """The dates of FREQ=WEEKLY from ``first`` inside the horizon (``first`` is not before START)."""
    end = START + timedelta(days=7 * weeks)
    return [
        first + timedelta(days=7 * k)
        for k in range(weeks + 1)
        if first + timedelta(days=7 * k) < end
    ]


@dataclass(frozen=True)
class Instance:
    accounts: tuple[PlanAccount, ...]
    needs: tuple[PlanNeed, ...]
    options: PlanOptions


def draw_recurrence(
    draw: st.DrawFn, weeks: int, quantity: int, units_left: int, recurring: bool
) -> tuple[str | None, date | None, int]:
    """A weekly rule and first date when ``recurring`` and its units still fit in
    ``units_left``; returns the rule, the first date and the units the need then wants."""
    rule, next_date = None, None
    if recurring:
        first = START + timedelta(days=draw(st.integers(0, 7 * weeks - 1)))
        if quantity * len(weekly_dates(first, weeks)) <= units_left:
            rule, next_date = "FREQ=WEEKLY", first
    units = quantity * (len(weekly_dates(next_date, weeks)) if next_date else 1)
    return rule, next_date, units


@st.composite
def needs_strategy(
    draw: st.DrawFn, weeks: int, account_ids: Sequence[int] = (), recurring_odds: int = 1
) -> tuple[PlanNeed, ...]:
    """Up to MAX_UNITS units in all, over plain needs and weekly recurring ones (about
    ``recurring_odds`` in 4)."""
    needs: list[PlanNeed] = []
    units_left = MAX_UNITS
    for need_id in range(1, draw(st.integers(0, 8)) + 1):
        quantity = draw(st.integers(1, 3))
        need_by = draw(st.none() | st.integers(-3, 7 * weeks + 3))
        recurring = draw(st.integers(0, 3)) < recurring_odds
        rule, next_date, units = draw_recurrence(draw, weeks, quantity, units_left, recurring)
        if units > units_left:
            break
        units_left -= units
        needs.append(
            PlanNeed(
                need_id=need_id,
                name=f"need {need_id}",
                for_member=draw(st.sampled_from([None, "ann", "bo"])),
                priority=draw(st.sampled_from(PRIORITIES)),
                unit_price=draw(st.integers(0, 3_000) | st.sampled_from([700, 1_400, 2_100])),
                currency="USD",
                quantity=quantity,
                need_by=None if need_by is None else START + timedelta(days=need_by),
                created_at=datetime(2026, 1, 1) + timedelta(days=draw(st.integers(0, 2))),
                account_id=draw(st.sampled_from([None, *account_ids])),
                store=None,
                rule=rule,
                next_date=next_date,
            )
        )
    return tuple(needs)


@st.composite
def single_account(
    draw: st.DrawFn, *, gift_card: bool | None = False, lots: bool = False
) -> Instance:
    """One account; ``gift_card=None`` draws it; ``lots`` adds expiring money."""
    weeks = draw(st.integers(1, 4))
    balance = draw(st.integers(0, 9_000))
    expiring: tuple[ExpiringLot, ...] = ()
    if lots:
        expiring = tuple(
            ExpiringLot(
                # often most of the balance, so that what is bought late cannot use it
                draw(st.sampled_from([balance, balance * 3 // 4]) | st.integers(0, balance)),
                START + timedelta(days=draw(st.integers(-2, 7 * weeks + 3))),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
    account = PlanAccount(
        account_id=1,
        name="Amazon",
        currency="USD",
        store="amazon.com",
        tax_rate=draw(st.sampled_from(RATES)),
        balance=balance,
        gift_card_minimum=draw(st.sampled_from([0, 100, 2_500])),
        expiring=expiring,
    )
    options = PlanOptions(
        start=START,
        weeks=weeks,
        weekly_cap=draw(st.none() | st.integers(0, 4_000)),
        gift_card=draw(st.booleans()) if gift_card is None else gift_card,
        members=draw(st.sampled_from([(), ("ann", "bo")])),
    )
    needs = draw(needs_strategy(weeks, recurring_odds=2 if lots else 1))
    return Instance((account,), needs, options)


# --- the brute force --------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    need: PlanNeed
    occurrence: date | None
    cost: int


def slots_of(instance: Instance, account: PlanAccount) -> list[Slot]:
    slots = []
    for need in instance.needs:
        days: list[date | None] = (
            list(weekly_dates(need.next_date, instance.options.weeks)) if need.next_date else [None]
        )
        for day in days:
            slots.append(Slot(need, day, unit_cost(need.unit_price, account.tax_rate)))
    return slots


def brute_force(slots: list[Slot], budget: int, cap: int | None) -> tuple[int, ...]:
    """The best spend per priority over every multiset of units costing at most ``budget``."""
    usable = [s for s in slots if cap is None or s.cost <= cap]
    best: tuple[int, ...] = (0, 0, 0, 0)
    for units in itertools.product(*(range(s.need.quantity + 1) for s in usable)):
        if sum(u * s.cost for u, s in zip(units, usable, strict=True)) > budget:
            continue
        vector = tuple(
            sum(u * s.cost for u, s in zip(units, usable, strict=True) if s.need.priority == level)
            for level in PRIORITIES
        )
        best = max(best, vector)
    return best


# --- invariants every plan keeps --------------------------------------------------------------


def check_invariants(plan: Plan, instance: Instance) -> None:
    options = instance.options
    weeks = [START + timedelta(days=7 * w) for w in range(options.weeks)]
    by_id = {a.account_id: a for a in instance.accounts}
    needs = {n.need_id: n for n in instance.needs}
    units_per_slot: dict[tuple[int, date | None], int] = {}
    for result in plan.accounts:
        account = by_id[result.account_id]
        assert result.balance == account.balance
        card = result.gift_card
        assert [o.week for o in result.orders] == sorted({o.week for o in result.orders})
        paid, card_paid = 0, card is None
        spent = dict.fromkeys(PRIORITIES, 0)
        spend_per_week = dict.fromkeys(weeks, 0)
        for order in result.orders:
            assert order.week in weeks
            assert order.lines
            assert order.total == sum(line.total for line in order.lines)
            for line in order.lines:
                need = needs[line.need_id]
                assert need.account_id in (None, account.account_id)
                assert need.currency == account.currency
                assert line.units >= 1 and line.week == order.week
                assert line.unit_price == need.unit_price
                assert line.unit_price + line.tax == unit_cost(need.unit_price, account.tax_rate)
                assert line.total == line.units * (line.unit_price + line.tax)
                assert line.late == (line.need_by is not None and order.week > line.need_by)
                if line.occurrence is not None:
                    # never in a week before the one holding the occurrence
                    assert line.occurrence < order.week + timedelta(days=7)
                    assert line.need_by == line.occurrence
                units_per_slot[line.need_id, line.occurrence] = (
                    units_per_slot.get((line.need_id, line.occurrence), 0) + line.units
                )
                spent[line.priority] += line.total
            if card is not None and not card_paid and card.week < order.week:
                paid, card_paid = paid + card.amount, True
            paid += order.total
            assert order.balance_after == account.balance - paid >= 0
            spend_per_week[order.week] += order.total
        assert dict(result.spent_by_priority) == spent
        gift = 0
        if card is not None:
            gift = card.amount
            assert card.week in weeks
            assert options.gift_card and gift > 0 and gift >= account.gift_card_minimum
            assert card.for_member in (options.members or (None,))
            spend_per_week[card.week] += gift
        assert sum(spent.values()) + gift + result.leftover == account.balance
        assert result.leftover >= 0
        assert sum(spent.values()) <= result.budget <= account.balance
        if options.weekly_cap is not None:
            assert all(total <= options.weekly_cap for total in spend_per_week.values())
        assert result.late == tuple(line for o in result.orders for line in o.lines if line.late)
        check_money_lasts(account, spend_per_week, result.expiring_unused, options)
    for (need_id, _), units in units_per_slot.items():
        assert units <= needs[need_id].quantity


def pay_soonest_first(
    account: PlanAccount, spend_per_week: dict[date, int]
) -> tuple[list[int], list[date], int]:
    """Pay each week's spend from the money alive on its first day, soonest-expiring first.
    Returns what is left of each part (the lots, soonest first and clipped to the balance, then
    the rest, which never expires), their expiry dates, and what could not be paid."""
    amounts: list[int] = []
    expiries: list[date] = []
    for lot in sorted(account.expiring, key=lambda lot: lot.expires_on):
        amounts.append(min(lot.amount, account.balance - sum(amounts)))
        expiries.append(lot.expires_on)
    amounts.append(account.balance - sum(amounts))
    expiries.append(date.max)
    short = 0
    for week in sorted(spend_per_week):
        due = spend_per_week[week]
        for i, expires in enumerate(expiries):
            if expires > week:
                used = min(amounts[i], due)
                amounts[i] -= used
                due -= used
        short += due
    return amounts, expiries, short


def check_money_lasts(
    account: PlanAccount,
    spend_per_week: dict[date, int],
    reported: Sequence[ExpiryShortfall],
    options: PlanOptions,
) -> None:
    """Pay each week from money alive on its first day, soonest-expiring first: it never runs
    short, and what is left of each expiring part on its date is what the plan reports."""
    amounts, expiries, short = pay_soonest_first(account, spend_per_week)
    assert short == 0, "a week's orders are paid with money that has expired"
    horizon_end = START + timedelta(days=7 * options.weeks)
    lost: dict[date, int] = {}
    for amount, expires in zip(amounts[:-1], expiries[:-1], strict=True):
        if amount and expires <= horizon_end:
            lost[expires] = lost.get(expires, 0) + amount
    assert [(s.expires_on, s.amount) for s in reported] == sorted(lost.items())


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(single_account())
def test_the_selection_matches_brute_force(instance: Instance) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)
    (account,), (result,) = instance.accounts, plan.accounts
    cap, weeks = instance.options.weekly_cap, instance.options.weeks
    budget = account.balance if cap is None else min(account.balance, cap * weeks)
    slots = slots_of(instance, account)
    best = brute_force(slots, budget, cap)

    cost = {s.need.need_id: s.cost for s in slots}
    dropped = dict.fromkeys(PRIORITIES, 0)  # selected, but no week had room under the cap
    for missing in result.unplanned:
        if missing.reason == NO_ROOM_IN_WEEKS:
            dropped[next(s.need.priority for s in slots if s.need.need_id == missing.need_id)] += (
                missing.units * cost[missing.need_id]
            )
    selected = tuple(result.spent_by_priority[p] + dropped[p] for p in PRIORITIES)
    assert selected == best
    if not any(dropped.values()):
        assert tuple(result.spent_by_priority[p] for p in PRIORITIES) == best
        assert result.leftover == account.balance - sum(best)
    # every unit wanted is either planned or reported
    planned = sum(line.units for o in result.orders for line in o.lines)
    reported = sum(u.units for u in result.unplanned)
    assert planned + reported == sum(s.need.quantity for s in slots)


@settings(max_examples=150, deadline=None)
@given(single_account(gift_card=True))
def test_the_gift_card_takes_what_is_left(instance: Instance) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)
    (account,), (result,) = instance.accounts, plan.accounts
    spent = sum(result.spent_by_priority.values())
    left = account.balance - spent
    if instance.options.weekly_cap is None:
        if left > 0 and left >= account.gift_card_minimum:
            assert result.gift_card is not None and result.gift_card.amount == left
            assert result.leftover == 0
        else:
            assert result.gift_card is None and result.leftover == left


@settings(max_examples=300, deadline=None)
@given(single_account(gift_card=None, lots=True))
def test_expiring_money_is_never_overspent_and_shortfalls_are_exact(instance: Instance) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)


@st.composite
def several_accounts(draw: st.DrawFn) -> Instance:
    weeks = draw(st.integers(1, 3))
    accounts = tuple(
        PlanAccount(
            account_id=i,
            name=draw(st.sampled_from(["a", "b", "B"])) + str(i),
            currency=draw(st.sampled_from(["USD", "USD", "EUR"])),
            store="amazon.com",
            tax_rate=draw(st.sampled_from(RATES)),
            balance=draw(st.integers(0, 5_000)),
            gift_card_minimum=100,
        )
        for i in range(1, draw(st.integers(1, 3)) + 1)
    )
    options = PlanOptions(
        start=START,
        weeks=weeks,
        weekly_cap=draw(st.none() | st.integers(500, 3_000)),
        gift_card=draw(st.booleans()),
        members=("ann", "bo"),
    )
    return Instance(
        accounts, draw(needs_strategy(weeks, [a.account_id for a in accounts])), options
    )


@settings(max_examples=150, deadline=None)
@given(several_accounts(), st.randoms(use_true_random=False))
def test_several_accounts_never_plan_a_unit_twice_and_ignore_input_order(
    instance: Instance, rng: random.Random
) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)
    accounts, needs = list(instance.accounts), list(instance.needs)
    rng.shuffle(accounts)
    rng.shuffle(needs)
    assert make_plan(accounts, needs, instance.options) == plan


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3)), max_size=7),
    st.integers(0, 200),
)
def test_select_units_is_exact_and_prefers_earlier_items(
    items: list[tuple[int, int]], budget: int
) -> None:
    total, units = select_units(items, budget)
    best_total = -1
    best_units: tuple[int, ...] = ()
    for candidate in itertools.product(*(range(q + 1) for _, q in items)):
        spend = sum(u * c for u, (c, _) in zip(candidate, items, strict=True))
        # free units are always taken, so compare only selections that take them
        if spend <= budget and all(
            u == q for u, (c, q) in zip(candidate, items, strict=True) if c == 0
        ):
            best_total, best_units = max((best_total, best_units), (spend, candidate))
    assert (total, units) == (best_total, best_units)


# --- several accounts and expiring money, against a brute force over every assignment --------

CURRENCIES = ("USD", "EUR", "GBP")
STORES = ("amazon.com", "target.com", "")
MAX_JOINT_UNITS = 7


@st.composite
def joint_instance(draw: st.DrawFn) -> Instance:
    """1-3 accounts in 1-3 currencies, some with expiring money; pinned, store-specific and free
    needs, some recurring weekly so that occurrences fall before and after an expiry; no cap."""
    weeks = draw(st.integers(1, 3))
    accounts = []
    for account_id in range(1, draw(st.integers(1, 3)) + 1):
        balance = draw(st.integers(0, 5_000))
        lots = tuple(
            ExpiringLot(
                draw(st.sampled_from([balance, balance // 2]) | st.integers(0, balance)),
                START + timedelta(days=draw(st.integers(1, 7 * weeks))),
            )
            for _ in range(draw(st.integers(0, 2)))
        )
        accounts.append(
            PlanAccount(
                account_id=account_id,
                name=draw(st.sampled_from(["a", "b"])) + str(account_id),
                currency=draw(st.sampled_from(CURRENCIES[: draw(st.integers(1, 3))])),
                store=draw(st.sampled_from(STORES)),
                tax_rate=draw(st.sampled_from(RATES)),
                balance=balance,
                gift_card_minimum=100,
                expiring=lots,
            )
        )
    needs: list[PlanNeed] = []
    units_left = MAX_JOINT_UNITS
    for need_id in range(1, draw(st.integers(1, 6)) + 1):
        quantity = draw(st.integers(1, 2))
        recurring = draw(st.booleans())
        rule, next_date, units = draw_recurrence(draw, weeks, quantity, units_left, recurring)
        if units > units_left:
            break
        units_left -= units
        needs.append(
            PlanNeed(
                need_id=need_id,
                name=f"need {need_id}",
                for_member=None,
                priority=draw(st.sampled_from(PRIORITIES)),
                unit_price=draw(st.integers(0, 3_000) | st.sampled_from([700, 1_000, 1_400])),
                currency=draw(st.sampled_from([a.currency for a in accounts])),
                quantity=quantity,
                need_by=None,
                created_at=datetime(2026, 1, 1) + timedelta(days=draw(st.integers(0, 2))),
                account_id=draw(st.sampled_from([None, None, *[a.account_id for a in accounts]])),
                store=draw(st.sampled_from([None, None, "amazon.com", "target.com"])),
                rule=rule,
                next_date=next_date,
            )
        )
    options = PlanOptions(start=START, weeks=weeks, gift_card=draw(st.booleans()))
    return Instance(tuple(accounts), tuple(needs), options)


def may_buy(account: PlanAccount, need: PlanNeed) -> bool:
    stores = {(need.store or "").strip().casefold(), account.store.strip().casefold()}
    return (
        need.account_id in (None, account.account_id)
        and need.currency == account.currency
        and (len(stores) == 1 or "" in stores)
    )


def pays(account: PlanAccount, spend_per_week: dict[date, int]) -> bool:
    """Whether each week's spend can be paid from money alive on its first day."""
    return pay_soonest_first(account, spend_per_week)[2] == 0


def joint_brute_force(instance: Instance, currency: str) -> tuple[int, ...]:
    """The best spend per priority, over every assignment of each unit to an account that may
    buy it, or to none; a unit is bought in the week of its occurrence (plain needs: the first)."""
    accounts = [a for a in instance.accounts if a.currency == currency]
    choices = []  # per (need, occurrence): every way to split its units over the accounts
    for need in instance.needs:
        days = weekly_dates(need.next_date, instance.options.weeks) if need.next_date else [START]
        able = [a for a in accounts if may_buy(a, need)]
        for day in days:
            week = START + timedelta(days=7 * ((day - START).days // 7))
            splits = [
                split
                for split in itertools.product(range(need.quantity + 1), repeat=len(able))
                if sum(split) <= need.quantity
            ]
            choices.append((need, week, able, splits))
    best = (0, 0, 0, 0)
    for combination in itertools.product(*(splits for *_, splits in choices)):
        spend = {a.account_id: {} for a in accounts}  # type: dict[int, dict[date, int]]
        vector = [0, 0, 0, 0]
        for (need, week, able, _), split in zip(choices, combination, strict=True):
            for account, units in zip(able, split, strict=True):
                if units:
                    cost = units * unit_cost(need.unit_price, account.tax_rate)
                    weekly = spend[account.account_id]
                    weekly[week] = weekly.get(week, 0) + cost
                    vector[PRIORITIES.index(need.priority)] += cost
        if tuple(vector) > best and all(pays(a, spend[a.account_id]) for a in accounts):
            best = tuple(vector)
    return best


@settings(max_examples=300, deadline=None)
@given(joint_instance(), st.randoms(use_true_random=False))
def test_joint_plans_reach_the_brute_force_optimum_per_currency(
    instance: Instance, rng: random.Random
) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)
    by_id = {a.account_id: a for a in instance.accounts}
    for currency in {a.currency for a in instance.accounts}:
        spent = tuple(
            sum(
                result.spent_by_priority[level]
                for result in plan.accounts
                if by_id[result.account_id].currency == currency
            )
            for level in PRIORITIES
        )
        assert spent == joint_brute_force(instance, currency)
    assert all(result.proven_optimal for result in plan.accounts)
    accounts, needs = list(instance.accounts), list(instance.needs)
    rng.shuffle(accounts)
    rng.shuffle(needs)
    assert make_plan(accounts, needs, instance.options) == plan


@st.composite
def capped_joint_instance(draw: st.DrawFn) -> Instance:
    """Like :func:`joint_instance`, with plain needs only and a weekly cap."""
    instance = draw(joint_instance())
    needs = tuple(replace(need, rule=None, next_date=None) for need in instance.needs)
    options = replace(instance.options, weekly_cap=draw(st.integers(200, 3_000)), gift_card=False)
    return Instance(instance.accounts, needs, options)


def planned_in_turn(instance: Instance) -> dict[str, tuple[int, ...]]:
    """Spend per priority and currency when each account is planned alone, one after the other
    (money expiring soonest first, then by name), on what the ones before it left."""
    left = {need.need_id: need.quantity for need in instance.needs}
    spend: dict[str, list[int]] = {}
    soonest = date.max
    for account in sorted(
        instance.accounts,
        key=lambda a: (
            min((lot.expires_on for lot in a.expiring if lot.amount > 0), default=soonest),
            a.name.casefold(),
            a.account_id,
        ),
    ):
        needs = [replace(n, quantity=left[n.need_id]) for n in instance.needs]
        (alone,) = make_plan([account], needs, instance.options).accounts
        total = spend.setdefault(account.currency, [0, 0, 0, 0])
        for order in alone.orders:
            for line in order.lines:
                left[line.need_id] -= line.units
                total[PRIORITIES.index(line.priority)] += line.total
    return {currency: tuple(total) for currency, total in spend.items()}


@settings(max_examples=200, deadline=None)
@given(capped_joint_instance())
def test_with_a_cap_a_joint_plan_is_never_worse_than_accounts_planned_in_turn(
    instance: Instance,
) -> None:
    plan = make_plan(instance.accounts, instance.needs, instance.options)
    check_invariants(plan, instance)
    by_id = {a.account_id: a for a in instance.accounts}
    for currency, in_turn in planned_in_turn(instance).items():
        together = tuple(
            sum(
                result.spent_by_priority[level]
                for result in plan.accounts
                if by_id[result.account_id].currency == currency
            )
            for level in PRIORITIES
        )
        assert together >= in_turn
