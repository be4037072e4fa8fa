"""The planned orders as an iCalendar file (``giftbalance report --ics FILE.ics``).

One VEVENT per planned weekly order: on the order day (the week's first day) from 09:00 to
09:30 local ("floating") time, so it lands on that morning in whatever time zone the calendar
is in; the lines, total and checkout reminders in its DESCRIPTION; a display VALARM 30
minutes before (08:30). The UID is built from the account's id and the week, so importing a
newer file updates the events instead of duplicating them. Written with the icalendar
package, which folds long lines and ends them with CRLF (RFC 5545).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.plan.planner import Order
    from giftbalance.report.weekly import AccountReport, Report

PRODID = "-//giftbalance//weekly spend-down orders//EN"
ORDER_TIME = time(9, 0)
ORDER_LENGTH = timedelta(minutes=30)
ALARM_BEFORE = timedelta(minutes=30)


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


def calendar_ics(report: Report) -> bytes:
    """Every planned order of every account in ``report`` as an iCalendar file."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Gift balance orders")
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
    data: bytes = calendar.to_ical()
    return data
