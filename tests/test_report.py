"""The pure weekly report (giftbalance.report) on hand-built data: every section, the week
relations (past, current, future), empty inputs, and money that stays int64 through pandas."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from xml.etree import ElementTree

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from giftbalance.household.advice import checkout_reminders
from giftbalance.plan.planner import (
    ExpiringLot,
    Plan,
    PlanAccount,
    PlanNeed,
    PlanOptions,
    make_plan,
)
from giftbalance.render.report_csv import COLUMNS, report_csv
from giftbalance.render.report_html import report_html
from giftbalance.render.report_json import report_to_dict
from giftbalance.render.report_markdown import escape, report_markdown
from giftbalance.render.report_text import report_text
from giftbalance.report.weekly import (
    CURRENT,
    FUTURE,
    PAST,
    EntryRecord,
    LedgerRow,
    PurchaseRow,
    Report,
    ReportAccount,
    ReportData,
    ReportError,
    build_report,
    ledger_frame,
    ledger_rows,
    member_use_frame,
    projection_frame,
    weekly_ledger,
)

MONDAY = date(2026, 11, 23)  # today's week in these tests
TODAY = date(2026, 11, 25)
CREATED = datetime(2026, 1, 1, 12, 0)
FAMILY = ReportAccount(1, "Family", "USD", "amazon.com", "the household's account")
WORK = ReportAccount(2, "Work", "USD", "amazon.com")


def plan_account(
    account: ReportAccount,
    balance: int,
    *,
    tax: str = "0",
    expiring: tuple[ExpiringLot, ...] = (),
) -> PlanAccount:
    return PlanAccount(
        account.account_id,
        account.name,
        account.currency,
        account.store,
        Decimal(tax),
        balance,
        100,
        expiring,
    )


def need(
    need_id: int,
    name: str,
    price: int,
    *,
    member: str | None = None,
    priority: str = "normal",
    quantity: int = 1,
    need_by: date | None = None,
    account_id: int | None = None,
    rule: str | None = None,
    next_date: date | None = None,
) -> PlanNeed:
    return PlanNeed(
        need_id,
        name,
        member,
        priority,
        price,
        "USD",
        quantity,
        need_by,
        CREATED + timedelta(minutes=need_id),
        account_id,
        None,
        rule,
        next_date,
    )


def plan_for(
    accounts: Sequence[PlanAccount],
    needs: Sequence[PlanNeed] = (),
    *,
    weeks: int = 12,
    gift_card: bool = True,
    cap: int | None = None,
) -> Plan:
    options = PlanOptions(
        start=MONDAY, weeks=weeks, gift_card=gift_card, weekly_cap=cap, members=("Alex", "Sam")
    )
    return make_plan(accounts, needs, options)


def data(
    *,
    week: date = MONDAY,
    accounts: tuple[ReportAccount, ...] = (FAMILY,),
    entries: Sequence[EntryRecord] = (),
    ledger: Sequence[LedgerRow] | pd.DataFrame | None = None,
    purchases: Sequence[PurchaseRow] = (),
    plan: Plan | None = None,
    expiring: dict[int, tuple[ExpiringLot, ...]] | None = None,
    pending: int = 0,
    week_start: str = "monday",
) -> ReportData:
    return ReportData(
        week=week,
        today=TODAY,
        week_start=week_start,
        accounts=accounts,
        ledger=ledger if ledger is not None else ledger_rows(entries),
        purchases=purchases,
        plan=plan if plan is not None else plan_for([]),
        expiring=expiring or {},
        pending_contacts=pending,
    )


def row(
    entry_id: int,
    day: date,
    kind: str,
    amount: int,
    account_id: int = 1,
    reverses: int | None = None,
) -> EntryRecord:
    return EntryRecord(entry_id, account_id, day, kind, amount, reverses)


# A household ledger: a redemption in October, spends and a reversal this week.
LEDGER = (
    row(1, date(2026, 10, 1), "redeem", 15000),
    row(2, date(2026, 11, 2), "redeem", 5000),
    row(3, date(2026, 11, 10), "spend", -1999),
    row(4, date(2026, 11, 24), "spend", -3000),
    row(5, date(2026, 11, 24), "spend", -2000),
    row(6, date(2026, 11, 24), "reversal", 2000, reverses=5),
    row(7, date(2026, 11, 26), "adjust", -1),
    row(8, date(2026, 11, 29), "redeem", 2500),  # Sunday: still this Monday week
    row(9, date(2026, 11, 30), "redeem", 9999),  # next week: never in this week's figures
)
PURCHASES = (
    PurchaseRow(1, date(2026, 11, 10), 10, "Lunch box", "Sam", 1, 1999),
    PurchaseRow(1, date(2026, 11, 24), 11, "Rain boots", "Sam", 2, 3000),
    PurchaseRow(1, date(2026, 11, 24), 12, "Book", "Alex", 1, 2000, reversed=True),
)


def money_dtypes(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        assert str(frame[column].dtype) == "int64", (column, frame[column].dtype)


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------


def test_ledger_rows_put_a_reversal_with_the_entry_it_undoes() -> None:
    rows = ledger_rows(LEDGER)
    assert [r.category for r in rows] == [
        "redeem",
        "redeem",
        "spend",
        "spend",
        "spend",
        "spend",  # the reversal of entry 5, a spend
        "adjust",
        "redeem",
        "redeem",
    ]
    assert all(r.entries == 1 for r in rows)
    assert [r.amount for r in rows] == [e.amount for e in LEDGER]
    # A reversal whose entry is not given counts as an adjustment.
    assert ledger_rows([row(2, MONDAY, "reversal", 5, reverses=1)])[0].category == "adjust"


def test_ledger_frame_splits_the_movements_into_int64_columns() -> None:
    frame = ledger_frame(ledger_rows(LEDGER))
    money_dtypes(frame, ["amount", "redeemed", "spent", "adjusted", "entries"])
    assert frame["spent"].tolist() == [0, 0, 1999, 3000, 2000, -2000, 0, 0, 0]
    assert frame["adjusted"].tolist() == [0, 0, 0, 0, 0, 0, -1, 0, 0]
    assert int(frame["redeemed"].sum()) == 15000 + 5000 + 2500 + 9999
    total = frame["redeemed"].sum() - frame["spent"].sum() + frame["adjusted"].sum()
    assert int(total) == sum(e.amount for e in LEDGER)


def test_ledger_frame_refuses_an_unknown_category() -> None:
    with pytest.raises(ReportError, match="transfer"):
        ledger_frame([LedgerRow(1, MONDAY, "transfer", 5)])
    with pytest.raises(ReportError, match="reversal"):
        ledger_frame([LedgerRow(1, MONDAY, "reversal", 5)])  # must be categorised first


def test_ledger_frame_accepts_a_dataframe_with_iso_text_dates() -> None:
    frame = pd.DataFrame.from_records(
        [(1, "2026-11-24", "redeem", 500, 3)], columns=list(LedgerRow._fields)
    )
    out = ledger_frame(frame)
    assert out["occurred_on"].iloc[0] == pd.Timestamp(2026, 11, 24)
    money_dtypes(out, ["amount", "redeemed", "spent", "adjusted", "entries"])
    assert int(out["entries"].iloc[0]) == 3


def test_weekly_ledger_fills_quiet_weeks_and_stops_at_the_report_week() -> None:
    weekly = weekly_ledger(ledger_frame(ledger_rows(LEDGER)), [1], "monday", MONDAY)
    money_dtypes(weekly, ["redeemed", "spent", "adjusted", "change", "balance", "entries"])
    family = weekly.xs(1, level="account_id")
    weeks = list(pd.DatetimeIndex(family.index).date)
    assert weeks[0] == date(2026, 9, 28)
    assert weeks[-1] == MONDAY
    assert all((b - a).days == 7 for a, b in itertools.pairwise(weeks))
    quiet = family.loc[pd.Timestamp(2026, 10, 5)]
    assert quiet["entries"] == 0 and quiet["change"] == 0 and quiet["balance"] == 15000
    this = family.loc[pd.Timestamp(MONDAY)]
    assert this["spent"] == 3000
    assert this["redeemed"] == 2500
    assert this["balance"] == 15000 + 5000 - 1999 - 3000 - 1 + 2500


def test_weekly_ledger_follows_the_week_start_setting() -> None:
    sunday_entry = [row(1, date(2026, 11, 22), "redeem", 700)]  # a Sunday
    monday = weekly_ledger(
        ledger_frame(ledger_rows(sunday_entry)), [1], "monday", date(2026, 11, 16)
    )
    assert list(pd.DatetimeIndex(monday.xs(1, level="account_id").index).date) == [
        date(2026, 11, 16)
    ]
    sunday = weekly_ledger(
        ledger_frame(ledger_rows(sunday_entry)), [1], "sunday", date(2026, 11, 22)
    )
    weeks = sunday.xs(1, level="account_id")
    assert list(pd.DatetimeIndex(weeks.index).date) == [date(2026, 11, 22)]
    assert int(weeks["redeemed"].iloc[0]) == 700


def test_weekly_ledger_with_no_entries_is_one_zero_week_per_account() -> None:
    weekly = weekly_ledger(ledger_frame([]), [1, 2], "monday", MONDAY)
    money_dtypes(weekly, ["redeemed", "spent", "adjusted", "change", "balance", "entries"])
    assert len(weekly) == 2
    assert int(weekly["balance"].abs().sum()) == 0


def test_member_use_nets_out_reversed_spends_and_later_purchases() -> None:
    use = member_use_frame(PURCHASES, date(2026, 11, 29))
    money_dtypes(use, ["units", "amount"])
    assert set(use["member"]) == {"Sam"}  # Alex's book was reversed
    assert int(use["amount"].sum()) == 1999 + 3000
    assert int(use["units"].sum()) == 3
    early = member_use_frame(PURCHASES, date(2026, 11, 20))
    assert early[["need", "amount"]].values.tolist() == [["Lunch box", 1999]]
    nobody = member_use_frame([PurchaseRow(1, MONDAY, 1, "Soap", None, 1, 500)], MONDAY)
    assert nobody["member"].tolist() == [""]
    empty = member_use_frame([], MONDAY)
    money_dtypes(empty, ["units", "amount"])
    assert empty.empty


def test_projection_frame_lays_orders_and_the_gift_card_over_the_weeks() -> None:
    plan = plan_for(
        [plan_account(FAMILY, 10000)],
        [need(1, "Shoes", 4000, need_by=date(2026, 12, 1)), need(2, "Lamp", 2500)],
        cap=4000,
    )
    frame = projection_frame(plan.accounts[0], MONDAY, 12)
    money_dtypes(frame, ["spend", "balance"])
    assert len(frame) == 12
    assert int(frame["spend"].sum()) == 10000 - plan.accounts[0].leftover
    assert frame["spend"].max() <= 4000
    assert (frame["balance"].diff().dropna() <= 0).all()
    none = projection_frame(None, MONDAY, 3)
    money_dtypes(none, ["spend", "balance"])
    assert int(none["balance"].abs().sum()) == 0


# --------------------------------------------------------------------------------------------
# Property: the week's figures agree with a plain sum over the entries
# --------------------------------------------------------------------------------------------

KINDS = st.sampled_from(["redeem", "spend", "adjust"])


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[EntryRecord], date, str]:
    start = date(2026, 1, 5)
    count = draw(st.integers(0, 40))
    rows: list[EntryRecord] = []
    for entry_id in range(1, count + 1):
        kind = draw(KINDS)
        amount = draw(st.integers(1, 50_000))
        if kind == "spend" or (kind == "adjust" and draw(st.booleans())):
            amount = -amount
        rows.append(
            row(
                entry_id,
                start + timedelta(days=draw(st.integers(0, 120))),
                kind,
                amount,
                account_id=draw(st.sampled_from([1, 2])),
            )
        )
    undoable = [r for r in rows if r.kind != "reversal"]
    for target in (
        draw(st.lists(st.sampled_from(undoable), unique=True, max_size=5)) if rows else []
    ):
        rows.append(
            row(len(rows) + 1, target.occurred_on, "reversal", -target.amount, target.account_id,
                reverses=target.id)
        )  # fmt: skip
    week_start = draw(st.sampled_from(["monday", "sunday"]))
    any_day = start + timedelta(days=draw(st.integers(-14, 140)))
    offset = any_day.weekday() if week_start == "monday" else (any_day.weekday() + 1) % 7
    return rows, any_day - timedelta(days=offset), week_start


def daily_sums(entries: Sequence[EntryRecord]) -> list[LedgerRow]:
    """The ledger summed per account, day and category, as the loader's SQL does."""
    sums: dict[tuple[int, date, str], tuple[int, int]] = {}
    for r in ledger_rows(entries):
        amount, count = sums.get((r.account_id, r.occurred_on, r.category), (0, 0))
        sums[r.account_id, r.occurred_on, r.category] = (amount + r.amount, count + 1)
    return [LedgerRow(a, d, c, amount, n) for (a, d, c), (amount, n) in sums.items()]


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_week_figures_match_plain_sums(case: tuple[list[EntryRecord], date, str]) -> None:
    rows, week, week_start = case
    end = week + timedelta(days=6)
    # Every drawn week is months before the plan's start (a past week).
    report = build_report(
        data(
            week=week,
            accounts=(FAMILY, WORK),
            entries=rows,
            plan=Plan(MONDAY, 12, ()),
            week_start=week_start,
        )
    )
    assert report.when == PAST
    kinds = {r.id: r.kind for r in rows}
    for account in report.accounts:
        mine = [r for r in rows if r.account_id == account.account_id]
        assert account.opening == sum(r.amount for r in mine if r.occurred_on < week)
        assert account.closing == sum(r.amount for r in mine if r.occurred_on <= end)
        during = [r for r in mine if week <= r.occurred_on <= end]

        def category(r: EntryRecord) -> str:
            return kinds[r.reverses_id] if r.reverses_id is not None else r.kind

        assert account.redeemed == sum(r.amount for r in during if category(r) == "redeem")
        assert account.spent == -sum(r.amount for r in during if category(r) == "spend")
        assert account.adjusted == sum(r.amount for r in during if category(r) == "adjust")
        assert account.entries == len(during)
        assert account.opening + account.redeemed - account.spent + account.adjusted == (
            account.closing
        )
        for point in account.history:
            last = point.week + timedelta(days=6)
            assert point.balance == sum(r.amount for r in mine if r.occurred_on <= last)
        assert account.history[-1].week == week
    # The loader's per-day sums give exactly the same report as one row per entry.
    summed = build_report(
        data(
            week=week,
            accounts=(FAMILY, WORK),
            ledger=daily_sums(rows),
            plan=Plan(MONDAY, 12, ()),
            week_start=week_start,
        )
    )
    assert summed == report


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def household_plan(balance: int = 20500) -> tuple[Plan, PlanAccount]:
    account = plan_account(
        FAMILY,
        balance,
        tax="8",
        expiring=(
            ExpiringLot(2000, date(2026, 12, 10)),
            ExpiringLot(1000, date(2027, 3, 1)),  # beyond 4 weeks
        ),
    )
    needs = [
        need(1, "Rain boots", 4000, member="Sam", priority="high", need_by=date(2026, 11, 20)),
        need(2, "Coffee", 1299, rule="FREQ=WEEKLY;INTERVAL=2", next_date=date(2026, 12, 3)),
        need(3, "Desk chair", 90000, member="Alex", priority="low"),  # costs more than it all
        need(4, "Lamp", 2500, member="Alex", need_by=date(2026, 12, 20)),
    ]
    return plan_for([account], needs), account


