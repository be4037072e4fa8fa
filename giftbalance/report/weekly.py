"""The weekly spend-down report: what happened on each account, what to order, where it leads.

Pure: plain records in (ledger rows, purchases, the plan, a few counts), a :class:`Report` out;
no database, no click. :mod:`giftbalance.report_inputs` loads the records, the renderers in
``giftbalance/render/report_*.py`` print the result; docs/report.md explains each section.

The ledger is aggregated with pandas: its rows (one per entry, or the loader's per-day sums)
are resampled into the user's weeks (``W-SUN`` bins for weeks that start on Monday, ``W-SAT``
for Sunday weeks) and accumulated into balances; the purchases are grouped per member and
need; the plan's orders and gift card are laid over the coming weeks for the projection.
Money stays integer minor units the whole way: every money column is ``int64`` (never float);
missing weeks are filled with an integer 0, so no ``NaN`` can turn a column into floats.

This module imports pandas at the top; the CLI imports it only inside ``giftbalance report``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, Literal, NamedTuple

import numpy as np
import pandas as pd

from giftbalance.household.advice import checkout_reminders
from giftbalance.plan.planner import (
    AccountPlan,
    ExpiringLot,
    GiftCard,
    Order,
    Plan,
    PlanLine,
    Unplanned,
)
from giftbalance.values.dates import WEEKDAYS

#: How far ahead the "expiring soon" section looks.
EXPIRY_WINDOW_WEEKS = 4
#: Where the report week lies relative to today's week.
PAST, CURRENT, FUTURE = "past", "current", "future"
#: pandas weekly frequency whose bins end on the day before the week's first day.
WEEKLY_RULE = {"monday": "W-SUN", "sunday": "W-SAT"}
#: The ledger kinds, as the report groups them (a reversal counts with the entry it undoes).
MOVEMENTS = ("redeemed", "spent", "adjusted", "refunded")
#: The dtype of every money column.
MONEY: Final[Literal["int64"]] = "int64"


class ReportError(ValueError):
    """Report inputs that do not fit together (an unknown week start, a ledger row of an
    unknown category, a week that does not start on the week's first day)."""


# --------------------------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------------------------


class LedgerRow(NamedTuple):
    """Money that moved on an account on one day in one category: one ledger entry, or the
    sum of several (``entries`` counts them; the loader sums each day in SQL).

    ``category`` is ``redeem``, ``spend``, ``adjust`` or ``refund``; a reversal counts in the category of
    the entry it reverses (see :func:`ledger_rows`). ``amount`` is signed minor units
    (redemptions positive, spends negative).
    """

    account_id: int
    occurred_on: date
    category: str
    amount: int
    entries: int = 1


class EntryRecord(NamedTuple):
    """One ledger entry as stored (``kind`` may be ``reversal``, with ``reverses_id``)."""

    id: int
    account_id: int
    occurred_on: date
    kind: str
    amount: int
    reverses_id: int | None = None


class PurchaseRow(NamedTuple):
    """A need bought with the balance: its spend entry's account, date and amount (positive),
    the need, who it was for, and whether that spend was reversed since."""

    account_id: int
    occurred_on: date
    need_id: int
    need: str
    member: str | None
    units: int
    amount: int
    reversed: bool = False


def ledger_rows(entries: Iterable[EntryRecord]) -> list[LedgerRow]:
    """One :class:`LedgerRow` per entry: a reversal takes the category of the entry it
    reverses (``adjust`` when that entry is not among ``entries``)."""
    listed = list(entries)
    kinds = {entry.id: entry.kind for entry in listed}
    return [
        LedgerRow(
            entry.account_id,
            entry.occurred_on,
            kinds.get(entry.reverses_id, "adjust")
            if entry.kind == "reversal" and entry.reverses_id is not None
            else entry.kind,
            entry.amount,
        )
        for entry in listed
    ]


@dataclass(frozen=True, slots=True)
class ReportAccount:
    """An account the report covers."""

    account_id: int
    name: str
    currency: str
    store: str
    note: str | None = None


class StoreOrderRow(NamedTuple):
    """A spend or refund of a store order (``amount`` signed: spends negative)."""

    account_id: int
    occurred_on: date
    kind: str
    amount: int
    order_id: str


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything :func:`build_report` takes.

    ``ledger`` holds the reported accounts' ledger up to the end of ``week`` (later rows are
    ignored), as :class:`LedgerRow` records (one per entry, or per day and category) or a
    DataFrame with the same columns: the whole ledger, or only its rows from some day on, with
    ``opening`` giving each account's balance from the entries before that day (the report's
    ``history`` then starts at the week of the first row given, and its balances carry
    ``opening``). ``purchases`` are the needs bought with those accounts.
    ``plan`` is the plan from today's week (``plan.start``); ``expiring`` the parts of each
    account's current balance that expire (by account id).
    """

    #: First day of the report week.
    week: date
    #: Today; its week is the plan's first week.
    today: date
    #: ``monday`` or ``sunday``.
    week_start: str
    accounts: tuple[ReportAccount, ...]
    ledger: Sequence[LedgerRow] | pd.DataFrame
    purchases: Sequence[PurchaseRow]
    plan: Plan
    expiring: Mapping[int, tuple[ExpiringLot, ...]]
    #: Support contacts whose outcome is still ``pending``.
    pending_contacts: int = 0
    #: The spends and refunds of store orders dated in the report week.
    store_orders: Sequence[StoreOrderRow] = ()
    #: Each account's balance before the first row of ``ledger`` (by account id; missing: 0,
    #: ``ledger`` starts at the account's first entry).
    opening: Mapping[int, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Output records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekBalance:
    """One week of an account's ledger: what moved and the balance at its end."""

    #: First day of the week.
    week: date
    redeemed: int
    #: Money that left the account (positive), net of reversed spends.
    spent: int
    #: Adjustments, signed.
    adjusted: int
    balance: int
    entries: int
    #: Money back from store orders (positive), net of reversed refunds.
    refunded: int = 0


