"""The pure reminders (giftbalance.report.reminders): thresholds on exact days, each kind's
occasion, and the order of urgency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giftbalance.errors import InputError
from giftbalance.report.reminders import (
    AccountCheck,
    ExpiringMoney,
    OpenNeed,
    OrderDue,
    PendingMatch,
    ReminderInputs,
    expiry_reminders,
    parse_thresholds,
    reconcile_reminders,
    reminders,
    threshold_for,
)

EXPIRES = date(2026, 12, 15)


def lot(amount: int = 10_000, expires_on: date = EXPIRES, account_id: int = 1) -> ExpiringMoney:
    return ExpiringMoney(account_id, f"Account {account_id}", "USD", amount, expires_on)


def run_daily(
    lots: list[ExpiringMoney], first: date, last: date, thresholds: tuple[int, ...]
) -> dict[date, list[str]]:
    """Run the expiry reminders every day from ``first`` to ``last`` the way remind does:
    what was delivered is remembered by key and not delivered again."""
    sent: set[str] = set()
    fired: dict[date, list[str]] = {}
    day = first
    while day <= last:
        for reminder in expiry_reminders(lots, day, thresholds):
            if reminder.key not in sent:
                sent.add(reminder.key)
                fired.setdefault(day, []).append(reminder.key)
        day += timedelta(days=1)
    return fired


def test_30_7_1_fire_once_each_on_their_exact_days() -> None:
    fired = run_daily([lot()], date(2026, 10, 1), date(2027, 1, 31), (30, 7, 1))
    assert fired == {
        date(2026, 11, 15): ["expiry:1:2026-12-15:30"],
        date(2026, 12, 8): ["expiry:1:2026-12-15:7"],
        date(2026, 12, 14): ["expiry:1:2026-12-15:1"],
    }


def test_a_first_run_inside_a_threshold_reminds_the_nearest_only() -> None:
    # The machine was off until five days before: the 30-day reminder is moot, the 7-day
    # one fires at once, the 1-day one on its day.
    fired = run_daily([lot()], date(2026, 12, 10), date(2026, 12, 20), (30, 7, 1))
    assert fired == {
        date(2026, 12, 10): ["expiry:1:2026-12-15:7"],
        date(2026, 12, 14): ["expiry:1:2026-12-15:1"],
    }


@given(
    thresholds=st.lists(st.integers(1, 60), min_size=1, max_size=5, unique=True),
    start_before=st.integers(0, 90),
)
def test_each_threshold_fires_at_most_once_and_on_its_day(
    thresholds: list[int], start_before: int
) -> None:
    days = tuple(sorted(thresholds, reverse=True))
    first = EXPIRES - timedelta(days=start_before)
    fired = run_daily([lot()], first, EXPIRES + timedelta(days=10), days)
    keys = [key for keys in fired.values() for key in keys]
    assert len(keys) == len(set(keys))
    assert all(day <= EXPIRES for day in fired), "nothing after the money expired"
    for t in days:
        on_day = EXPIRES - timedelta(days=t)
        if on_day > first:
            # Reached during the run: fires exactly on its day.
            assert fired.get(on_day) == [f"expiry:1:{EXPIRES}:{t}"]
    reached = [t for t in days if t >= start_before]
    if reached:
        # The first run reminds the nearest threshold already reached.
        assert fired[first] == [f"expiry:1:{EXPIRES}:{min(reached)}"]


@given(st.integers(-5, 400), st.lists(st.integers(1, 366), min_size=1, max_size=6, unique=True))
def test_threshold_for_is_the_smallest_threshold_reached(days_left: int, ts: list[int]) -> None:
    found = threshold_for(days_left, ts)
    reached = [t for t in ts if t >= days_left]
    if days_left < 0 or not reached:
        assert found is None
    else:
        assert found == min(reached)


def test_lots_of_one_day_add_up_and_spent_lots_are_quiet() -> None:
    found = expiry_reminders(
        [lot(2500), lot(1500), lot(0, date(2026, 12, 9)), lot(700, account_id=2)],
        date(2026, 12, 8),
        (30, 7, 1),
    )
    assert [(r.account_id, r.amount) for r in found] == [(1, 4000), (2, 700)]
    assert found[0].text.startswith("Account 1: 40.00 USD expires in 7 days (Tue 2026-12-15)")


def test_expiring_today_and_tomorrow_say_so() -> None:
    [today] = expiry_reminders([lot()], EXPIRES, (1,))
    [tomorrow] = expiry_reminders([lot()], EXPIRES - timedelta(days=1), (1,))
    assert "expires today" in today.text and "spend it today" in today.text
    assert "expires tomorrow" in tomorrow.text
    assert today.key == tomorrow.key  # the same 1-day occasion: delivered once


@pytest.mark.parametrize(
    ("text", "days"),
    [("30,7,1", (30, 7, 1)), ("1,7,30", (30, 7, 1)), (" 14 , 3 ", (14, 3)), ("7,7", (7,))],
)
def test_parse_thresholds(text: str, days: tuple[int, ...]) -> None:
    assert parse_thresholds(text) == days


@pytest.mark.parametrize("text", ["", "30;7", "seven", "0", "7,0", "400", "-1", "1.5", "30,,7"])
def test_parse_thresholds_refuses(text: str) -> None:
    with pytest.raises(InputError, match="--days"):
        parse_thresholds(text)


def check(last: date | None, added: date = date(2026, 1, 1), balance: int = 5000) -> AccountCheck:
    return AccountCheck(1, "Family", "USD", balance, last, added)


def test_reconcile_after_30_days_then_every_30_days() -> None:
    last = date(2026, 11, 1)
    fired = {}
    sent: set[str] = set()
    for offset in range(0, 100):
        day = last + timedelta(days=offset)
        for reminder in reconcile_reminders([check(last)], day):
            if reminder.key not in sent:
                sent.add(reminder.key)
                fired[offset] = reminder
    assert sorted(fired) == [31, 61, 91]
    assert "last checked against the store 31 days ago (2026-11-01)" in fired[31].text
    assert "giftbalance reconcile AMOUNT --account Family" in fired[31].text


def test_reconcile_counts_from_the_account_added_date_and_skips_empty_accounts() -> None:
    day = date(2026, 3, 1)
    [never] = reconcile_reminders([check(None, date(2026, 1, 15))], day)
    assert "never checked against the store since it was added 45 days ago" in never.text
    assert reconcile_reminders([check(None, date(2026, 2, 15))], day) == []
    assert reconcile_reminders([check(None, date(2026, 1, 1), balance=0)], day) == []


def test_most_urgent_first() -> None:
    today = date(2026, 12, 8)
    week = date(2026, 12, 7)
    inputs = ReminderInputs(
        today=today,
        week=week,
        expiring=(lot(1000, date(2026, 12, 9)), lot(2000, date(2026, 12, 15))),
        orders=(OrderDue(1, "Account 1", "USD", week, 4200, ((3, "Boots"), (4, "Hat"))),),
        needs=(
            OpenNeed(5, "Backpack", "Sam", date(2026, 12, 1), 3000, "USD"),
            OpenNeed(6, "Desk", None, date(2026, 12, 30), 9000, "USD"),
        ),
        accounts=(check(None, date(2026, 1, 1)),),
        matches=(
            PendingMatch(9, 1, "Account 1", "USD", 1999, today, "order 112-3", "run it later"),
        ),
    )
    found = reminders(inputs, (30, 7, 1))
    assert [r.kind for r in found] == [
        "late",  # past its date: due today
        "import_match",  # to confirm today
        "expiry",  # tomorrow
        "order",  # this week (ends on the 13th)
        "expiry",  # in 7 days
        "reconcile",  # least urgent
    ]
    assert found[2].day == date(2026, 12, 9) and found[4].day == date(2026, 12, 15)
    order = found[3]
    assert order.text == (
        "Account 1: this week's order, 42.00 USD, is not bought yet: #3 Boots, #4 Hat "
        "(giftbalance plan lists it)"
    )
    late = found[0]
    assert late.key == "late:5:2026-12-01" and "for Sam" in late.text
    assert "giftbalance need bought 5" in late.text
    assert all(r.key for r in found) and len({r.key for r in found}) == len(found)


def test_an_order_of_another_week_is_not_reminded() -> None:
    inputs = ReminderInputs(
        today=date(2026, 12, 8),
        week=date(2026, 12, 7),
        orders=(OrderDue(1, "A", "USD", date(2026, 12, 14), 100, ((1, "x"),)),),
    )
    assert reminders(inputs) == []
