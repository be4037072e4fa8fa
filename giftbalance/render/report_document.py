"""The weekly report laid out as a document: headings, paragraphs, tables and lists.

The text, markdown and HTML renderers all print this one layout, so the three formats say the
same thing in the same order; each only decides how a heading or a table looks (and escapes
what it must). Money is formatted here, through :func:`giftbalance.money.format_money`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from giftbalance.render.text import bare, dates_span
from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.plan.planner import Order
    from giftbalance.report.weekly import AccountReport, Report


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    #: 1 for the report's title, 2 for an account, 3 for a section.
    level: int


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    #: ``""``, or ``"warn"`` for something that needs attention (late, expiring unused).
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: One ``l`` or ``r`` per column.
    align: str
    #: Rows (by index) that need attention.
    warn: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


Block = Heading | Para | Table | Bullets


def day(value: date | None) -> str:
    """A date as ``Mon 2026-11-23`` (empty for ``None``)."""
    return "" if value is None else f"{value:%a} {value.isoformat()}"


_WHEN = {
    "current": "this week",
    "past": "a past week: what happened then; the plan beside it is the plan from today",
    "future": "a coming week: what the plan does by then",
}


def title(report: Report) -> str:
    """The report's one-line title."""
    return f"Weekly report: {day(report.week)} to {day(report.week_end)}"


def _order_table(order: Order, currency: str) -> Table:
    rows = tuple(
        (
            f"#{line.need_id} {line.name}",
            line.for_member or "",
            line.priority,
            str(line.units),
            bare(line.unit_price, currency),
            bare(line.tax, currency),
            bare(line.total, currency),
            line.need_by.isoformat() if line.need_by else "",
            "yes" if line.late else "",
        )
        for line in order.lines
    )
    return Table(
        ("need", "for", "priority", "units", "unit price", "tax", "total", "need by", "late"),
        rows,
        "lllrrrrll",
        frozenset(i for i, line in enumerate(order.lines) if line.late),
    )


def _actuals(account: AccountReport, report: Report) -> list[Block]:
    cur = account.currency
    blocks: list[Block] = [
        Para(
            f"Balance {show_money(account.opening, cur)} at the start of the week, "
            f"{show_money(account.closing, cur)} at its end."
        )
    ]
    if account.entries:
        entries = "1 entry" if account.entries == 1 else f"{account.entries} entries"
        blocks.append(
            Para(
                f"During the week: redeemed {show_money(account.redeemed, cur)}, spent "
                f"{show_money(account.spent, cur)}, adjusted {show_money(account.adjusted, cur)}"
                + (f", refunded {show_money(account.refunded, cur)}" if account.refunded else "")
                + f" ({entries})."
            )
        )
    else:
        blocks.append(Para("No entries during the week."))
    if account.planned_closing is not None and report.when == "future":
        blocks.append(
            Para(
                f"Planned balance at the end of the week: {show_money(account.planned_closing, cur)}."
            )
        )
    return blocks


def _order(account: AccountReport, report: Report) -> list[Block]:
    cur = account.currency
    when = (
        f"this week ({account.order_week})"
        if report.when == "current"
        else f"the week of {account.order_week}"
    )
    heading = "Order planned from today" if report.when == "past" else "Order"
    blocks: list[Block] = [Heading(heading, 3)]
    order = account.order
    if order is None:
        blocks.append(Para(f"Nothing to order for {when}."))
        return blocks
    blocks.append(
        Para(
            f"For {when}: {show_money(order.total, cur)}; balance after it "
            f"{show_money(order.balance_after, cur)}."
        )
    )
    blocks.append(_order_table(order, cur))
    return blocks


def _projection(account: AccountReport, report: Report) -> list[Block]:
    cur = account.currency
    blocks: list[Block] = [Heading("Projection", 3)]
    if account.plan_balance == 0:
        blocks.append(Para("The balance is zero: nothing left to spend down."))
        return blocks
    blocks.append(
        Para(
            f"Planned balance at the end of each week, from {show_money(account.plan_balance, cur)} "
            "today:"
        )
    )
    blocks.append(
        Table(
            ("week of", "planned spend", "balance"),
            tuple(
                (w.week.isoformat(), bare(w.spend, cur), bare(w.balance, cur))
                for w in account.projection
            ),
            "lrr",
        )
    )
    if account.zero_week is not None:
        blocks.append(Para(f"The balance reaches zero in the week of {account.zero_week}."))
    else:
        blocks.append(
            Para(
                f"The balance does not reach zero within the plan's horizon "
                f"({report.plan_weeks} weeks, to {report.plan_end}); "
                f"{show_money(account.leftover, cur)} is left.",
                "warn",
            )
        )
    if account.gift_card is not None:
        card = account.gift_card
        who = card.for_member or "someone in the household"
        blocks.append(
            Para(
                f"Gift card: buy an e-gift card of {show_money(card.amount, cur)} for {who} in the "
                f"week of {card.week}; it turns the rest of the balance into something that can "
                "be passed on."
            )
        )
    return blocks