@dataclass(frozen=True, slots=True)
class ProjectedWeek:
    """The plan's balance at the end of one coming week."""

    week: date
    #: Orders and gift card planned in the week.
    spend: int
    balance: int


@dataclass(frozen=True, slots=True)
class ExpiringSoon:
    """Money on the account that expires soon, and how much of it the plan leaves unspent."""

    amount: int
    expires_on: date
    unused: int


@dataclass(frozen=True, slots=True)
class MemberItem:
    """What was bought for a member: units and money of one need."""

    need_id: int
    name: str
    units: int
    amount: int


@dataclass(frozen=True, slots=True)
class MemberUse:
    """Everything bought for one member (``None``: for no one in particular)."""

    member: str | None
    total: int
    items: tuple[MemberItem, ...]


@dataclass(frozen=True, slots=True)
class AccountReport:
    """One account's part of the report. Money in minor units of ``currency``."""

    account_id: int
    account: str
    currency: str
    store: str
    note: str | None
    #: Balance from the entries dated before the week, and up to its last day.
    opening: int
    closing: int
    redeemed: int
    spent: int
    adjusted: int
    #: Entries dated in the week.
    entries: int
    #: The week whose planned order is shown: the report week, or today's week for a past week.
    order_week: date
    order: Order | None
    #: The balance the plan starts from (today's).
    plan_balance: int
    #: The planned balance at the end of the report week (``None`` for a past week).
    planned_closing: int | None
    #: Planned balance at the end of each week from the plan's start until it reaches zero.
    projection: tuple[ProjectedWeek, ...]
    #: First day of the week the planned balance reaches zero; ``None``: not within the horizon.
    zero_week: date | None
    #: Every planned order of the horizon (the calendar file has one event per order).
    orders: tuple[Order, ...]
    gift_card: GiftCard | None
    leftover: int
    expiring: tuple[ExpiringSoon, ...]
    #: Every part of today's balance that has an expiry date (the chart marks them all).
    lots: tuple[ExpiringLot, ...]
    late: tuple[PlanLine, ...]
    unplanned: tuple[Unplanned, ...]
    #: What was bought for whom, up to the end of the week, net of reversed spends.
    members: tuple[MemberUse, ...]
    #: Week by week from the first entry to the report week.
    history: tuple[WeekBalance, ...]
    reminders: tuple[str, ...]
    #: Money back from store orders during the week (positive).
    refunded: int = 0
    #: The week's spends and refunds of store orders, by date, with their order ids.
    store_orders: tuple[StoreOrderRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """The weekly report over one or more accounts."""

    week: date
    week_end: date
    today: date
    #: :data:`PAST`, :data:`CURRENT` or :data:`FUTURE`.
    when: str
    week_start: str
    plan_start: date
    plan_weeks: int
    accounts: tuple[AccountReport, ...]
    #: The checkout reminders, once for the whole report.
    reminders: tuple[str, ...]
    pending_contacts: int
    #: The line about pending support contacts, or ``None``.
    support: str | None

    @property
    def plan_end(self) -> date:
        """The last day of the plan's horizon."""
        return self.plan_start + timedelta(days=7 * self.plan_weeks - 1)


# --------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------

_LEDGER_COLUMNS = list(LedgerRow._fields)
CATEGORIES = ("redeem", "spend", "adjust", "refund")


def weekly_rule(week_start: str) -> str:
    """The pandas frequency whose bins are the user's weeks, labelled by their last day."""
    try:
        return WEEKLY_RULE[week_start]
    except KeyError:
        raise ReportError(f"week start must be one of {', '.join(WEEKDAYS)}") from None


def ledger_frame(ledger: Sequence[LedgerRow] | pd.DataFrame) -> pd.DataFrame:
    """The ledger rows as a frame with the money of each movement in its own ``int64`` column.

    Columns: ``account_id``, ``occurred_on`` (datetime64; ISO text and dates are both read),
    ``category``, ``amount``, ``entries``, and ``redeemed``, ``spent`` (positive when money
    left), ``adjusted``, ``refunded``. Raises :class:`ReportError` for an unknown category.
    """
    if isinstance(ledger, pd.DataFrame):
        frame = ledger.loc[:, _LEDGER_COLUMNS].copy()
    else:
        frame = pd.DataFrame.from_records(list(ledger), columns=_LEDGER_COLUMNS)
    frame["account_id"] = frame["account_id"].astype("int64")
    frame["amount"] = frame["amount"].astype(MONEY)
    frame["entries"] = frame["entries"].astype("int64")
    frame["occurred_on"] = pd.to_datetime(frame["occurred_on"], format="ISO8601")
    category = frame["category"].astype(str)
    frame["category"] = category
    unknown = set(category.unique()) - set(CATEGORIES)
    if unknown:
        raise ReportError(f"unknown ledger category {sorted(unknown)[0]!r}")
    amount = frame["amount"].to_numpy()
    zero = np.zeros(len(frame), dtype=MONEY)
    frame["redeemed"] = np.where((category == "redeem").to_numpy(), amount, zero)
    frame["spent"] = np.where((category == "spend").to_numpy(), -amount, zero)
    frame["adjusted"] = np.where((category == "adjust").to_numpy(), amount, zero)
    frame["refunded"] = np.where((category == "refund").to_numpy(), amount, zero)
    return frame


def weekly_ledger(
    frame: pd.DataFrame,
    account_ids: Iterable[int],
    week_start: str,
    last_week: date,
    opening: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    """Each account's ledger resampled into weeks, up to the week starting ``last_week``.

    ``frame`` comes from :func:`ledger_frame`. The result has one row per account and week,
    from the week of the first row (of any account, so they line up) to ``last_week``, weeks
    without entries included: a ``(account_id, week)`` index (``week`` is the week's first
    day) and ``int64`` columns ``redeemed``, ``spent``, ``adjusted``, ``refunded``, ``change``,
    ``balance`` (at the week's end, starting from the account's ``opening`` balance) and
    ``entries``. Rows dated after ``last_week``'s end are left out.
    """
    rule = weekly_rule(week_start)
    ids = list(dict.fromkeys(account_ids))
    last_label = pd.Timestamp(last_week + timedelta(days=6))
    frame = frame[(frame["occurred_on"] <= last_label) & frame["account_id"].isin(ids)]
    columns = ["redeemed", "spent", "adjusted", "refunded", "amount", "entries"]
    if frame.empty:
        first_label = last_label
    else:
        first = frame["occurred_on"].min().date()
        first_label = pd.Timestamp(first + timedelta(days=6 - _offset(first, week_start)))
    labels = pd.date_range(first_label, last_label, freq=rule)
    full = pd.MultiIndex.from_product([ids, labels], names=["account_id", "label"])
    sums = frame.groupby(["account_id", pd.Grouper(key="occurred_on", freq=rule)])[columns].sum()
    sums.index.names = ["account_id", "label"]
    weekly = sums.reindex(full, fill_value=0).astype(MONEY)
    weekly = weekly.rename(columns={"amount": "change"})
    weekly["balance"] = weekly.groupby(level="account_id")["change"].cumsum().astype(MONEY)
    if opening:
        carried = [opening.get(int(i), 0) for i in weekly.index.get_level_values("account_id")]
        weekly["balance"] = weekly["balance"] + np.array(carried, dtype=MONEY)
    weeks = pd.DatetimeIndex(weekly.index.get_level_values("label")) - pd.Timedelta(days=6)
    weekly.index = pd.MultiIndex.from_arrays(
        [weekly.index.get_level_values("account_id"), weeks], names=["account_id", "week"]
    )
    return weekly[["redeemed", "spent", "adjusted", "refunded", "change", "balance", "entries"]]


def member_use_frame(purchases: Sequence[PurchaseRow], until: date) -> pd.DataFrame:
    """What was bought for whom up to ``until``, net of reversed spends.

    One row per account, member (``""`` for none) and need, with ``int64`` columns ``units``
    and ``amount`` (money spent, positive).
    """
    bought = pd.DataFrame.from_records(list(purchases), columns=list(PurchaseRow._fields))
    bought["occurred_on"] = pd.to_datetime(bought["occurred_on"], format="ISO8601")
    kept = bought[~bought["reversed"].astype(bool) & (bought["occurred_on"] <= pd.Timestamp(until))]
    kept = kept.assign(member=kept["member"].fillna("").astype(str))
    keys = ["account_id", "member", "need_id", "need"]
    use = kept.groupby(keys, as_index=False)[["units", "amount"]].sum()
    for column in ("account_id", "need_id", "units"):
        use[column] = use[column].astype("int64")
    use["amount"] = use["amount"].astype(MONEY)
    return use


def projection_frame(plan: AccountPlan | None, start: date, weeks: int) -> pd.DataFrame:
    """The plan's spend and balance at the end of each week of the horizon.

    One row per week (``week``: its first day, from ``start``), ``int64`` columns ``spend``
    (the orders and the gift card of that week) and ``balance``. No plan (an account with
    nothing on it) is a balance of zero throughout.
    """
    index = pd.DatetimeIndex([pd.Timestamp(start + timedelta(days=7 * k)) for k in range(weeks)])
    planned: list[tuple[pd.Timestamp, int]] = []
    balance = 0
    if plan is not None:
        balance = plan.balance
        planned = [(pd.Timestamp(order.week), order.total) for order in plan.orders]
        if plan.gift_card is not None:
            planned.append((pd.Timestamp(plan.gift_card.week), plan.gift_card.amount))
    spends = pd.DataFrame(planned, columns=["week", "spend"]).astype({"spend": MONEY})
    spend = spends.groupby("week")["spend"].sum().reindex(index, fill_value=0).astype(MONEY)
    result = pd.DataFrame({"spend": spend})
    result["balance"] = (balance - spend.cumsum()).astype(MONEY)
    result.index.name = "week"
    return result


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def _offset(day: date, week_start: str) -> int:
    return day.weekday() if week_start == "monday" else (day.weekday() + 1) % 7


def _history(weekly: pd.DataFrame, account_id: int) -> tuple[WeekBalance, ...]:
    rows = weekly.xs(account_id, level="account_id")
    names = ("redeemed", "spent", "adjusted", "balance", "entries", "refunded")
    columns = [rows[name].tolist() for name in names]
    return tuple(
        WeekBalance(day.date(), int(r), int(s), int(a), int(b), int(n), int(f))
        for day, r, s, a, b, n, f in zip(pd.DatetimeIndex(rows.index), *columns, strict=True)
    )


def _member_uses(use: pd.DataFrame, account_id: int) -> tuple[MemberUse, ...]:
    rows = use[use["account_id"] == account_id]
    members: list[MemberUse] = []
    for member, group in rows.groupby("member", sort=False):
        items = sorted(
            (
                MemberItem(int(need_id), str(name), int(units), int(amount))
                for need_id, name, units, amount in zip(
                    group["need_id"], group["need"], group["units"], group["amount"], strict=True
                )
            ),
            key=lambda item: (-item.amount, item.name.casefold(), item.need_id),
        )
        members.append(
            MemberUse(str(member) or None, sum(item.amount for item in items), tuple(items))
        )
    # Members by what they received, the unnamed purchases last.
    members.sort(key=lambda m: (m.member is None, -m.total, (m.member or "").casefold()))
    return tuple(members)


def _expiring(
    lots: Iterable[ExpiringLot], plan: AccountPlan | None, window_start: date
) -> tuple[ExpiringSoon, ...]:
    window_end = window_start + timedelta(weeks=EXPIRY_WINDOW_WEEKS)
    unused = {s.expires_on: s.amount for s in plan.expiring_unused} if plan else {}
    by_date: dict[date, int] = {}
    for lot in lots:
        if window_start <= lot.expires_on < window_end and lot.amount > 0:
            by_date[lot.expires_on] = by_date.get(lot.expires_on, 0) + lot.amount
    return tuple(
        ExpiringSoon(amount, day, min(amount, unused.get(day, 0)))
        for day, amount in sorted(by_date.items())
    )


def _support_line(pending: int) -> str | None:
    if pending <= 0:
        return None
    contacts = "contact" if pending == 1 else "contacts"
    verb = "is" if pending == 1 else "are"
    return (
        f"{pending} support {contacts} {verb} still pending: follow up, and log the outcome "
        "with giftbalance contact update ID --outcome ... (giftbalance contact list shows them)."
    )


def _reminders(accounts: Sequence[AccountReport]) -> tuple[str, ...]:
    ordering = [a.account for a in accounts if a.order is not None] or [a.account for a in accounts]
    if len(ordering) == 1:
        return checkout_reminders(ordering[0])
    return checkout_reminders("the account each order is for")


def build_report(data: ReportData) -> Report:
    """The weekly report: per account, the week's actuals, its planned order, the projection,
    money expiring within 4 weeks, late and unplanned needs, and per-member use; then the
    checkout reminders and the pending support contacts.

    For a past week the ledger part is that week's, and the plan part is the plan from today
    (``plan.start``): its first order and the projection from today. For the current and
    future weeks the order shown is that week's. Raises :class:`ReportError` when ``week``
    is not the first day of a week, or the plan does not reach the report week.
    """
    rule_week_start = data.week_start
    weekly_rule(rule_week_start)
    if _offset(data.week, rule_week_start) != 0:
        raise ReportError(f"{data.week} is not the first day of a week ({rule_week_start} weeks)")
    plan = data.plan
    if data.week > plan.start:
        ahead = (data.week - plan.start).days // 7
        if ahead >= plan.weeks:
            raise ReportError(f"the plan ends before the week of {data.week}")
    when = PAST if data.week < plan.start else CURRENT if data.week == plan.start else FUTURE
    ids = [a.account_id for a in data.accounts]
    frame = ledger_frame(data.ledger)
    weekly = weekly_ledger(frame, ids, rule_week_start, data.week, data.opening)
    use = member_use_frame(data.purchases, data.week + timedelta(days=6))
    plans = {p.account_id: p for p in plan.accounts}
    order_week = max(data.week, plan.start)
    window_start = max(data.week, plan.start)

    reports: list[AccountReport] = []
    for account in data.accounts:
        history = _history(weekly, account.account_id)
        this = history[-1]
        account_plan = plans.get(account.account_id)
        projected = projection_frame(account_plan, plan.start, plan.weeks)
        zero = projected.index[projected["balance"] == 0]
        zero_week = zero[0].date() if len(zero) else None
        shown = projected if zero_week is None else projected.loc[: pd.Timestamp(zero_week)]
        balances = dict(
            zip(pd.DatetimeIndex(projected.index).date, projected["balance"].tolist(), strict=True)
        )
        planned_closing = None if when == PAST else int(balances[data.week])
        orders = account_plan.orders if account_plan else ()
        order = next((o for o in orders if o.week == order_week), None)
        reports.append(
            AccountReport(
                account_id=account.account_id,
                account=account.name,
                currency=account.currency,
                store=account.store,
                note=account.note,
                opening=this.balance - this.redeemed + this.spent - this.adjusted - this.refunded,
                closing=this.balance,
                redeemed=this.redeemed,
                spent=this.spent,
                adjusted=this.adjusted,
                refunded=this.refunded,
                entries=this.entries,
                order_week=order_week,
                order=order,
                plan_balance=account_plan.balance if account_plan else 0,
                planned_closing=planned_closing,
                projection=tuple(
                    ProjectedWeek(day.date(), int(spend), int(balance))
                    for day, spend, balance in zip(
                        shown.index, shown["spend"], shown["balance"], strict=True
                    )
                ),
                zero_week=zero_week,
                orders=orders,
                gift_card=account_plan.gift_card if account_plan else None,
                leftover=account_plan.leftover if account_plan else 0,
                expiring=_expiring(
                    data.expiring.get(account.account_id, ()), account_plan, window_start
                ),
                lots=tuple(
                    sorted(
                        data.expiring.get(account.account_id, ()), key=lambda lot: lot.expires_on
                    )
                ),
                late=account_plan.late if account_plan else (),
                unplanned=account_plan.unplanned if account_plan else (),
                members=_member_uses(use, account.account_id),
                history=history,
                reminders=orders[0].reminders if orders else checkout_reminders(account.name),
                store_orders=tuple(
                    sorted(
                        (
                            row
                            for row in data.store_orders
                            if row.account_id == account.account_id
                            and data.week <= row.occurred_on <= data.week + timedelta(days=6)
                        ),
                        key=lambda row: (row.occurred_on, row.order_id),
                    )
                ),
            )
        )
    return Report(
        week=data.week,
        week_end=data.week + timedelta(days=6),
        today=data.today,
        when=when,
        week_start=rule_week_start,
        plan_start=plan.start,
        plan_weeks=plan.weeks,
        accounts=tuple(reports),
        reminders=_reminders(reports),
        pending_contacts=data.pending_contacts,
        support=_support_line(data.pending_contacts),
    )
