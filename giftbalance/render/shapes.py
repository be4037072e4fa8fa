"""The JSON shapes of the commands' ``--json`` output, built here and nowhere else.

Each function takes the domain's plain results and returns JSON-ready data (money as text with
the currency's exact digits, dates as ISO 8601); the commands only print it. The shapes are
documented in docs/json.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from giftbalance.ledger.codes import mask
from giftbalance.values.dates import iso
from giftbalance.values.money import data_money

if TYPE_CHECKING:
    from giftbalance.errors import Problem
    from giftbalance.household.contacts import ContactView
    from giftbalance.household.needs import PurchaseView
    from giftbalance.household.reading import NeedView
    from giftbalance.ledger.lots import Lot
    from giftbalance.ledger.reading import LogLine
    from giftbalance.storage.queries import AccountRow, MemberRow


def contacts_json(rows: Sequence[ContactView]) -> list[dict[str, Any]]:
    """``giftbalance contact list --json``."""
    return [
        {
            "id": c.id,
            "when": iso(c.occurred_at),
            "channel": c.channel,
            "rep": c.rep,
            "case": c.case_ref,
            "account": view.account,
            "summary": c.summary,
            "outcome": c.outcome,
            "note": c.note,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
        }
        for view in rows
        for c in [view.contact]
    ]


def check_json(database: str, problems: Sequence[Problem]) -> dict[str, Any]:
    """``giftbalance check --json``."""
    return {
        "database": database,
        "clean": not problems,
        "problems": [{"table": p.table, "id": p.row_id, "problem": p.reason} for p in problems],
    }


def balance_json(
    pairs: Sequence[tuple[AccountRow, int]],
    soonest: Mapping[int, Lot | None],
    totals: Mapping[str, int],
) -> dict[str, Any]:
    """``giftbalance balance --json``: each account's balance and the part of it that expires
    first, and the totals per currency."""
    return {
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "store": a.store,
                "currency": a.currency,
                "balance": data_money(amount, a.currency),
                "expiring": (
                    {
                        "amount": data_money(lot.amount, a.currency),
                        "currency": a.currency,
                        "expires_on": iso(lot.expires_on),
                    }
                    if (lot := soonest[a.id])
                    else None
                ),
            }
            for a, amount in pairs
        ],
        "totals": [
            {"currency": currency, "balance": data_money(amount, currency)}
            for currency, amount in totals.items()
        ],
    }


def log_json(lines: Sequence[LogLine]) -> list[dict[str, Any]]:
    """``giftbalance log --json``: the entries, oldest first (a claim code only as ``****ABCD``)."""
    return [
        {
            "id": e.id,
            "date": iso(e.occurred_on),
            "account": line.account,
            "kind": e.kind,
            "amount": data_money(e.amount, e.currency),
            "currency": e.currency,
            "balance": data_money(e.balance_after, e.currency),
            "note": e.note,
            "from": e.giver,
            "expires": iso(e.expires_on),
            "code": mask(e.code_last4) or None,
            "reverses": e.reverses_id,
            "order_id": e.order_id,
            "recorded_at": iso(e.recorded_at),
        }
        for line in lines
        for e in [line.entry]
    ]


def accounts_json(
    rows: Sequence[AccountRow], balances: Mapping[int, int], default_id: int | None
) -> list[dict[str, Any]]:
    """``giftbalance account list --json``: the accounts with their balances."""
    return [
        {
            "id": a.id,
            "name": a.name,
            "store": a.store,
            "currency": a.currency,
            "balance": data_money(balances[a.id], a.currency),
            "tax_rate": a.tax_rate,
            "note": a.note,
            "default": a.id == default_id,
            "archived": a.archived_at is not None,
            "created_at": iso(a.created_at),
        }
        for a in rows
    ]


def need_json(view: NeedView) -> dict[str, Any]:
    """One need of ``giftbalance need list --json`` (and ``need show --json``): with its
    member's and account's names, its total and its due date."""
    from giftbalance.values.recurrence import describe

    need = view.need
    return {
        "id": need.id,
        "name": need.name,
        "status": need.status,
        "priority": need.priority,
        "unit_price": data_money(need.unit_price, need.currency),
        "currency": need.currency,
        "quantity": need.quantity,
        "total": data_money(view.total, need.currency),
        "need_by": iso(need.need_by),
        "every": need.rule,
        "every_text": describe(need.rule) if need.rule else None,
        "first_date": iso(need.first_date),
        "next_date": iso(need.next_date),
        "due": iso(view.due),
        "for": view.member,
        "account": view.account,
        "store": need.store,
        "url": need.url,
        "note": need.note,
        "created_at": iso(need.created_at),
        "closed_at": iso(need.closed_at),
    }


def purchase_json(view: PurchaseView) -> dict[str, Any]:
    """One purchase in ``giftbalance need show --json``: its spend entry, units, member, and
    whether it was undone."""
    entry = view.entry
    return {
        "id": view.purchase.id,
        "entry_id": entry.id,
        "date": iso(entry.occurred_on),
        "units": view.purchase.units,
        "paid": data_money(-entry.amount, entry.currency),
        "currency": entry.currency,
        "account": view.account,
        "for": view.member,
        "occurrence": iso(view.purchase.occurrence),
        "undone": view.undone,
    }


def needs_json(views: Sequence[NeedView], totals: Mapping[str, int]) -> dict[str, Any]:
    """``giftbalance need list --json``: the needs and the open needs' total per currency."""
    return {
        "needs": [need_json(v) for v in views],
        "totals": [
            {"currency": c, "amount": data_money(amount, c)} for c, amount in totals.items()
        ],
    }


def members_json(rows: Sequence[MemberRow], open_needs: Mapping[int, int]) -> list[dict[str, Any]]:
    """``giftbalance member list --json``: the members with how many open needs each has."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "note": m.note,
            "open_needs": open_needs.get(m.id, 0),
            "created_at": iso(m.created_at),
            "removed_at": iso(m.removed_at),
        }
        for m in rows
    ]
