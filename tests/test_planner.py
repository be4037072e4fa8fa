"""The spend-down planner, by example: each test is one rule of the contract in the README's section 'The spend-down plan: contract'."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from giftbalance.plan.planner import (
    COSTS_MORE_THAN_BALANCE,
    COSTS_MORE_THAN_CAP,
    MONEY_EXPIRES,
    NO_ROOM_IN_WEEKS,
    PINNED_ELSEWHERE,
    USED_BY_HIGHER,
    USED_BY_SAME,
    AccountPlan,
    ExpiringLot,
    ExpiryShortfall,
    GiftCard,
    Plan,
    PlanAccount,
    PlanError,
    PlanNeed,
    PlanOptions,
    make_plan,
    select_units,
)
from giftbalance.render.plan_json import plan_to_dict

START = date(2026, 3, 2)  # a Monday
CREATED = datetime(2026, 1, 1, 9, 0)


def need(need_id: int, price: int, **attrs: Any) -> PlanNeed:
    values: dict[str, Any] = {
        "need_id": need_id,
        "name": f"need {need_id}",
        "for_member": None,
        "priority": "normal",
        "unit_price": price,
        "currency": "USD",
        "quantity": 1,
        "need_by": None,
        "created_at": CREATED + timedelta(minutes=need_id),
        "account_id": None,
        "store": None,
    }
    values.update(attrs)
    return PlanNeed(**values)


def account(balance: int, **attrs: Any) -> PlanAccount:
    values: dict[str, Any] = {
        "account_id": 1,
        "name": "Amazon",
        "currency": "USD",
        "store": "amazon.com",
        "tax_rate": Decimal(0),
        "balance": balance,
        "gift_card_minimum": 100,
    }
    values.update(attrs)
    return PlanAccount(**values)


def options(**attrs: Any) -> PlanOptions:
    values: dict[str, Any] = {"start": START, "gift_card": False}
    values.update(attrs)
    return PlanOptions(**values)


def plan_one(balance: int, needs: list[PlanNeed], **attrs: Any) -> AccountPlan:
    """Plan a single account (``account_attrs`` go to the account, the rest to the options)."""
    account_attrs = attrs.pop("account_attrs", {})
    plan = make_plan([account(balance, **account_attrs)], needs, options(**attrs))
    assert len(plan.accounts) == 1
    return plan.accounts[0]


def planned_units(plan: AccountPlan) -> dict[int, int]:
    units: dict[int, int] = {}
    for order in plan.orders:
        for line in order.lines:
            units[line.need_id] = units.get(line.need_id, 0) + line.units
    return units


def reasons(plan: AccountPlan) -> dict[int, str]:
    return {u.need_id: u.reason for u in plan.unplanned}


def spent(plan: AccountPlan) -> dict[str, int]:
    return dict(plan.spent_by_priority)


# --- cost -------------------------------------------------------------------------------------


def test_tax_is_rounded_half_up_per_unit() -> None:
    # 8.25% of 2.00 is 16.5 cents: 17 per unit (half-up), so 3 units cost 6.51, not 6.50.
    plan = plan_one(10_000, [need(1, 200, quantity=3)], account_attrs={"tax_rate": Decimal("8.25")})
    (line,) = plan.orders[0].lines
    assert (line.unit_price, line.tax, line.units, line.total) == (200, 17, 3, 651)


def test_tax_of_a_half_cent_rounds_up_not_to_even() -> None:
    # 5% of 0.50 is 2.5 cents: 3 (banker's rounding would give 2).
    plan = plan_one(1_000, [need(1, 50)], account_attrs={"tax_rate": Decimal("5")})
    assert plan.orders[0].lines[0].tax == 3


# --- selection --------------------------------------------------------------------------------


def test_a_must_need_beats_normal_needs_that_would_fill_more() -> None:
    needs = [need(1, 600, priority="must"), need(2, 500), need(3, 500)]
    plan = plan_one(1_000, needs)
    assert spent(plan) == {"must": 600, "high": 0, "normal": 0, "low": 0}
    assert plan.leftover == 400
    assert reasons(plan) == {
        2: USED_BY_HIGHER.format(limit="balance"),
        3: USED_BY_HIGHER.format(limit="balance"),
    }


def test_higher_priorities_are_filled_before_lower_ones_look_at_the_rest() -> None:
    needs = [
        need(1, 700, priority="low"),
        need(2, 300, priority="high"),
        need(3, 400, priority="normal"),
    ]
    plan = plan_one(1_000, needs)
    assert spent(plan) == {"must": 0, "high": 300, "normal": 400, "low": 0}


def test_selection_is_exact_where_greedy_fails() -> None:
    # Greedy by date (or by price) takes 6.00 first and then fits nothing; 5.00 + 5.00 fills 10.00.
    needs = [
        need(1, 600, need_by=START + timedelta(days=1)),
        need(2, 500, need_by=START + timedelta(days=2)),
        need(3, 500, need_by=START + timedelta(days=3)),
    ]
    plan = plan_one(1_000, needs)
    assert planned_units(plan) == {2: 1, 3: 1}
    assert plan.leftover == 0
    assert reasons(plan) == {1: USED_BY_SAME.format(limit="balance")}


def test_a_need_may_get_fewer_units_than_wanted() -> None:
    plan = plan_one(1_000, [need(1, 300, quantity=5)])
    assert planned_units(plan) == {1: 3}
    (missing,) = plan.unplanned
    assert (missing.need_id, missing.units) == (1, 2)


def test_a_need_costing_more_than_the_balance_says_so() -> None:
    plan = plan_one(1_000, [need(1, 1_001), need(2, 900)])
    assert planned_units(plan) == {2: 1}
    assert reasons(plan) == {1: COSTS_MORE_THAN_BALANCE}


def test_ties_go_to_the_earlier_need_by_date_then_the_older_need() -> None:
    later = need(1, 500, need_by=START + timedelta(days=9))
    sooner = need(2, 500, need_by=START + timedelta(days=3))
    undated = need(3, 500)
    assert planned_units(plan_one(500, [later, sooner, undated])) == {2: 1}
    older = need(4, 500, created_at=CREATED - timedelta(days=1))
    assert planned_units(plan_one(500, [undated, older])) == {4: 1}


def test_ties_take_the_earliest_need_as_fully_as_the_best_total_allows() -> None:
    # Both {5.00, 3.00} and {4.00, 4.00} fill 8.00; the earliest need (5.00) is kept.
    assert select_units([(500, 1), (400, 1), (400, 1), (300, 1)], 800) == (800, (1, 0, 0, 1))


def test_free_units_are_always_taken() -> None:
    assert select_units([(0, 3), (500, 2)], 700) == (500, (3, 1))


def test_select_units_refuses_negative_input() -> None:
    with pytest.raises(PlanError):
        select_units([(-1, 1)], 10)


# --- recurring needs --------------------------------------------------------------------------


def test_a_recurring_need_expands_into_occurrences_never_ordered_before_their_week() -> None:
    first = START + timedelta(days=3)  # Thursday of week 0; then weeks 2 and 4
    refill = need(1, 500, rule="FREQ=WEEKLY;INTERVAL=2", next_date=first, quantity=2)
    plan = plan_one(100_000, [refill], weeks=6)
    lines = [line for order in plan.orders for line in order.lines]
    assert [(line.week, line.occurrence, line.units) for line in lines] == [
        (START, first, 2),
        (START + timedelta(weeks=2), first + timedelta(weeks=2), 2),
        (START + timedelta(weeks=4), first + timedelta(weeks=4), 2),
    ]
    assert all(line.need_by == line.occurrence and not line.late for line in lines)


def test_occurrences_after_the_horizon_are_not_planned_and_an_overdue_one_once() -> None:
    refill = need(1, 500, rule="FREQ=WEEKLY", next_date=START - timedelta(days=14))
    plan = plan_one(100_000, [refill], weeks=2)
    # The overdue occurrence is bought once (late) in the first week; the one missed in between
    # (START - 7) is not bought twice; nothing after the two weeks is planned.
    assert sorted(line.occurrence for order in plan.orders for line in order.lines) == [
        START - timedelta(days=14),
        START,
        START + timedelta(days=7),
    ]


# --- weekly cap -------------------------------------------------------------------------------


def test_the_weekly_cap_limits_each_week_and_the_budget() -> None:
    needs = [need(1, 800, quantity=3), need(2, 1_200, priority="must")]
    plan = plan_one(100_000, needs, weekly_cap=1_000, weeks=2)
    assert plan.budget == 2_000
    assert [order.total for order in plan.orders] == [800, 800]
    assert reasons(plan)[2] == COSTS_MORE_THAN_CAP
    assert {(u.need_id, u.units) for u in plan.unplanned} == {(1, 1), (2, 1)}


def test_selected_units_that_no_week_can_hold_are_reported() -> None:
    # 3 x 6.00 fits the 20.00 two weeks of a 10.00 cap hold in total, but only one unit per week.
    plan = plan_one(100_000, [need(1, 600, quantity=3)], weekly_cap=1_000, weeks=2)
    assert [order.total for order in plan.orders] == [600, 600]
    (missing,) = plan.unplanned
    assert (missing.units, missing.reason) == (1, NO_ROOM_IN_WEEKS)


# --- late -------------------------------------------------------------------------------------


def test_lines_ordered_in_a_week_starting_after_the_need_by_date_are_late() -> None:
    overdue = need(1, 500, need_by=START - timedelta(days=1))
    due_wednesday = need(2, 800, need_by=START + timedelta(days=2))
    # The 10.00 cap puts need 2 in week 1, after its date; need 1 is late from the start.
    plan = plan_one(100_000, [overdue, due_wednesday], weekly_cap=1_000, weeks=2)
    by_need = {line.need_id: line for order in plan.orders for line in order.lines}
    assert by_need[1].week == START and by_need[1].late
    assert by_need[2].week == START + timedelta(days=7) and by_need[2].late
    assert {line.need_id for line in plan.late} == {1, 2}


def test_a_line_ordered_in_the_week_of_its_need_by_date_is_not_late() -> None:
    plan = plan_one(1_000, [need(1, 500, need_by=START + timedelta(days=6))])
    assert not plan.orders[0].lines[0].late
    assert plan.late == ()


# --- remainder --------------------------------------------------------------------------------


def test_the_gift_card_is_exactly_the_leftover_for_the_least_served_member() -> None:
    members = ("bob", "Alice", "carol")
    plan = plan_one(
        1_000,
        [need(1, 300, for_member="Alice")],
        gift_card=True,
        members=members,
        member_use={"bob": 100, "carol": 200},
    )
    # Alice already has 3.00 in this plan; bob has 1.00 bought before.
    assert plan.gift_card == GiftCard(700, "bob", START)
    assert plan.leftover == 0


def test_gift_card_ties_go_by_name_and_without_members_it_is_for_no_one() -> None:
    tied = plan_one(1_000, [], gift_card=True, members=("zoe", "Adam"))
    assert tied.gift_card == GiftCard(1_000, "Adam", START)
    nobody = plan_one(1_000, [], gift_card=True)
    assert nobody.gift_card == GiftCard(1_000, None, START)


def test_no_gift_card_when_turned_off_or_under_the_minimum() -> None:
    off = plan_one(1_000, [need(1, 300)], gift_card=False)
    assert (off.gift_card, off.leftover) == (None, 700)
    small = plan_one(
        1_000, [need(1, 950)], gift_card=True, account_attrs={"gift_card_minimum": 100}
    )
    assert (small.gift_card, small.leftover) == (None, 50)
    exact = plan_one(
        1_000, [need(1, 900)], gift_card=True, account_attrs={"gift_card_minimum": 100}
    )
    assert (exact.gift_card, exact.leftover) == (GiftCard(100, None, START), 0)


def test_the_gift_card_goes_in_the_week_of_the_last_order() -> None:
    refill = need(1, 200, rule="FREQ=WEEKLY", next_date=START + timedelta(days=14))
    plan = plan_one(1_000, [refill], weeks=4, gift_card=True)
    assert plan.orders[-1].week == START + timedelta(weeks=3)
    assert plan.gift_card == GiftCard(600, None, START + timedelta(weeks=3))


def test_with_a_cap_the_gift_card_takes_only_the_room_of_one_week() -> None:
    plan = plan_one(10_000, [need(1, 700)], weekly_cap=1_000, weeks=2, gift_card=True)
    # week 0 has 3.00 of room, week 1 has 10.00: the card goes in week 1.
    assert plan.gift_card == GiftCard(1_000, None, START + timedelta(days=7))
    assert plan.leftover == 10_000 - 700 - 1_000


# --- expiring money ---------------------------------------------------------------------------


def test_expiring_money_the_plan_cannot_spend_is_reported() -> None:
    expires = START + timedelta(days=10)  # weeks 0 and 1 start before it
    plan = plan_one(
        5_000,
        [need(1, 1_000)],
        account_attrs={"expiring": (ExpiringLot(3_000, expires),)},
    )
    assert plan.expiring_unused == (ExpiryShortfall(2_000, expires),)


def test_the_gift_card_rescues_expiring_money() -> None:
    expires = START + timedelta(days=10)
    refill = need(1, 1_000, rule="FREQ=WEEKLY", next_date=START + timedelta(days=21))
    plan = plan_one(
        5_000,
        [refill],
        weeks=4,
        gift_card=True,
        account_attrs={"expiring": (ExpiringLot(3_000, expires),)},
    )
    # The card cannot wait for the last order (week 3): the expiring 30.00 would be gone by then.
    # Week 1 is the latest week that can take all 40.00 (it starts before the expiry).
    assert plan.gift_card == GiftCard(4_000, None, START + timedelta(days=7))
    assert plan.expiring_unused == ()
    assert [(o.total, o.balance_after) for o in plan.orders] == [(1_000, 0)]


def test_a_unit_whose_week_comes_after_the_money_expires_is_not_planned() -> None:
    refill = need(1, 500, rule="FREQ=WEEKLY", next_date=START + timedelta(days=14))
    plan = plan_one(
        1_000,
        [refill],
        weeks=3,
        account_attrs={"expiring": (ExpiringLot(1_000, START + timedelta(days=7)),)},
    )
    assert plan.orders == ()
    assert reasons(plan) == {1: MONEY_EXPIRES}
    assert plan.expiring_unused == (ExpiryShortfall(1_000, START + timedelta(days=7)),)


def test_money_that_expired_before_the_start_is_not_in_the_budget() -> None:
    plan = plan_one(
        1_000,
        [need(1, 800)],
        account_attrs={"expiring": (ExpiringLot(400, START),)},
    )
    assert plan.budget == 600
    assert plan.orders == ()
    assert reasons(plan) == {1: COSTS_MORE_THAN_BALANCE}


# --- several accounts -------------------------------------------------------------------------


def test_a_need_is_planned_at_most_once_across_accounts() -> None:
    first = account(800, account_id=1, name="A")
    second = account(800, account_id=2, name="B")
    shared = need(1, 400, quantity=3)
    pinned = need(2, 400, account_id=2)
    plan = make_plan([second, first], [shared, pinned], options())
    assert [a.account for a in plan.accounts] == ["A", "B"]
    a, b = plan.accounts
    assert planned_units(a) == {1: 2}
    assert planned_units(b) == {1: 1, 2: 1}
    assert a.unplanned == () and b.unplanned == ()


def test_accounts_with_money_expiring_soonest_choose_first() -> None:
    first = account(400, account_id=1, name="A")
    expiring = account(
        400, account_id=2, name="B", expiring=(ExpiringLot(400, START + timedelta(days=30)),)
    )
    plan = make_plan([first, expiring], [need(1, 400)], options())
    assert [a.account for a in plan.accounts] == ["B", "A"]
    assert planned_units(plan.accounts[0]) == {1: 1}


def test_an_unplanned_need_is_listed_once_under_the_last_account_that_tried() -> None:
    plan = make_plan(
        [account(100, account_id=1, name="A"), account(100, account_id=2, name="B")],
        [need(1, 500)],
        options(),
    )
    assert [len(a.unplanned) for a in plan.accounts] == [0, 1]


def test_a_one_account_plan_says_why_other_needs_are_not_in_it() -> None:
    needs = [
        need(1, 100, account_id=9),
        need(2, 100, currency="EUR"),
        need(3, 100, store="Target"),
        need(4, 100, store="AMAZON.COM "),
    ]
    plan = plan_one(1_000, needs)
    assert planned_units(plan) == {4: 1}
    assert reasons(plan) == {
        1: PINNED_ELSEWHERE,
        2: "priced in EUR; the account is in USD",
        3: "to be bought at Target",
    }


# --- orders -----------------------------------------------------------------------------------


def test_orders_carry_totals_balances_and_the_checkout_reminders() -> None:
    refill = need(1, 200, rule="FREQ=WEEKLY", next_date=START, quantity=2)
    plan = plan_one(2_000, [refill, need(2, 300)], weeks=2)
    assert [(o.total, o.balance_after) for o in plan.orders] == [(700, 1_300), (400, 900)]
    for order in plan.orders:
        assert order.total == sum(line.total for line in order.lines)
        assert any("Amazon" in reminder for reminder in order.reminders)
        assert len(order.reminders) == 5


# --- determinism ------------------------------------------------------------------------------


def _busy_instance() -> tuple[list[PlanAccount], list[PlanNeed], PlanOptions]:
    rng = random.Random(4)
    accounts = [
        account(
            rng.randint(1_000, 20_000), account_id=i, name=f"acct {i}", tax_rate=Decimal("7.25")
        )
        for i in range(1, 4)
    ]
    needs = [
        need(
            i,
            rng.randint(50, 4_000),
            priority=rng.choice(("must", "high", "normal", "low")),
            quantity=rng.randint(1, 4),
            need_by=rng.choice([None, START + timedelta(days=rng.randint(-5, 40))]),
            created_at=CREATED + timedelta(hours=rng.randint(0, 3)),
            account_id=rng.choice([None, None, 1, 2]),
        )
        for i in range(1, 40)
    ]
    needs.append(need(99, 350, rule="FREQ=WEEKLY", next_date=START + timedelta(days=2), quantity=2))
    return accounts, needs, options(weekly_cap=5_000, gift_card=True, members=("a", "b"))


def test_the_same_data_gives_the_same_plan_whatever_the_input_order() -> None:
    accounts, needs, opts = _busy_instance()
    plan = make_plan(accounts, needs, opts)
    assert make_plan(accounts, needs, opts) == plan
    rng = random.Random(1)
    for _ in range(5):
        rng.shuffle(accounts)
        rng.shuffle(needs)
        assert make_plan(accounts, needs, opts) == plan


# --- JSON -------------------------------------------------------------------------------------


def test_plan_to_dict_has_the_documented_shape_and_survives_json() -> None:
    accounts, needs, opts = _busy_instance()
    plan = make_plan(accounts, needs, opts)
    document = plan_to_dict(plan)
    assert json.loads(json.dumps(document)) == document
    assert set(document) == {"start", "weeks", "accounts"}
    first = document["accounts"][0]
    assert set(first) == {
        "account_id", "account", "currency", "balance", "budget", "orders", "gift_card",
        "leftover", "unplanned", "late", "expiring_unused", "spent_by_priority",
        "proven_optimal",
    }  # fmt: skip
    order = first["orders"][0]
    assert set(order) == {"week", "lines", "total", "balance_after", "reminders"}
    assert set(order["lines"][0]) == {
        "need_id", "name", "for", "units", "unit_price", "tax", "total", "need_by", "late",
        "priority", "occurrence", "week",
    }  # fmt: skip
    assert isinstance(order["lines"][0]["need_id"], int)
    assert isinstance(first["unplanned"][0]["need_id"], int)


def test_json_money_uses_the_currency_digits() -> None:
    yen = account(5_000, currency="JPY", tax_rate=Decimal("10"), gift_card_minimum=1)
    dinar = account(5_000, account_id=2, name="Kuwait", currency="KWD", gift_card_minimum=1)
    needs = [need(1, 1_500, currency="JPY", need_by=START), need(2, 1_250, currency="KWD")]
    document = plan_to_dict(make_plan([yen, dinar], needs, options(gift_card=True)))
    jpy, kwd = sorted(document["accounts"], key=lambda a: a["currency"])
    line = jpy["orders"][0]["lines"][0]
    assert (line["unit_price"], line["tax"], line["total"]) == ("1500", "150", "1650")
    assert (line["need_by"], line["week"]) == ("2026-03-02", "2026-03-02")
    assert jpy["gift_card"] == {"amount": "3350", "for": None, "week": "2026-03-02"}
    assert kwd["orders"][0]["total"] == "1.250"
    assert kwd["spent_by_priority"]["normal"] == "1.250"
    assert kwd["leftover"] == "0.000"


def test_an_empty_plan_is_still_a_plan() -> None:
    plan = make_plan([], [need(1, 100)], options())
    assert plan == Plan(START, 12, ())
    assert plan_to_dict(plan) == {"start": "2026-03-02", "weeks": 12, "accounts": []}


# --- refused input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs", "opts"),
    [
        ([need(1, 100, priority="urgent")], options()),
        ([need(1, -5)], options()),
        ([need(1, 100), need(1, 200)], options()),
        ([], options(weeks=0)),
        ([], options(weekly_cap=-1)),
    ],
)
def test_unusable_input_is_refused(needs: list[PlanNeed], opts: PlanOptions) -> None:
    with pytest.raises(PlanError):
        make_plan([account(1_000)], needs, opts)


def test_inputs_are_not_changed() -> None:
    accounts, needs, opts = _busy_instance()
    before = (list(accounts), list(needs), replace(opts))
    make_plan(accounts, needs, opts)
    assert (accounts, needs, opts) == before


def test_overdue_recurring_occurrence_is_planned_first_week_as_late() -> None:
    start = date(2026, 11, 23)
    need = PlanNeed(
        need_id=1,
        name="Coffee",
        for_member=None,
        priority="normal",
        unit_price=1000,
        currency="USD",
        quantity=1,
        need_by=None,
        created_at=datetime(2026, 1, 1),
        account_id=None,
        store=None,
        rule="FREQ=WEEKLY;INTERVAL=2",
        next_date=date(2026, 11, 9),
    )
    account = PlanAccount(
        account_id=1,
        name="A",
        currency="USD",
        store="amazon.com",
        tax_rate=Decimal(0),
        balance=10_000,
        gift_card_minimum=100,
    )
    plan = make_plan([account], [need], PlanOptions(start=start, weeks=2, gift_card=False))
    lines = [line for order in plan.accounts[0].orders for line in order.lines]
    overdue = [line for line in lines if line.occurrence == date(2026, 11, 9)]
    assert len(overdue) == 1 and overdue[0].late and overdue[0].week == start
    # The occurrences inside the horizon are still planned, each once; the missed one of
    # 2026-11-23 falls inside the horizon (it is the start day).
    assert sorted(line.occurrence for line in lines) == [date(2026, 11, 9), date(2026, 11, 23)]