def current_report(pending: int = 0) -> Report:
    plan, account = household_plan()
    return build_report(
        data(
            entries=LEDGER,
            purchases=PURCHASES,
            plan=plan,
            expiring={1: account.expiring},
            pending=pending,
        )
    )


def test_current_week_has_every_section() -> None:
    report = current_report(pending=2)
    assert report.when == CURRENT
    assert (report.week, report.week_end) == (MONDAY, date(2026, 11, 29))
    family = report.accounts[0]
    assert family.opening == 15000 + 5000 - 1999
    assert family.closing == family.opening - 3000 - 1 + 2500
    assert (family.redeemed, family.spent, family.adjusted, family.entries) == (2500, 3000, -1, 5)
    # This week's order: the late rain boots (needed by last Friday) and the first coffee.
    assert family.order is not None and family.order.week == MONDAY
    names = [line.name for line in family.order.lines]
    assert "Rain boots" in names
    assert family.planned_closing == family.order.balance_after
    assert [line.name for line in family.late] == ["Rain boots"]
    assert any(u.name == "Desk chair" for u in family.unplanned)
    # Projection: from the plan's balance down, week by week, to zero (the gift card).
    assert family.projection[0].week == MONDAY
    assert family.projection[0].balance == family.plan_balance - family.projection[0].spend
    assert family.zero_week == family.projection[-1].week
    assert family.projection[-1].balance == 0
    assert all(p.balance > 0 for p in family.projection[:-1])
    assert family.gift_card is not None and family.gift_card.for_member in {"Alex", "Sam"}
    # Expiring within 4 weeks of the week's start only.
    assert [(s.amount, s.expires_on) for s in family.expiring] == [(2000, date(2026, 12, 10))]
    assert family.expiring[0].unused == 0
    assert [lot.expires_on for lot in family.lots] == [date(2026, 12, 10), date(2027, 3, 1)]
    # Per member: Sam's lunch box and boots; Alex's reversed book is gone.
    assert [m.member for m in family.members] == ["Sam"]
    assert family.members[0].total == 1999 + 3000
    assert {item.name for item in family.members[0].items} == {"Lunch box", "Rain boots"}
    assert report.reminders == checkout_reminders("Family")
    assert report.pending_contacts == 2
    assert report.support is not None and "2 support contacts are still pending" in report.support


