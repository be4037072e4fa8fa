"""The weekly report as one CSV table with a ``section`` column.

One file, one header, every section's rows in it (long format), so it loads as one table in a
spreadsheet or ``pandas.read_csv`` and can be filtered by ``section``. Columns a section does
not use are empty. Money is plain text with the currency's digits (``25.50``, no grouping)
beside a ``currency`` column; dates are ISO. The layout is documented in docs/report.md.

The file is meant for spreadsheets, so its text columns (names, members, accounts, details) go
through :func:`~giftbalance.values.text.cell_out`: a need named ``=SUM(1,1)`` is written
``'=SUM(1,1)`` and shows as text instead of running. Amounts stay numbers (``-12.34``).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import TYPE_CHECKING

from giftbalance.values.money import data_money
from giftbalance.values.text import cell_out

if TYPE_CHECKING:
    from giftbalance.report.weekly import AccountReport, Report

COLUMNS = (
    "section",
    "account",
    "currency",
    "week",
    "date",
    "need_id",
    "name",
    "for",
    "units",
    "amount",
    "balance",
    "detail",
)

#: The columns that hold text (people's names and notes among it); the others hold numbers,
#: dates and ids the report computes.
TEXT_COLUMNS = frozenset({"section", "account", "currency", "name", "for", "detail"})

Row = dict[str, str]


def _account_rows(report: Report, account: AccountReport) -> list[Row]:
    cur = account.currency

    def row(section: str, **cells: str | int | date | None) -> Row:
        out = {"section": section, "account": account.account, "currency": cur}
        for key, value in cells.items():
            column = "for" if key == "for_" else key
            if value is None:
                out[column] = ""
            elif isinstance(value, date):
                out[column] = value.isoformat()
            else:
                out[column] = str(value)
        return out

    def m(minor: int | None) -> str | None:
        return None if minor is None else data_money(minor, cur)

    rows: list[Row] = []
    summary = [
        ("opening", account.opening),
        ("redeemed", account.redeemed),
        ("spent", account.spent),
        ("adjusted", account.adjusted),
        ("refunded", account.refunded),
        ("closing", account.closing),
        ("planned_closing", account.planned_closing),
        ("plan_balance", account.plan_balance),
        ("order_total", account.order.total if account.order else 0),
        ("leftover", account.leftover),
    ]
    rows += [
        row("summary", week=report.week, name=name, amount=m(value)) for name, value in summary
    ]
    rows.append(row("summary", week=report.week, name="entries", units=account.entries))
    rows.append(row("summary", week=account.zero_week, name="zero_week"))
    if account.gift_card is not None:
        card = account.gift_card
        rows.append(
            row(
                "summary",
                week=card.week,
                name="gift_card",
                for_=card.for_member,
                amount=m(card.amount),
            )
        )
    for w in account.history:
        change = w.redeemed - w.spent + w.adjusted + w.refunded
        rows.append(
            row("history", week=w.week, units=w.entries, amount=m(change), balance=m(w.balance))
        )
    if account.order is not None:
        for line in account.order.lines:
            rows.append(
                row(
                    "order",
                    week=line.week,
                    date=line.need_by,
                    need_id=line.need_id,
                    name=line.name,
                    for_=line.for_member,
                    units=line.units,
                    amount=m(line.total),
                    detail=line.priority + (", late" if line.late else ""),
                )
            )
    for p in account.projection:
        rows.append(row("projection", week=p.week, amount=m(p.spend), balance=m(p.balance)))
    for soon in account.expiring:
        rows.append(row("expiring", date=soon.expires_on, amount=m(soon.amount)))
        if soon.unused:
            rows.append(row("expiring_unused", date=soon.expires_on, amount=m(soon.unused)))
    for line in account.late:
        rows.append(
            row(
                "late",
                week=line.week,
                date=line.need_by,
                need_id=line.need_id,
                name=line.name,
                for_=line.for_member,
                units=line.units,
                amount=m(line.total),
            )
        )
    for u in account.unplanned:
        rows.append(
            row("unplanned", need_id=u.need_id, name=u.name, units=u.units, detail=u.reason)
        )
    for order in account.store_orders:
        rows.append(
            row(
                "store_order",
                date=order.occurred_on,
                name=order.order_id,
                amount=m(order.amount),
                detail=order.kind,
            )
        )
    for use in account.members:
        rows.append(row("member_total", for_=use.member, amount=m(use.total)))
        for item in use.items:
            rows.append(
                row(
                    "member",
                    for_=use.member,
                    need_id=item.need_id,
                    name=item.name,
                    units=item.units,
                    amount=m(item.amount),
                )
            )
    return rows


def report_rows(report: Report) -> list[Row]:
    """Every row of the CSV, as dicts keyed by :data:`COLUMNS` (missing keys are empty)."""
    rows: list[Row] = [
        {
            "section": "report",
            "week": report.week.isoformat(),
            "date": report.week_end.isoformat(),
            "name": report.when,
            "units": str(report.plan_weeks),
            "detail": f"plan from {report.plan_start} for {report.plan_weeks} weeks",
        }
    ]
    for account in report.accounts:
        rows += _account_rows(report, account)
    rows += [{"section": "reminder", "detail": text} for text in report.reminders]
    if report.support is not None:
        rows.append(
            {"section": "support", "units": str(report.pending_contacts), "detail": report.support}
        )
    return rows


def report_csv(report: Report) -> str:
    """The report as CSV text (RFC 4180: CRLF line ends, quoting where needed), its text cells
    safe to open in a spreadsheet (:data:`TEXT_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {key: cell_out(value) if key in TEXT_COLUMNS else value for key, value in row.items()}
        for row in report_rows(report)
    )
    return buffer.getvalue()
