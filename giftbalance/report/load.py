"""Loading the weekly report's inputs from the database.

:mod:`giftbalance.report.weekly` is pure; this module reads what it takes, through
:mod:`giftbalance.storage.queries` (a command's reader, or a session): the ledger of the
reported accounts summed per day in SQL (so a long ledger costs the report a row per day, not
per entry), the purchases with their members' names, the number of pending support contacts,
and the plan (through :mod:`giftbalance.plan.load`, the same loader as ``giftbalance plan``).

How much of the ledger: the week by week history (``--format json``, ``csv`` and ``html``, whose
chart shows it, and ``--chart``) needs every day up to the report week; text and markdown show
only the report week, so they read only its days and each account's balance before it (the
balance, less what the entries dated from the week on add up to: indexed lookups), whatever
the ledger's length.

Which plan a week gets: the plan always starts in *today's* week, from today's balance,
because only the present balance and the open needs can be planned.

* the current week: its actuals so far, its planned order and the projection from today;
* a past week: its actuals, and beside them what the plan is from today (today's order and
  the projection from today) — a plan made back then is not stored, so it cannot be shown;
* a future week: the entries already dated in it, the plan's order for that week and the
  planned balance at its end; the plan's horizon is stretched to reach it (12 weeks at least).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from giftbalance.errors import InputError
from giftbalance.ledger import reading as ledger
from giftbalance.plan import load as plan_load
from giftbalance.plan.planner import make_plan
from giftbalance.report.weekly import (
    LedgerRow,
    PurchaseRow,
    ReportAccount,
    ReportData,
    StoreOrderRow,
)
from giftbalance.storage import queries, settings
from giftbalance.storage.reader import Reader, as_reader
from giftbalance.values.dates import MAX_WEEKS, week_start

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def report_weeks(first: date, week: date) -> int:
    """The plan's horizon for a report on ``week`` when the plan starts on ``first``: the
    default 12 weeks, or up to and including ``week``. Raises :class:`InputError` beyond the
    planner's limit."""
    ahead = (week - first).days // 7
    weeks = max(plan_load.DEFAULT_WEEKS, ahead + 1)
    if weeks > MAX_WEEKS:
        raise InputError(
            f"--week {week} is too far ahead: the plan reaches {MAX_WEEKS} weeks at most"
        )
    return weeks


def daily_ledger(
    source: Session | Reader, account_ids: list[int], until: date, since: date | None = None
) -> list[LedgerRow]:
    """The ledger of ``account_ids`` dated up to ``until`` (and from ``since``), summed per
    account, day and category in SQL, as :class:`~giftbalance.report.weekly.LedgerRow` records
    (for :func:`giftbalance.report.weekly.ledger_frame`).

    A reversal counts in the category of the entry it reverses. Summing per day in the
    database sends the report a few thousand rows instead of every entry (100,000 in the
    benchmark); the report then resamples the days into weeks.
    """
    return [
        LedgerRow(*day) for day in queries.ledger_days(as_reader(source), account_ids, until, since)
    ]


def purchases(source: Session | Reader, account_ids: list[int], until: date) -> list[PurchaseRow]:
    """The purchases paid from ``account_ids`` by spends dated on or before ``until``, with
    the need's name, the member's (as recorded at the time), the money spent and whether the
    spend was reversed since."""
    return [PurchaseRow(*row) for row in queries.purchases(as_reader(source), account_ids, until)]


def store_orders(
    source: Session | Reader, account_ids: list[int], first: date, last: date
) -> list[StoreOrderRow]:
    """The spends and refunds of store orders (``giftbalance store import``) of
    ``account_ids`` dated from ``first`` to ``last``."""
    rows = queries.store_orders(as_reader(source), account_ids, first, last)
    return [StoreOrderRow(*row) for row in rows]


def load(
    source: Session | Reader,
    *,
    day: date,
    account: str | None,
    today: date,
    history: bool = True,
) -> ReportData:
    """The report's inputs for the week containing ``day`` (weeks per the ``week_start``
    setting): every active account, or only ``account``. Without ``history``, the ledger is
    read from the report week on only (the report's ``history`` then holds that week alone).

    Raises :class:`~giftbalance.errors.NotFound` for an unknown account and
    :class:`InputError` for a week beyond the planner's horizon.
    """
    reader = as_reader(source)
    first_weekday = settings.value(reader, "week_start")
    week = week_start(day, first_weekday)
    first = week_start(today, first_weekday)
    weeks = report_weeks(first, week)
    chosen = [ledger.find_account(reader, account)] if account else ledger.accounts(reader)
    inputs = plan_load.load(reader, account=account, start=first, weeks=weeks)
    plan = make_plan(inputs.accounts, inputs.needs, inputs.options)
    ids = [a.id for a in chosen]
    week_end = week + timedelta(days=6)
    since = None if history else week
    opening = (
        {}
        if since is None
        else {
            a.id: ledger.balance(reader, a) - queries.moved_since(reader, a.id, since)
            for a in chosen
        }
    )
    return ReportData(
        week=week,
        today=today,
        week_start=first_weekday,
        accounts=tuple(ReportAccount(a.id, a.name, a.currency, a.store, a.note) for a in chosen),
        ledger=daily_ledger(reader, ids, week_end, since),
        purchases=purchases(reader, ids, week_end),
        plan=plan,
        expiring={a.account_id: a.expiring for a in inputs.accounts},
        pending_contacts=queries.pending_contacts(reader, chosen[0].id if account else None),
        store_orders=store_orders(reader, ids, week, week_end),
        opening=opening,
    )