def test_past_week_shows_its_actuals_and_the_plan_from_today() -> None:
    plan, _ = household_plan()
    week = date(2026, 11, 9)
    report = build_report(
        data(week=week, entries=LEDGER, purchases=PURCHASES, plan=plan, expiring={1: ()})
    )
    assert report.when == PAST
    family = report.accounts[0]
    assert (family.opening, family.closing) == (20000, 20000 - 1999)
    assert (family.spent, family.entries) == (1999, 1)
    assert family.planned_closing is None
    assert family.order_week == MONDAY  # the order shown is today's week's
    assert family.order == plan.accounts[0].orders[0]
    assert family.history[-1].week == week
    # What was bought by then: only the lunch box.
    assert [(m.member, m.total) for m in family.members] == [("Sam", 1999)]


def test_future_week_shows_that_weeks_order_and_planned_balance() -> None:
    plan, _ = household_plan()
    target = plan.accounts[0].orders[1].week
    assert target == MONDAY + timedelta(weeks=1)
    report = build_report(data(week=target, entries=LEDGER, plan=plan, expiring={1: ()}))
    assert report.when == FUTURE
    family = report.accounts[0]
    assert family.order == plan.accounts[0].orders[1]
    assert family.order_week == target
    assert family.planned_closing == family.order.balance_after
    # An entry already dated in that week is reported as recorded.
    assert (family.entries, family.redeemed) == (1, 9999)
    assert family.opening == sum(r.amount for r in LEDGER) - 9999
    assert family.closing == sum(r.amount for r in LEDGER)
    # A coming week without an order: nothing to order, the planned balance carries over.
    quiet = build_report(data(week=target + timedelta(weeks=1), entries=LEDGER, plan=plan))
    assert quiet.accounts[0].order is None
    assert quiet.accounts[0].planned_closing == family.planned_closing
    assert "Nothing to order for the week of 2026-12-07" in report_text(quiet)


