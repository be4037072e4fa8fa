"""What needs attention today: the reminders of ``giftbalance remind`` and ``notify --remind``.

Pure: plain records in (:class:`ReminderInputs`), :class:`Reminder` records out, most urgent
first; no database, no click, and no clock: ``today`` is part of the inputs.
:mod:`giftbalance.report.reminder_state` loads the inputs and remembers what was delivered or
dismissed; the renderers in :mod:`giftbalance.render.reminders` print them.

The kinds, each with the occasion its key names (the same occasion is delivered once):

* ``expiry``: money on an account that expires within a threshold (30, 7 and 1 days by
  default). Each threshold is its own occasion, so a lot is reminded once at 30 days, once at
  7 and once at 1; a run that finds several thresholds crossed at once (the machine was off)
  reminds only the nearest.
* ``late``: an open need whose need-by date (for a recurring need: the occurrence still to
  buy) has passed.
* ``order``: this week's planned order on an account, not bought yet; once a week.
* ``import_match``: a store-import match still to confirm (:class:`PendingMatch`, loaded by
  the store import; the extension point for that feature).
* ``reconcile``: an account with money on it whose balance was not checked against the store
  (``giftbalance reconcile``) for more than 30 days; again every 30 days until it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from giftbalance.errors import InputError
from giftbalance.values.money import show_money
from giftbalance.values.numbers import digit_hint

if TYPE_CHECKING:
    from giftbalance.household.matches import PendingMatch

#: Days before an expiry date at which the money is reminded, farthest first.
DEFAULT_THRESHOLDS = (30, 7, 1)
MAX_THRESHOLD = 366
#: An account whose balance was last checked longer ago than this is reminded.
RECONCILE_AFTER_DAYS = 30
#: The kinds; on the same deadline, an earlier kind comes first.
KINDS = ("expiry", "late", "order", "import_match", "reconcile")
#: How many of an order's needs a reminder names.
NAMED_LINES = 3


@dataclass(frozen=True, slots=True)
class Reminder:
    """One thing that needs attention.

    ``key`` names the occasion (``expiry:3:2026-12-15:7``); ``deadline`` orders the reminders
    (the sooner, the more urgent); ``day`` is the date it is about (the expiry date, the
    need-by date, the order's week, the last balance check).
    """

    key: str
    kind: str
    text: str
    deadline: date
    account_id: int | None = None
    account: str | None = None
    amount: int | None = None
    currency: str | None = None
    day: date | None = None


# --------------------------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpiringMoney:
    """What is left of the money on an account that expires on ``expires_on``."""

    account_id: int
    account: str
    currency: str
    amount: int
    expires_on: date


@dataclass(frozen=True, slots=True)
class OrderDue:
    """The plan's order on an account for the week starting ``week``."""

    account_id: int
    account: str
    currency: str
    week: date
    total: int
    #: ``(need id, name)`` of each line.
    lines: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class OpenNeed:
    """An open need with its date: the need-by date, or a recurring need's next occurrence."""

    need_id: int
    name: str
    for_member: str | None
    due: date
    #: Unit price times quantity, before tax.
    amount: int
    currency: str
    account_id: int | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class AccountCheck:
    """An account with money on it and the last time its balance was checked."""

    account_id: int
    account: str
    currency: str
    balance: int
    #: The newest ``giftbalance reconcile`` of the account, or ``None``: never.
    last_checked: date | None
    #: The day the account was added (the count starts there when it was never checked).
    added_on: date


@dataclass(frozen=True, slots=True)
class ReminderInputs:
    """Everything :func:`reminders` takes."""

    today: date
    #: First day of today's week.
    week: date
    expiring: tuple[ExpiringMoney, ...] = ()
    orders: tuple[OrderDue, ...] = ()
    needs: tuple[OpenNeed, ...] = ()
    accounts: tuple[AccountCheck, ...] = ()
    matches: tuple[PendingMatch, ...] = ()


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------


def parse_thresholds(text: str) -> tuple[int, ...]:
    """``"30,7,1"`` as ``(30, 7, 1)``: whole days before an expiry date, farthest first.

    Raises :class:`InputError` for anything but 1 to 366 days separated by commas (digits
    0-9).
    """
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or not all(re.fullmatch(r"[0-9]{1,4}", part) for part in parts):
        raise InputError(
            f"--days takes whole days separated by commas, like 30,7,1; not {text.strip()!r}"
            + digit_hint(text)
        )
    days = sorted({int(part) for part in parts}, reverse=True)
    if days[-1] < 1 or days[0] > MAX_THRESHOLD:
        raise InputError(f"--days: each threshold is 1 to {MAX_THRESHOLD} days")
    return tuple(days)


def threshold_for(days_left: int, thresholds: Sequence[int]) -> int | None:
    """The threshold a lot ``days_left`` days from its expiry has reached: the smallest
    threshold at or above ``days_left``; ``None`` when none is reached yet, or the money has
    expired (``days_left < 0``)."""
    if days_left < 0:
        return None
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


# --------------------------------------------------------------------------------------------
# The kinds
# --------------------------------------------------------------------------------------------


def _day(value: date) -> str:
    return f"{value:%a} {value.isoformat()}"


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def expiry_reminders(
    money: Iterable[ExpiringMoney], today: date, thresholds: Sequence[int]
) -> list[Reminder]:
    """A reminder per account and expiry date whose money has reached a threshold; lots of
    one account expiring on the same day are added together."""
    totals: dict[tuple[int, date], tuple[ExpiringMoney, int]] = {}
    for lot in money:
        if lot.amount <= 0:
            continue
        key = (lot.account_id, lot.expires_on)
        first, amount = totals.get(key, (lot, 0))
        totals[key] = (first, amount + lot.amount)
    found = []
    for (account_id, expires_on), (lot, amount) in sorted(totals.items()):
        days = (expires_on - today).days
        threshold = threshold_for(days, thresholds)
        if threshold is None:
            continue
        found.append(
            Reminder(
                key=f"expiry:{account_id}:{expires_on.isoformat()}:{threshold}",
                kind="expiry",
                text=(
                    f"{lot.account}: {show_money(amount, lot.currency)} expires "
                    f"{_in_days(days)} ({_day(expires_on)}); spend it "
                    f"{'today' if days == 0 else 'before then'} (giftbalance plan shows how)"
                ),
                deadline=expires_on,
                account_id=account_id,
                account=lot.account,
                amount=amount,
                currency=lot.currency,
                day=expires_on,
            )
        )
    return found


def late_reminders(needs: Iterable[OpenNeed], today: date) -> list[Reminder]:
    """A reminder per open need whose date has passed."""
    found = []
    for need in needs:
        if need.due >= today:
            continue
        days = (today - need.due).days
        ago = "yesterday" if days == 1 else f"{days} days ago"
        who = f" for {need.for_member}" if need.for_member else ""
        found.append(
            Reminder(
                key=f"late:{need.need_id}:{need.due.isoformat()}",
                kind="late",
                text=(
                    f"Need #{need.need_id} {need.name}{who} was needed by {_day(need.due)} "
                    f"({ago}) and is still open; once bought, record it with giftbalance "
                    f"need bought {need.need_id}"
                ),
                deadline=today,
                account_id=need.account_id,
                account=need.account,
                amount=need.amount,
                currency=need.currency,
                day=need.due,
            )
        )
    return found


def order_reminders(orders: Iterable[OrderDue], week: date) -> list[Reminder]:
    """A reminder per account whose planned order for the week starting ``week`` is not
    bought yet (bought lines leave the plan, so every line of the order is still to buy)."""
    found = []
    for order in orders:
        if order.week != week or not order.lines:
            continue
        names = [f"#{need_id} {name}" for need_id, name in order.lines[:NAMED_LINES]]
        more = len(order.lines) - NAMED_LINES
        if more > 0:
            names.append(f"{more} more")
        found.append(
            Reminder(
                key=f"order:{order.account_id}:{week.isoformat()}",
                kind="order",
                text=(
                    f"{order.account}: this week's order, {show_money(order.total, order.currency)}, "
                    f"is not bought yet: {', '.join(names)} (giftbalance plan lists it)"
                ),
                deadline=week + timedelta(days=6),
                account_id=order.account_id,
                account=order.account,
                amount=order.total,
                currency=order.currency,
                day=week,
            )
        )
    return found


def match_reminders(matches: Iterable[PendingMatch], today: date) -> list[Reminder]:
    """A reminder per store-import match still to confirm."""
    return [
        Reminder(
            key=f"import_match:{match.match_id}",
            kind="import_match",
            text=(
                f"{match.account}: the store import matched need {match.need_id} "
                f"({match.need}) to {match.item or 'an item'} of order {match.order_id} "
                f"({show_money(match.amount, match.currency)}"
                + (f", {match.ordered_on.isoformat()}" if match.ordered_on else "")
                + f"), not confirmed yet: {match.command}"
            ),
            deadline=today,
            account_id=match.account_id,
            account=match.account,
            amount=match.amount,
            currency=match.currency,
            day=match.ordered_on or today,
        )
        for match in matches
    ]


def reconcile_reminders(
    accounts: Iterable[AccountCheck], today: date, after_days: int = RECONCILE_AFTER_DAYS
) -> list[Reminder]:
    """A reminder per account with money whose balance was last checked more than
    ``after_days`` ago (or, never checked, was added that long ago); once per period of
    ``after_days`` days."""
    found = []
    for account in accounts:
        if account.balance <= 0:
            continue
        since = account.last_checked or account.added_on
        days = (today - since).days
        if days <= after_days:
            continue
        period = (days - 1) // after_days
        checked = (
            f"last checked against the store {days} days ago ({since.isoformat()})"
            if account.last_checked is not None
            else f"never checked against the store since it was added {days} days ago"
        )
        found.append(
            Reminder(
                key=f"reconcile:{account.account_id}:{since.isoformat()}:{period}",
                kind="reconcile",
                text=(
                    f"{account.account}: balance {show_money(account.balance, account.currency)} "
                    f"{checked}; compare it with the store and run giftbalance reconcile AMOUNT "
                    f"--account {_quoted(account.account)}"
                ),
                deadline=since + timedelta(days=after_days * (period + 1)),
                account_id=account.account_id,
                account=account.account,
                amount=account.balance,
                currency=account.currency,
                day=since,
            )
        )
    return found


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[\w.@+-]+", name) else '"' + name.replace('"', '\\"') + '"'


def urgency(reminder: Reminder) -> tuple[date, int, str, str]:
    """The sort key: the sooner the deadline, the more urgent; then by kind, account, text."""
    return (reminder.deadline, KINDS.index(reminder.kind), reminder.account or "", reminder.text)


def reminders(
    inputs: ReminderInputs, thresholds: Sequence[int] = DEFAULT_THRESHOLDS
) -> list[Reminder]:
    """Everything that needs attention on ``inputs.today``, most urgent first."""
    found = [
        *expiry_reminders(inputs.expiring, inputs.today, thresholds),
        *late_reminders(inputs.needs, inputs.today),
        *order_reminders(inputs.orders, inputs.week),
        *match_reminders(inputs.matches, inputs.today),
        *reconcile_reminders(inputs.accounts, inputs.today),
    ]
    # A reconcile reminder's deadline passed long ago; it is the least urgent all the same.
    return sorted(found, key=lambda r: (r.kind == "reconcile", *urgency(r)))