def _expiring(account: AccountReport) -> list[Block]:
    cur = account.currency
    blocks: list[Block] = [Heading("Expiring within 4 weeks", 3)]
    if not account.expiring:
        blocks.append(Para("Nothing expires within 4 weeks."))
        return blocks
    rows = []
    for soon in account.expiring:
        fate = f"{bare(soon.unused, cur)} will expire unused" if soon.unused else "spent in time"
        rows.append((soon.expires_on.isoformat(), bare(soon.amount, cur), fate))
    blocks.append(
        Table(
            ("expires on", "amount", "by the plan"),
            tuple(rows),
            "lrl",
            frozenset(i for i, soon in enumerate(account.expiring) if soon.unused),
        )
    )
    return blocks


def _needs(account: AccountReport) -> list[Block]:
    blocks: list[Block] = []
    if account.late:
        blocks.append(Heading("Late needs", 3))
        blocks.append(
            Table(
                ("need", "for", "needed by", "ordered in the week of"),
                tuple(
                    (
                        f"#{line.need_id} {line.name}",
                        line.for_member or "",
                        line.need_by.isoformat() if line.need_by else "",
                        line.week.isoformat(),
                    )
                    for line in account.late
                ),
                "llll",
                frozenset(range(len(account.late))),
            )
        )
    if account.unplanned:
        blocks.append(Heading("Not in the plan", 3))
        blocks.append(
            Table(
                ("need", "units", "due", "why"),
                tuple(
                    (
                        f"#{u.need_id} {u.name}",
                        str(u.units) if u.units else "",
                        dates_span(u.occurrences),
                        u.reason,
                    )
                    for u in account.unplanned
                ),
                "lrll",
            )
        )
    return blocks


def _members(account: AccountReport) -> list[Block]:
    cur = account.currency
    blocks: list[Block] = [Heading("Bought so far, per member", 3)]
    if not account.members:
        blocks.append(Para("Nothing bought through the needs list yet (giftbalance need bought)."))
        return blocks
    rows: list[tuple[str, ...]] = []
    for use in account.members:
        who = use.member or "(no one in particular)"
        rows.append((who, "all", "", bare(use.total, cur)))
        rows.extend(
            ("", f"#{item.need_id} {item.name}", str(item.units), bare(item.amount, cur))
            for item in use.items
        )
    blocks.append(Table(("for", "need", "units", "amount"), tuple(rows), "llrr"))
    return blocks


def _store_orders(account: AccountReport) -> list[Block]:
    """The week's spends and refunds of store orders, with their order ids (none: nothing)."""
    if not account.store_orders:
        return []
    cur = account.currency
    rows = tuple(
        (day(row.occurred_on), row.kind, bare(row.amount, cur), row.order_id)
        for row in account.store_orders
    )
    return [
        Heading("Store orders during the week", 3),
        Table(("date", "kind", "amount", "order"), rows, "llrl"),
    ]


def account_blocks(account: AccountReport, report: Report) -> list[Block]:
    """One account's part of the report."""
    blocks: list[Block] = [Heading(f"{account.account} ({account.store})", 2)]
    if account.note:
        blocks.append(Para(f"Note: {account.note}"))
    blocks += _actuals(account, report)
    blocks += _store_orders(account)
    blocks += _order(account, report)
    blocks += _projection(account, report)
    blocks += _expiring(account)
    blocks += _needs(account)
    blocks += _members(account)
    return blocks


def report_document(report: Report) -> list[Block]:
    """The whole report: title, each account, then the checkout reminders and support."""
    blocks: list[Block] = [
        Heading(title(report), 1),
        Para(
            f"Week {report.week} to {report.week_end}, {_WHEN[report.when]}. "
            f"Plan from the week of {report.plan_start}, {report.plan_weeks} weeks "
            f"(to {report.plan_end})."
        ),
    ]
    if not report.accounts:
        blocks.append(
            Para(
                "No accounts yet. Add the account the card was redeemed on: giftbalance account "
                "add Personal --store amazon.com --currency USD"
            )
        )
    for account in report.accounts:
        blocks += account_blocks(account, report)
    blocks.append(Heading("At every checkout", 2))
    blocks.append(Bullets(report.reminders))
    if report.support is not None:
        blocks.append(Heading("Support", 2))
        blocks.append(Para(report.support, "warn"))
    return blocks
