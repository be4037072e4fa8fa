"""The planned orders and the expiry dates as an iCalendar file (``giftbalance report --ics
FILE.ics``; the household page serves the same at ``/calendar.ics``).

One VEVENT per planned weekly order: on the order day (the week's first day) from 09:00 to
09:30 local ("floating") time, so it lands on that morning in whatever time zone the calendar
is in; the lines, total and checkout reminders in its DESCRIPTION; a display VALARM 30
minutes before (08:30). The UID is built from the account's id and the week, so importing a
newer file updates the events instead of duplicating them.

One all-day VEVENT per account and expiry date of its money (what is left of it today), with
a display VALARM at 09:00 on each reminder threshold's day (30, 7 and 1 days before, as
``giftbalance remind``); UID ``expiry-ACCOUNT-DATE@giftbalance``.

Written with the icalendar package, which folds long lines and ends them with CRLF (RFC 5545).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from giftbalance.report.reminders import DEFAULT_THRESHOLDS
from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.plan.planner import Order
    from giftbalance.report.weekly import AccountReport, Report

PRODID = "-//giftbalance//weekly spend-down orders//EN"
ORDER_TIME = time(9, 0)
ORDER_LENGTH = timedelta(minutes=30)
ALARM_BEFORE = timedelta(minutes=30)
#: An expiry alarm rings at this time on its threshold's day.
EXPIRY_ALARM_TIME = time(9, 0)


def order_uid(account_id: int, week: object) -> str:
    """The event's UID: the same account and week always give the same UID."""
    return f"order-{account_id}-{week}@giftbalance"


def _description(account: AccountReport, order: Order, report: Report) -> str:
    cur = account.currency

    def m(minor: int) -> str:
        return show_money(minor, cur)

    out = [f"Order on {account.account} ({account.store}), week of {order.week}.", ""]
    for line in order.lines:
        who = f" for {line.for_member}" if line.for_member else ""
        late = " (LATE: needed by " + str(line.need_by) + ")" if line.late else ""
        out.append(
            f"- #{line.need_id} {line.name}{who}: {line.units} x {m(line.unit_price)}"
            f" + tax {m(line.tax)} = {m(line.total)}{late}"
        )
    out += ["", f"Total: {m(order.total)}. Balance after: {m(order.balance_after)}."]
    card = account.gift_card
    if card is not None and card.week == order.week:
        who = card.for_member or "someone in the household"
        out.append(f"Also this week: an e-gift card of {m(card.amount)} for {who}.")
    out += ["", "At checkout:"]
    out += [f"- {text}" for text in order.reminders or report.reminders]
    return "\n".join(out)


def expiry_uid(account_id: int, expires_on: date) -> str:
    """The expiry event's UID: one per account and expiry date."""
    return f"expiry-{account_id}-{expires_on.isoformat()}@giftbalance"


def _expiry_events(report: Report, thresholds: Sequence[int], stamp: datetime) -> list[Any]:
    from icalendar import Alarm, Event

    events = []
    for account in report.accounts:
        cur = account.currency
        totals: dict[date, int] = {}
        for lot in account.lots:
            if lot.expires_on >= report.today and lot.amount > 0:
                totals[lot.expires_on] = totals.get(lot.expires_on, 0) + lot.amount
        for expires_on, amount in sorted(totals.items()):
            money = show_money(amount, cur)
            event = Event()
            event.add("uid", expiry_uid(account.account_id, expires_on))
            event.add("dtstamp", stamp)
            event.add("dtstart", expires_on)
            event.add("dtend", expires_on + timedelta(days=1))
            event.add("summary", f"Gift balance expires: {money} on {account.account}")
            event.add(
                "description",
                f"{money} of the balance on {account.account} ({account.store}) expires on "
                f"{expires_on}. Spend it before then: giftbalance plan shows how.",
            )
            event.add("categories", ["giftbalance"])
            event.add("transp", "TRANSPARENT")
            for days in sorted(set(thresholds), reverse=True):
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add(
                    "description",
                    f"{money} on {account.account} expires in {days} "
                    f"{'day' if days == 1 else 'days'} ({expires_on})",
                )
                # Relative to the start of the all-day event (midnight): 09:00 that day.
                before = timedelta(days=days) - timedelta(
                    hours=EXPIRY_ALARM_TIME.hour, minutes=EXPIRY_ALARM_TIME.minute
                )
                alarm.add("trigger", -before)
                event.add_component(alarm)
            events.append(event)
    return events


def calendar_ics(report: Report, *, thresholds: Sequence[int] = DEFAULT_THRESHOLDS) -> bytes:
    """Every planned order of every account in ``report``, and every expiry date of their
    money with alarms ``thresholds`` days before, as an iCalendar file."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Gift balance orders and expiry dates")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for account in report.accounts:
        cur = account.currency
        for order in account.orders:
            start = datetime.combine(order.week, ORDER_TIME)
            event = Event()
            event.add("uid", order_uid(account.account_id, order.week))
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", start + ORDER_LENGTH)
            total = show_money(order.total, cur)
            event.add("summary", f"Gift balance order: {total} on {account.account}")
            event.add("description", _description(account, order, report))
            event.add("categories", ["giftbalance"])
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Place this week's gift balance order on {account.account}")
            alarm.add("trigger", -ALARM_BEFORE)
            event.add_component(alarm)
            calendar.add_component(event)
    for event in _expiry_events(report, thresholds, stamp):
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