def test_future_week_beyond_the_plan_is_refused() -> None:
    with pytest.raises(ReportError, match="plan ends"):
        build_report(data(week=MONDAY + timedelta(weeks=12), plan=plan_for([])))


def test_week_must_start_on_the_first_weekday() -> None:
    with pytest.raises(ReportError, match="first day"):
        build_report(data(week=TODAY))
    with pytest.raises(ReportError, match="week start"):
        build_report(data(week_start="friday"))


def test_quiet_week_and_account_without_a_plan() -> None:
    entries = [row(1, date(2026, 10, 1), "redeem", 1000), row(2, date(2026, 10, 2), "spend", -1000)]
    report = build_report(data(entries=entries, plan=plan_for([])))
    family = report.accounts[0]
    assert family.opening == family.closing == 0
    assert (family.redeemed, family.spent, family.adjusted, family.entries) == (0, 0, 0, 0)
    assert family.order is None and family.orders == ()
    assert family.plan_balance == 0
    assert family.zero_week == MONDAY
    assert family.members == () and family.expiring == ()
    assert report.support is None
    text = report_text(report)
    assert "No entries during the week." in text
    assert "The balance is zero" in text
    assert "Nothing to order" in text


def test_empty_database_report() -> None:
    report = build_report(data(accounts=()))
    assert report.accounts == ()
    assert report.reminders == checkout_reminders("the account each order is for")
    assert "No accounts yet" in report_text(report)
    document = report_to_dict(report)
    assert document["accounts"] == []
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [r["section"] for r in rows if r["section"] != "reminder"] == ["report"]


