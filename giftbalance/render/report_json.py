"""The weekly report as JSON (``--format json``); the shape is documented in docs/json.md.

Money is a string with the currency's digits (``"25.50"``) beside a ``currency`` field, dates
are ISO text, ids are ints; absent values are ``null``. Order lines have the keys of
``giftbalance plan --json``'s lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from giftbalance.render.plan_json import line_to_dict, unplanned_to_dict
from giftbalance.values.dates import iso
from giftbalance.values.money import data_money

if TYPE_CHECKING:
    from giftbalance.plan.planner import Order
    from giftbalance.report.weekly import AccountReport, Report

#: Bumped when a field changes meaning or goes away (new fields do not bump it).
SCHEMA_VERSION = 1


def _money(minor: int | None, currency: str) -> str | None:
    return None if minor is None else data_money(minor, currency)


def _order(order: Order, cur: str) -> dict[str, Any]:
    return {
        "week": order.week.isoformat(),
        "lines": [line_to_dict(line, cur) for line in order.lines],
        "total": _money(order.total, cur),
        "balance_after": _money(order.balance_after, cur),
    }


def _account(a: AccountReport) -> dict[str, Any]:
    cur = a.currency
    card = a.gift_card
    return {
        "account_id": a.account_id,
        "account": a.account,
        "store": a.store,
        "currency": cur,
        "note": a.note,
        "opening": _money(a.opening, cur),
        "closing": _money(a.closing, cur),
        "redeemed": _money(a.redeemed, cur),
        "spent": _money(a.spent, cur),
        "adjusted": _money(a.adjusted, cur),
        "refunded": _money(a.refunded, cur),
        "store_orders": [
            {
                "date": row.occurred_on.isoformat(),
                "kind": row.kind,
                "amount": _money(row.amount, cur),
                "order_id": row.order_id,
            }
            for row in a.store_orders
        ],
        "entries": a.entries,
        "order_week": a.order_week.isoformat(),
        "order": None if a.order is None else _order(a.order, cur),
        "plan_balance": _money(a.plan_balance, cur),
        "planned_closing": _money(a.planned_closing, cur),
        "projection": [
            {
                "week": p.week.isoformat(),
                "spend": _money(p.spend, cur),
                "balance": _money(p.balance, cur),
            }
            for p in a.projection
        ],
        "zero_week": iso(a.zero_week),
        "gift_card": None
        if card is None
        else {"amount": _money(card.amount, cur), "for": card.for_member, "week": iso(card.week)},
        "leftover": _money(a.leftover, cur),
        "expiring": [
            {
                "amount": _money(s.amount, cur),
                "expires_on": s.expires_on.isoformat(),
                "unused": _money(s.unused, cur),
            }
            for s in a.expiring
        ],
        "late": [line_to_dict(line, cur) for line in a.late],
        "unplanned": [unplanned_to_dict(u) for u in a.unplanned],
        "members": [
            {
                "for": use.member,
                "total": _money(use.total, cur),
                "items": [
                    {
                        "need_id": item.need_id,
                        "name": item.name,
                        "units": item.units,
                        "amount": _money(item.amount, cur),
                    }
                    for item in use.items
                ],
            }
            for use in a.members
        ],
        "history": [
            {
                "week": w.week.isoformat(),
                "redeemed": _money(w.redeemed, cur),
                "spent": _money(w.spent, cur),
                "adjusted": _money(w.adjusted, cur),
                "refunded": _money(w.refunded, cur),
                "balance": _money(w.balance, cur),
                "entries": w.entries,
            }
            for w in a.history
        ],
        "orders": [_order(order, cur) for order in a.orders],
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The ``giftbalance report --format json`` document."""
    return {
        "schema": SCHEMA_VERSION,
        "week": report.week.isoformat(),
        "week_end": report.week_end.isoformat(),
        "today": report.today.isoformat(),
        "when": report.when,
        "week_start": report.week_start,
        "plan": {
            "start": report.plan_start.isoformat(),
            "weeks": report.plan_weeks,
            "end": report.plan_end.isoformat(),
        },
        "accounts": [_account(a) for a in report.accounts],
        "reminders": list(report.reminders),
        "pending_contacts": report.pending_contacts,
        "support": report.support,
    }


def report_json(report: Report) -> str:
    """The JSON document as text (indented, UTF-8 characters kept)."""
    import json

    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
