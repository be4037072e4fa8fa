"""The reminders' inputs read from the database, and what was already delivered or dismissed.

:mod:`giftbalance.report.reminders` is pure; this module loads its inputs (the plan through
the same loader as ``giftbalance plan``, the expiring money, the open needs, the last balance
check of each account) and keeps the ``reminders`` table: a row per reminder once it was
delivered, listed or dismissed, so an occasion is delivered once and a dismissed one never
returns.

Delivery is recorded only after it happened (:func:`mark_sent`, in its own transaction after
the lines were printed or the notification services accepted them): a crash or a failed
delivery leaves the reminder unsent, and the next run delivers it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from giftbalance.errors import NotFound
from giftbalance.ledger import accounts as ledger_accounts
from giftbalance.plan import load as plan_load
from giftbalance.plan.planner import make_plan
from giftbalance.report.reminders import (
    DEFAULT_THRESHOLDS,
    AccountCheck,
    ExpiringMoney,
    OpenNeed,
    OrderDue,
    PendingMatch,
    Reminder,
    ReminderInputs,
    reminders,
)
from giftbalance.storage.models import Reconciliation
from giftbalance.storage.models import Reminder as ReminderRow
from giftbalance.values.dates import now, week_start


@dataclass(frozen=True, slots=True)
class Listed:
    """A reminder with its id (what ``giftbalance remind --done ID`` takes)."""

    id: int
    reminder: Reminder
    #: Already delivered (shown by ``remind --all`` only).
    sent: bool = False


def pending_matches(session: Session, today: date) -> tuple[PendingMatch, ...]:
    """The store-import matches still to confirm: the extension point of the store import,
    which loads them here once it has landed. Until then there are none."""
    return ()


def load_inputs(session: Session, today: date) -> ReminderInputs:
    """Everything :func:`~giftbalance.report.reminders.reminders` needs for ``today``."""
    from giftbalance.storage import settings

    week = week_start(today, settings.get(session, "week_start"))
    inputs = plan_load.load(session, account=None, start=week, weeks=plan_load.DEFAULT_WEEKS)
    plan = make_plan(inputs.accounts, inputs.needs, inputs.options)
    names = {a.id: a.name for a in ledger_accounts.accounts(session, include_archived=True)}
    added = {a.id: a.created_at.date() for a in ledger_accounts.accounts(session)}
    by_id = {a.account_id: a for a in inputs.accounts}

    expiring = tuple(
        ExpiringMoney(a.account_id, a.name, a.currency, lot.amount, lot.expires_on)
        for a in inputs.accounts
        for lot in a.expiring
        if lot.expires_on >= today
    )
    orders = tuple(
        OrderDue(
            p.account_id,
            p.account,
            p.currency,
            order.week,
            order.total,
            tuple((line.need_id, line.name) for line in order.lines),
        )
        for p in plan.accounts
        for order in p.orders[:1]
    )
    needs = tuple(
        OpenNeed(
            need_id=n.need_id,
            name=n.name,
            for_member=n.for_member,
            due=due,
            amount=n.unit_price * n.quantity,
            currency=n.currency,
            account_id=n.account_id,
            account=names.get(n.account_id) if n.account_id is not None else None,
        )
        for n in inputs.needs
        if (due := (n.next_date if n.rule else n.need_by)) is not None
    )
    checked = dict(
        session.execute(
            select(Reconciliation.account_id, func.max(Reconciliation.checked_on)).group_by(
                Reconciliation.account_id
            )
        ).all()
    )
    checks = tuple(
        AccountCheck(
            account_id=a.account_id,
            account=a.name,
            currency=a.currency,
            balance=a.balance,
            last_checked=_as_date(checked.get(a.account_id)),
            added_on=added[a.account_id],
        )
        for a in by_id.values()
        if a.account_id in added
    )
    return ReminderInputs(
        today=today,
        week=week,
        expiring=expiring,
        orders=orders,
        needs=needs,
        accounts=checks,
        matches=pending_matches(session, today),
    )


def _as_date(value: object) -> date | None:
    # max() of a date column comes back as ISO text from SQLite.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def due(
    session: Session,
    today: date,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    *,
    include_sent: bool = False,
) -> list[Listed]:
    """The reminders for ``today``, most urgent first, with their ids: those not delivered
    yet (with ``include_sent``, the delivered ones too), never the dismissed ones.

    Writes a row for each reminder met for the first time (it gets its id), so call it in a
    write transaction.
    """
    found = reminders(load_inputs(session, today), thresholds)
    if not found:
        return []
    keys = [r.key for r in found]
    rows = {
        row.key: row
        for start in range(0, len(keys), 500)
        for row in session.scalars(
            select(ReminderRow).where(ReminderRow.key.in_(keys[start : start + 500]))
        )
    }
    listed = []
    stamp = now()
    for reminder in found:
        row = rows.get(reminder.key)
        if row is None:
            row = ReminderRow(
                key=reminder.key,
                kind=reminder.kind,
                account_id=reminder.account_id,
                due_on=reminder.day,
                text=reminder.text,
                created_at=stamp,
            )
            session.add(row)
            session.flush()
        if row.dismissed_at is not None or (row.sent_at is not None and not include_sent):
            continue
        listed.append(Listed(row.id, reminder, sent=row.sent_at is not None))
    return listed


def mark_sent(session: Session, ids: Sequence[int], by: str) -> int:
    """Record that the reminders ``ids`` were delivered (``by``: ``remind`` or ``notify``);
    returns how many were not marked before."""
    stamp = now()
    marked = 0
    for start in range(0, len(ids), 500):
        for row in session.scalars(
            select(ReminderRow).where(ReminderRow.id.in_(ids[start : start + 500]))
        ):
            if row.sent_at is None:
                row.sent_at, row.sent_by = stamp, by
                marked += 1
    return marked


def dismiss(session: Session, reminder_id: int) -> tuple[ReminderRow, bool]:
    """Dismiss a reminder for good; returns its row and whether it was dismissed before.

    Raises :class:`NotFound` for an id no reminder has.
    """
    row = session.get(ReminderRow, reminder_id)
    if row is None:
        raise NotFound(
            f"no reminder {reminder_id} (giftbalance remind --all lists the current ones with "
            "their ids)"
        )
    if row.dismissed_at is not None:
        return row, True
    row.dismissed_at = now()
    return row, False
