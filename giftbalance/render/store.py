"""What ``giftbalance store import`` prints: its preview (or what it wrote) as text and JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from giftbalance.render.text import bare, table
from giftbalance.values.money import data_money, show_money

if TYPE_CHECKING:
    from giftbalance.io.store.importer import ImportPlan


def plan_json(plan: ImportPlan) -> dict[str, Any]:
    """The import as ``{"account", "currency", "entries", "needs", "closing_balance",
    "balance_after", "difference"}``; money as text with the currency's digits."""
    cur = plan.currency

    def money(minor: int | None) -> str | None:
        return None if minor is None else data_money(minor, cur)

    return {
        "account": plan.account,
        "currency": cur,
        "entries": [
            {
                "date": e.occurred_on.isoformat(),
                "kind": e.kind,
                "amount": money(e.amount),
                "order_id": e.order_id,
                "description": e.description,
                "status": e.status,
            }
            for e in plan.entries
        ],
        "needs": [
            {
                "need_id": n.need_id,
                "name": n.name,
                "order_id": n.order_id,
                "item": n.item,
                "status": n.status,
            }
            for n in plan.needs
        ],
        "closing_balance": money(plan.closing_balance),
        "balance_after": money(plan.balance_after),
        "difference": money(plan.difference),
    }


def plan_text(plan: ImportPlan) -> str:
    """The import for people: every row with its status, the needs, the balance check, notes."""
    cur = plan.currency
    lines = []
    if plan.written:
        lines.append(f"Store import into {plan.account} ({plan.store}, {cur}):")
    else:
        lines.append(
            f"Preview of the store import into {plan.account} ({plan.store}, {cur}); "
            "nothing was written."
        )
    lines.append("")
    if plan.entries:
        rows = []
        for e in plan.entries:
            what = e.description
            if e.items and e.description != "; ".join(e.items):
                what += f": {'; '.join(e.items)}"
            rows.append(
                [e.occurred_on, e.kind, bare(e.amount, cur), e.order_id or "", e.status, what]
            )
        lines.append(
            table(["date", "kind", f"amount {cur}", "order", "status", "description"], rows, "llr")
        )
        new, matched, already = (
            plan.count("new"),
            plan.count("matched"),
            plan.count("already logged"),
        )
        verb = "logged" if plan.written else "to log"
        summary = f"{new} new ({verb}), {already} already logged"
        if matched:
            done = "linked" if plan.written else "to link"
            summary += f", {matched} matched: typed by hand before ({done}, not logged twice)"
        lines += ["", summary + "."]
    else:
        lines.append("No gift-balance entries in these files.")
    if plan.items:
        kept = "Kept" if plan.written else "Keeps"
        lines.append(
            f"{kept} {len(plan.items)} item(s) of orders paid from the gift balance, to name "
            "what spends bought and match needs."
        )
    if plan.needs:
        lines += ["", "Needs the orders bought:"]
        for n in plan.needs:
            if n.status == "bought":
                lines.append(
                    f"  need {n.need_id} ({n.name}): bought by order {n.order_id} ({n.item})"
                )
            else:
                lines.append(
                    f"  need {n.need_id} ({n.name}): to confirm, order {n.order_id} ({n.item}); "
                    f"if it is: giftbalance need bought {n.need_id} --order {n.order_id}"
                )
    lines.append("")
    after = show_money(plan.balance_after, cur)
    if plan.closing_balance is None:
        lines.append(
            f"Balance of {plan.account} after the import: {after} (no gift-card activity "
            "given, so no closing balance to check it against)."
        )
    else:
        closing = show_money(plan.closing_balance, cur)
        difference = plan.difference or 0
        if difference == 0:
            lines.append(
                f"Closing balance on the page: {closing}; the ledger after the import: {after}. "
                "They agree."
            )
        else:
            side = "below" if difference > 0 else "above"
            lines.append(
                f"Closing balance on the page: {closing}, but the ledger after the import "
                f"would be {after}: {show_money(abs(difference), cur)} {side} it. Look for a "
                "row missing from the files, or set the ledger to the page's balance with: "
                f"giftbalance reconcile {data_money(plan.closing_balance, cur)} "
                f"--account {_quoted(plan.account)}"
            )
    for notice in plan.notices:
        lines.append(f"Note: {notice}.")
    if not plan.written:
        lines += ["", "Nothing was written; run the same command with --apply to write it."]
    return "\n".join(lines)


def _quoted(name: str) -> str:
    """An account name as a shell word."""
    return name if name.replace("-", "").replace("_", "").isalnum() else f"'{name}'"
