"""Loading the weekly report's inputs from the database.

:mod:`giftbalance.report` is pure; this module reads what it takes: the ledger of the reported
accounts up to the end of the report week, filtered and summed per day in SQL (so a long
ledger costs the report a row per day, not per entry), the purchases with their members'
names, the number of pending support contacts, and the plan (through
:mod:`giftbalance.planning`, the same loader as ``giftbalance plan``).

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

import pandas as pd
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from giftbalance.errors import InputError
from giftbalance.ledger import accounts
from giftbalance.plan import load as plan_load
from giftbalance.plan.planner import make_plan
from giftbalance.report.weekly import LedgerRow, PurchaseRow, ReportAccount, ReportData
from giftbalance.storage import settings
from giftbalance.storage.models import Account, Contact, Entry, Member, Need, Purchase
from giftbalance.values.dates import MAX_WEEKS, week_start


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


def daily_ledger(session: Session, account_ids: list[int], until: date) -> pd.DataFrame:
    """The ledger of ``account_ids`` up to ``until``, summed per account, day and category in
    SQL, as a frame with the columns of :class:`~giftbalance.report.weekly.LedgerRow` (for
    :func:`giftbalance.report.weekly.ledger_frame`).

    A reversal counts in the category of the entry it reverses. Summing per day in the
    database sends the report a few thousand rows instead of every entry (100,000 in the
    benchmark); pandas then resamples the days into weeks. ``occurred_on`` comes as the driver
    returns it (ISO text on SQLite, dates on PostgreSQL); the report reads both.
    """
    undone = aliased(Entry)
    category = case(
        (Entry.kind == "reversal", func.coalesce(undone.kind, "adjust")), else_=Entry.kind
    )
    query = (
        select(
            Entry.account_id,
            Entry.occurred_on,
            category.label("category"),
            func.sum(Entry.amount),
            func.count(Entry.id),
        )
        .outerjoin(undone, undone.id == Entry.reverses_id)
        .where(Entry.occurred_on <= until, Entry.account_id.in_(account_ids))
        .group_by(Entry.account_id, Entry.occurred_on, category)
    )
    rows = [tuple(row) for row in session.execute(query)]
    return pd.DataFrame.from_records(rows, columns=list(LedgerRow._fields))


def purchases(session: Session, account_ids: list[int], until: date) -> list[PurchaseRow]:
    """The purchases paid from ``account_ids`` by spends dated on or before ``until``, with
    the need's name, the member's (as recorded at the time), the money spent and whether the
    spend was reversed since."""
    reversal = aliased(Entry)
    rows = session.execute(
        select(
            Entry.account_id,
            Entry.occurred_on,
            Purchase.need_id,
            Need.name,
            Member.name,
            Purchase.units,
            -Entry.amount,
            reversal.id.is_not(None),
        )
        .join(Entry, Entry.id == Purchase.entry_id)
        .join(Need, Need.id == Purchase.need_id)
        .outerjoin(Member, Member.id == Purchase.member_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .where(Entry.occurred_on <= until, Entry.account_id.in_(account_ids))
        .order_by(Purchase.id)
    ).all()
    return [PurchaseRow(*row) for row in rows]


def pending_contacts(session: Session, account: Account | None) -> int:
    """Support contacts still pending: all of them, or for one account those about it and
    those about no account in particular."""
    query = select(func.count(Contact.id)).where(Contact.outcome == "pending")
    if account is not None:
        query = query.where(or_(Contact.account_id == account.id, Contact.account_id.is_(None)))
    return session.scalar(query) or 0


def load(session: Session, *, day: date, account: str | None, today: date) -> ReportData:
    """The report's inputs for the week containing ``day`` (weeks per the ``week_start``
    setting): every active account, or only ``account``.

    Raises :class:`~giftbalance.errors.NotFound` for an unknown account and
    :class:`InputError` for a week beyond the planner's horizon.
    """
    first_weekday = settings.get(session, "week_start")
    week = week_start(day, first_weekday)
    first = week_start(today, first_weekday)
    weeks = report_weeks(first, week)
    chosen = [accounts.find_account(session, account)] if account else accounts.accounts(session)
    inputs = plan_load.load(session, account=account, start=first, weeks=weeks)
    plan = make_plan(inputs.accounts, inputs.needs, inputs.options)
    ids = [a.id for a in chosen]
    week_end = week + timedelta(days=6)
    return ReportData(
        week=week,
        today=today,
        week_start=first_weekday,
        accounts=tuple(ReportAccount(a.id, a.name, a.currency, a.store, a.note) for a in chosen),
        ledger=daily_ledger(session, ids, week_end),
        purchases=purchases(session, ids, week_end),
        plan=plan,
        expiring={a.account_id: a.expiring for a in inputs.accounts},
        pending_contacts=pending_contacts(session, chosen[0] if account else None),
    )
