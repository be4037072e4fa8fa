"""The spend-down plan as text for the terminal."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from giftbalance.render.text import bare, dates_span, table
from giftbalance.values.money import show_money

if TYPE_CHECKING:
    from giftbalance.plan.planner import AccountPlan, Plan


def plan_text(plan: Plan) -> str:
    """Per account, per week: the order's lines, total and balance after; then the gift card,
    leftover, needs that did not fit, late needs and the checkout reminders."""
    end = plan.start + timedelta(days=7 * plan.weeks - 1)
    out = [f"Spend-down plan: {plan.weeks} weeks from {plan.start} to {end}"]
    if not plan.accounts:
        out.append("")
        out.append("No account with a balance to plan. Log one with: giftbalance add AMOUNT")
    for account in plan.accounts:
        out.append("")
        out.extend(account_text(account))
    return "\n".join(out)


def account_text(account: AccountPlan) -> list[str]:
    cur = account.currency
    out = [f"== {account.account}: balance {show_money(account.balance, cur)} =="]
    if not account.orders:
        out.append("No orders planned.")
    for order in account.orders:
        out.append("")
        out.append(
            f"Week of {order.week}: order {show_money(order.total, cur)}, balance after {show_money(order.balance_after, cur)}"
        )
        rows = [
            [
                f"#{line.need_id} {line.name}" + (" (LATE)" if line.late else ""),
                line.for_member or "",
                line.units,
                bare(line.unit_price, cur),
                bare(line.tax, cur),
                bare(line.total, cur),
                line.need_by or "",
            ]
            for line in order.lines
        ]
        table_text = table(
            ["need", "for", "units", "unit price", "tax", "total", "need by"], rows, "llrrrrl"
        )
        out.extend("  " + row for row in table_text.splitlines())
    out.append("")
    if account.gift_card is not None:
        who = account.gift_card.for_member or "someone in the household"
        out.append(
            f"Gift card: buy an e-gift card of {show_money(account.gift_card.amount, cur)} for {who} "
            f"(week of {account.gift_card.week}); it turns the rest of the balance into value that can be passed on."
        )
    out.append(f"Leftover: {show_money(account.leftover, cur)}")
    if not account.proven_optimal:
        out.append("Not proven optimal: the best plan found, not shown to be the best possible.")
    for shortfall in account.expiring_unused:
        out.append(f"Expires unused: {show_money(shortfall.amount, cur)} on {shortfall.expires_on}")
    if account.unplanned:
        out.append("Did not fit:")
        for item in account.unplanned:
            details = [f"{item.units} unit{'s' if item.units != 1 else ''}"] if item.units else []
            if item.occurrences:
                details.append(f"due {dates_span(item.occurrences)}")
            said = f" ({'; '.join(details)})" if details else ""
            out.append(f"  #{item.need_id} {item.name}{said}: {item.reason}")
    if account.late:
        out.append("Late (ordered after the need-by date):")
        for line in account.late:
            out.append(
                f"  #{line.need_id} {line.name}: needed by {line.need_by}, ordered week of {line.week}"
            )
    if account.orders:
        out.append("At every checkout:")
        out.extend(f"  - {reminder}" for reminder in account.orders[0].reminders)
    return out