def test_balance_that_never_reaches_zero_says_so() -> None:
    account = plan_account(FAMILY, 10000)
    plan = plan_for([account], [need(1, "Lamp", 2500)], gift_card=False)
    report = build_report(data(entries=[row(1, date(2026, 11, 2), "redeem", 10000)], plan=plan))
    family = report.accounts[0]
    assert family.zero_week is None
    assert len(family.projection) == plan.weeks
    assert family.projection[-1].balance == family.leftover == 7500
    assert "does not reach zero within the plan's horizon" in report_text(report)


def test_money_expiring_unused_is_reported() -> None:
    lot = ExpiringLot(5000, date(2026, 12, 1))
    account = plan_account(FAMILY, 5000, expiring=(lot,))
    plan = plan_for([account], [], gift_card=False)
    report = build_report(data(plan=plan, expiring={1: (lot,)}))
    assert [(s.amount, s.unused) for s in report.accounts[0].expiring] == [(5000, 5000)]
    assert "50.00 will expire unused" in report_text(report)


def test_reminders_for_several_ordering_accounts_name_no_single_account() -> None:
    plan = plan_for(
        [plan_account(FAMILY, 3000), plan_account(WORK, 3000)],
        [need(1, "Lamp", 3000, account_id=1), need(2, "Mug", 3000, account_id=2)],
    )
    report = build_report(data(accounts=(FAMILY, WORK), plan=plan))
    assert all(a.order is not None for a in report.accounts)
    assert report.reminders == checkout_reminders("the account each order is for")
    assert report.accounts[1].reminders == checkout_reminders("Work")


