"""The spend-down plan as JSON (``giftbalance plan --json``, and the plan's parts of the report's
JSON): money as strings with the currency's digits, dates as ISO text, ids as ints. The shape
is documented in docs/json.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from giftbalance.values.dates import iso
from giftbalance.values.money import data_money
from giftbalance.values.vocabulary import PRIORITIES

if TYPE_CHECKING:
    from giftbalance.plan.planner import AccountPlan, Plan, PlanLine, Unplanned


def unplanned_to_dict(item: Unplanned) -> dict[str, Any]:
    """A need that did not fit, in the ``--json`` shape."""
    return {
        "need_id": item.need_id,
        "name": item.name,
        "reason": item.reason,
        "units": item.units,
        "occurrences": [day.isoformat() for day in item.occurrences],
    }


def line_to_dict(line: PlanLine, currency: str) -> dict[str, Any]:
    """One order line in the ``--json`` shape (money as strings with the currency's digits)."""
    return {
        "need_id": line.need_id,
        "name": line.name,
        "for": line.for_member,
        "units": line.units,
        "unit_price": data_money(line.unit_price, currency),
        "tax": data_money(line.tax, currency),
        "total": data_money(line.total, currency),
        "need_by": iso(line.need_by),
        "late": line.late,
        "priority": line.priority,
        "occurrence": iso(line.occurrence),
        "week": line.week.isoformat(),
    }


def _account_dict(plan: AccountPlan) -> dict[str, Any]:
    cur = plan.currency
    card = plan.gift_card
    return {
        "account_id": plan.account_id,
        "account": plan.account,
        "currency": cur,
        "balance": data_money(plan.balance, cur),
        "budget": data_money(plan.budget, cur),
        "orders": [
            {
                "week": order.week.isoformat(),
                "lines": [line_to_dict(line, cur) for line in order.lines],
                "total": data_money(order.total, cur),
                "balance_after": data_money(order.balance_after, cur),
                "reminders": list(order.reminders),
            }
            for order in plan.orders
        ],
        "gift_card": None
        if card is None
        else {
            "amount": data_money(card.amount, cur),
            "for": card.for_member,
            "week": card.week.isoformat(),
        },
        "leftover": data_money(plan.leftover, cur),
        "unplanned": [unplanned_to_dict(u) for u in plan.unplanned],
        "late": [line_to_dict(line, cur) for line in plan.late],
        "expiring_unused": [
            {"amount": data_money(s.amount, cur), "expires_on": s.expires_on.isoformat()}
            for s in plan.expiring_unused
        ],
        "spent_by_priority": {p: data_money(plan.spent_by_priority[p], cur) for p in PRIORITIES},
        "proven_optimal": plan.proven_optimal,
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The ``giftbalance plan --json`` document: money as strings with the currency's digits,
    dates as ISO text, ids as ints (shape in docs/json.md)."""
    return {
        "start": plan.start.isoformat(),
        "weeks": plan.weeks,
        "accounts": [_account_dict(account) for account in plan.accounts],
    }