# --------------------------------------------------------------------------------------------
# Renderers on hand-built data (the CLI tests cover them end to end)
# --------------------------------------------------------------------------------------------


def hostile_report() -> Report:
    """Names that would break markup if printed raw."""
    evil = ReportAccount(1, "<script>alert(1)</script> & Co", "USD", 'a"b|c', "note *x* | <b>")
    plan = plan_for(
        [plan_account(evil, 5000)],
        [need(1, "<img src=x onerror=alert(1)>|pipe", 1000, member="Sam & <Alex>")],
    )
    return build_report(
        data(accounts=(evil,), entries=[row(1, date(2026, 11, 24), "redeem", 5000)], plan=plan)
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_every_user_string_and_is_well_formed() -> None:
    page = report_html(hostile_report())
    assert "<script>" not in page and "<img" not in page
    root = ElementTree.fromstring(page.split("\n", 1)[1])  # strict XML after the doctype
    assert root.tag == "html"
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    text = "".join(parser.text)
    assert "<script>alert(1)</script> & Co" in text
    assert "<img src=x onerror=alert(1)>|pipe" in text
    assert 'name="viewport"' in page
    assert "http://" not in page and "https://" not in page


def test_markdown_escapes_user_strings() -> None:
    page = report_markdown(hostile_report())
    assert "<script>" not in page
    assert escape("<img src=x onerror=alert(1)>|pipe") in page
    for line in page.splitlines():
        if line.startswith("| #1"):
            # The pipe inside the name is escaped, so the row keeps the header's columns.
            assert line.count("|") - line.count("\\|") == 10


def test_csv_and_json_round_trip_the_figures() -> None:
    report = current_report(pending=1)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert all(set(r) == set(COLUMNS) for r in rows)
    summary = {r["name"]: r["amount"] for r in rows if r["section"] == "summary"}
    family = report.accounts[0]
    assert summary["closing"] == f"{family.closing // 100}.{family.closing % 100:02d}"
    assert summary["spent"] == "30.00"
    assert [r["week"] for r in rows if r["section"] == "projection"] == [
        p.week.isoformat() for p in family.projection
    ]
    assert sum(r["section"] == "history" for r in rows) == len(family.history)
    assert [r["detail"] for r in rows if r["section"] == "reminder"] == list(report.reminders)
    assert [r["units"] for r in rows if r["section"] == "support"] == ["1"]
    document = json.loads(json.dumps(report_to_dict(report)))
    account = document["accounts"][0]
    assert account["spent"] == "30.00"
    assert account["order"]["week"] == MONDAY.isoformat()
    assert account["zero_week"] == family.zero_week.isoformat()  # type: ignore[union-attr]
    assert account["members"][0]["for"] == "Sam"
    assert document["pending_contacts"] == 1
